import { isUsableUserId } from '../common/user-id.js';
import { rolesFromClaims, userFromClaims } from './token-claims.js';

describe('rolesFromClaims', () => {
  it('reads an array claim', () => {
    expect(rolesFromClaims({ roles: ['admin', 'user', 7] }, 'roles')).toEqual(['admin', 'user']);
  });

  it('reads a space-separated string', () => {
    expect(rolesFromClaims({ scope: 'admin  editor' }, 'scope')).toEqual(['admin', 'editor']);
  });

  it('prefers a literal claim name with dots (Auth0 namespaces)', () => {
    expect(rolesFromClaims({ 'https://example.com/roles': ['admin'] }, 'https://example.com/roles')).toEqual([
      'admin',
    ]);
  });

  it('follows a dotted path (Keycloak)', () => {
    expect(rolesFromClaims({ realm_access: { roles: ['admin'] } }, 'realm_access.roles')).toEqual(['admin']);
  });

  it('gives no roles when the claim is missing or of another type', () => {
    expect(rolesFromClaims({}, 'roles')).toEqual([]);
    expect(rolesFromClaims({ roles: { admin: true } }, 'roles')).toEqual([]);
    expect(rolesFromClaims({ realm_access: null }, 'realm_access.roles')).toEqual([]);
  });
});

describe('userFromClaims', () => {
  const exp = 2_000_000_000;

  it('maps sub and roles', () => {
    expect(userFromClaims({ sub: 'auth0|42', exp, roles: ['admin'] }, 'roles')).toEqual({
      id: 'auth0|42',
      roles: ['admin'],
    });
  });

  it('refuses a subject that is not a usable user id', () => {
    for (const sub of [undefined, '', 'a/b', '..', '.hidden', 'x'.repeat(129), 'sp ace', 42]) {
      expect(userFromClaims({ sub, exp }, 'roles')).toEqual({ problem: 'subject' });
    }
  });

  it('refuses a token without expiry', () => {
    expect(userFromClaims({ sub: 'alice' }, 'roles')).toEqual({ problem: 'expiry' });
  });

  it('accepts common identity-provider subjects', () => {
    for (const sub of [
      'alice',
      'google-oauth2|1234',
      'a.b@example.com',
      '6f1c2d3e-1111-4a4a-9b9b-0123456789ab',
    ]) {
      expect(isUsableUserId(sub)).toBe(true);
    }
  });
});
