import { createHash, timingSafeEqual } from 'node:crypto';

export type MetricsAccess = 'granted' | 'missing' | 'invalid';

/**
 * Whether an `Authorization` header carries the metrics token. No token configured: open. Compared in constant
 * time over digests, so neither the token's content nor its length leaks through timing.
 */
export function checkMetricsAccess(
  authorization: string | undefined,
  token: string | undefined,
): MetricsAccess {
  if (token === undefined) return 'granted';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return 'missing';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]), digest(token)) ? 'granted' : 'invalid';
}
