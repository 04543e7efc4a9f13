import {
  ExecutionContext,
  Inject,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Response } from 'express';
import type { AuthUser } from './auth-user.js';
import { IS_PUBLIC_KEY } from './public.decorator.js';
import { describeTokenRejection, KeySetUnavailableError } from './token-rejection.js';
import { UserThrottlerGuard } from './user-throttler.guard.js';

/**
 * The front door, a global guard: authenticate the Bearer token, apply the per-user (or per-IP) rate limit,
 * then refuse unauthenticated calls unless the route is @Public. Throttling sits between the two so that
 * failed authentications are rate-limited too.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(UserThrottlerGuard) private readonly throttler: UserThrottlerGuard,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const http = context.switchToHttp();
    const hasCredentials = http.getRequest<{ headers: Record<string, unknown> }>().headers.authorization;
    let rejection: unknown;
    if (!isPublic || hasCredentials) {
      try {
        await super.canActivate(context);
      } catch (error) {
        rejection = error;
      }
    }
    await this.throttler.canActivate(context);
    if (rejection !== undefined && !isPublic) {
      if (rejection instanceof UnauthorizedException) {
        http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      }
      throw rejection;
    }
    return true;
  }

  override handleRequest<User = AuthUser>(error: unknown, user: User | false, failure: unknown): User {
    if (error) throw error;
    if (failure instanceof KeySetUnavailableError) {
      throw new ServiceUnavailableException(
        'Cannot verify tokens right now: the identity provider key set is unavailable',
      );
    }
    if (!user) throw new UnauthorizedException(describeTokenRejection(failure));
    return user;
  }
}
