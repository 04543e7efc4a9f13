import { AppConfig } from '../../src/config/app-config.js';
import { loadOrCreateDevSecret } from '../../src/auth/dev-secret.js';
import { signAccessToken } from '../../src/auth/token-signer.js';

export interface TokenOptions {
  roles?: string[];
  /** jose time span, default `1h`; a negative span such as `-1h` gives an expired token. */
  ttl?: string;
}

/**
 * A token the test app accepts for user `sub`: HS256 with the app's JWT_SECRET, or with the development
 * secret it generates in its DATA_DIR (zero-config, the test default). `await tokenFor(t, 'alice')`.
 */
export async function tokenFor(
  t: { config: AppConfig } | AppConfig,
  sub: string,
  opts: TokenOptions = {},
): Promise<string> {
  const config = t instanceof AppConfig ? t : t.config;
  const { auth } = config;
  if (auth.jwksUrl)
    throw new Error('tokenFor signs HS256; an app using JWT_JWKS_URL needs tokens from that key set');
  const secret = auth.jwtSecret ?? (await loadOrCreateDevSecret(auth.devSecretFile!));
  return signAccessToken(secret, {
    sub,
    roles: opts.roles ?? [],
    ttl: opts.ttl ?? '1h',
    issuer: auth.issuer,
    audience: auth.audience?.[0],
    rolesClaim: auth.rolesClaim,
  });
}

/** `Authorization` header value for `sub`: `.set('Authorization', await bearerFor(t, 'alice'))`. */
export async function bearerFor(
  t: { config: AppConfig } | AppConfig,
  sub: string,
  opts: TokenOptions = {},
): Promise<string> {
  return `Bearer ${await tokenFor(t, sub, opts)}`;
}
