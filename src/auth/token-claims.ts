import type { AuthUser } from './auth-user.js';
import { isUsableUserId } from '../common/user-id.js';

/**
 * Roles from a verified token's claims. `claim` is tried as a literal name first (Auth0-style
 * `https://example.com/roles`), then as a dotted path (Keycloak's `realm_access.roles`). The value may be
 * an array of strings or one space-separated string.
 */
export function rolesFromClaims(claims: Record<string, unknown>, claim: string): string[] {
  let value: unknown = claims[claim];
  if (value === undefined && claim.includes('.')) {
    value = claim
      .split('.')
      .reduce<unknown>(
        (node, part) =>
          node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined,
        claims,
      );
  }
  if (typeof value === 'string') return value.split(/\s+/).filter((role) => role.length > 0);
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === 'string');
  return [];
}

export type ClaimsProblem = 'subject' | 'expiry';

/** The user a verified token stands for, or what makes it unusable. */
export function userFromClaims(
  claims: Record<string, unknown>,
  rolesClaim: string,
): AuthUser | { problem: ClaimsProblem } {
  if (!isUsableUserId(claims.sub)) return { problem: 'subject' };
  // A token without expiry would be valid forever once leaked.
  if (typeof claims.exp !== 'number') return { problem: 'expiry' };
  return { id: claims.sub, roles: rolesFromClaims(claims, rolesClaim) };
}
