import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { AuthUser } from './auth-user.js';

/**
 * One request budget per user across all routes (per client IP when the caller is not authenticated),
 * so a user cannot multiply their allowance by spreading calls over endpoints. Invoked by JwtAuthGuard
 * after authentication, so it knows who the caller is; failed authentications count against the IP.
 */
@Injectable()
export class UserThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const user = request.user as AuthUser | undefined;
    return user ? `user:${user.id}` : `ip:${await super.getTracker(request)}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return createHash('sha256').update(`${throttlerName}:${tracker}`).digest('hex');
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new ThrottlerException(
      `Too many requests: the limit is ${detail.limit} per ${Math.round(detail.ttl / 1000)} s; ` +
        `retry after ${detail.timeToBlockExpire} s`,
    );
  }
}
