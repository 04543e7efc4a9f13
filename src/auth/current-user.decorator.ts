import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthUser } from './auth-user.js';

/**
 * The authenticated caller (`@CurrentUser() user: AuthUser`). Always set on protected routes;
 * on a @Public route it is set only when a valid token was sent anyway.
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser | undefined =>
    context.switchToHttp().getRequest<{ user?: AuthUser }>().user,
);
