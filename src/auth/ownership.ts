import { AccessDeniedError, NotFoundError } from '../common/domain-errors.js';
import { type StorageArea, StorageKeys } from '../storage/storage-keys.js';
import type { AuthUser } from './auth-user.js';
import { isUsableUserId } from '../common/user-id.js';

const MAX_KEY_BYTES = 1024; // S3's own limit
// Control characters, invisible formatting (zero-width, bidi overrides) and line/paragraph separators.
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * Why `key` is not a safe, canonical object key, or undefined when it is. Refused rather than repaired:
 * anything a proxy, S3 tool or file-backed store could read as a different path.
 */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `must be at most ${MAX_KEY_BYTES} bytes`;
  if (INVISIBLE_OR_CONTROL.test(key)) return 'must not contain control or invisible characters';
  if (key.includes('\\')) return 'must not contain backslashes';
  // Encoded separators or dots (%2F, %2E, %5C) would mean another path to anything that decodes them.
  if (key.includes('%')) return 'must not contain percent-encoding';
  if (key.startsWith('/')) return 'must not start with "/"';
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return 'must not contain empty, "." or ".." path segments';
  }
  return undefined;
}

/** Unicode-canonical (NFC) form, so visually identical keys compare equal before the prefix check. */
export function normaliseKey(key: string): string {
  return key.normalize('NFC');
}

/** True when `key` is a safe key strictly inside `<area>/<userId>/`. */
export function isOwnedKey(userId: string, key: string, area: StorageArea = 'images'): boolean {
  if (!isUsableUserId(userId)) return false;
  const normalised = normaliseKey(key);
  const prefix = StorageKeys.prefix(area, userId);
  return (
    keyProblem(normalised) === undefined && normalised.startsWith(prefix) && normalised.length > prefix.length
  );
}

/**
 * The normalised key when it is the caller's own object under `<area>/<userId>/`; otherwise a 403.
 * Call it before anything is reserved, charged or read: `const key = assertOwnedKey(user, dto.id)`.
 */
export function assertOwnedKey(user: AuthUser | string, key: string, area: StorageArea = 'images'): string {
  const userId = typeof user === 'string' ? user : user.id;
  const normalised = normaliseKey(String(key));
  const problem = keyProblem(normalised);
  if (problem) throw new AccessDeniedError(`Object key refused: it ${problem}`);
  if (!isOwnedKey(userId, normalised, area)) {
    throw new AccessDeniedError(
      `Object key refused: it must be one of your own keys under ${area}/${userId}/`,
    );
  }
  return normalised;
}

/**
 * The record when it exists and belongs to the caller; otherwise 404 either way, so another user's ids
 * are not confirmed. Prefer querying with the owner in the filter (`where: { id, userId }`) and passing
 * the result here.
 */
export function ownedOr404<T extends { userId: string }>(
  record: T | null | undefined,
  user: AuthUser | string,
  what = 'Generation',
): T {
  const userId = typeof user === 'string' ? user : user.id;
  if (!record || record.userId !== userId) throw new NotFoundError(`${what} not found`);
  return record;
}
