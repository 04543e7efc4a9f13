import { SetMetadata } from '@nestjs/common';

export const ROLES_KEY = 'auth:roles';

/** Restricts a route (or controller) to callers holding at least one of `roles`; others get 403. */
export const Roles = (...roles: string[]) => SetMetadata(ROLES_KEY, roles);
