/**
 * A user id is a token's subject and a storage prefix (`images/<id>/`): one rule for both, so only characters
 * that cannot change a path.
 */
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@|:+=-]{0,127}$/;

export function isUsableUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID_PATTERN.test(value);
}
