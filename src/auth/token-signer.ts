import { SignJWT } from 'jose';

export interface AccessTokenClaims {
  sub: string;
  roles?: string[];
  /** jose time span: `15m`, `1h`, `7d`. */
  ttl?: string;
  issuer?: string;
  audience?: string;
  rolesClaim?: string;
}

/** An HS256 access token as this service verifies it; used by `npm run token` and the tests. */
export async function signAccessToken(secret: string, claims: AccessTokenClaims): Promise<string> {
  const jwt = new SignJWT({ [claims.rolesClaim ?? 'roles']: claims.roles ?? [] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.ttl ?? '1h');
  if (claims.issuer) jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
