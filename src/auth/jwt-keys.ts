import { KeyObject } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, errors } from 'jose';
import type { AuthConfig } from '../config/app-config.js';
import { loadOrCreateDevSecret } from './dev-secret.js';
import { KeySetUnavailableError, TokenRejectedError } from './token-rejection.js';

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

/**
 * Where verification keys come from. One source per deployment, and it fixes the accepted algorithms,
 * so a token of the other family (HS256 signed with a public key, or alg none) never verifies.
 */
export abstract class JwtKeys {
  abstract readonly algorithms: JwtAlgorithm[];
  abstract keyFor(rawToken: string): Promise<string | KeyObject>;
}

/** HS256 with JWT_SECRET, or with the development secret generated under DATA_DIR. */
export class SharedSecretKeys extends JwtKeys {
  readonly algorithms: JwtAlgorithm[] = ['HS256'];

  constructor(private readonly secret: string) {
    super();
  }

  async keyFor(): Promise<string> {
    return this.secret;
  }
}

/** RS256/ES256 against an identity provider's JWKS, cached and refreshed by jose when an unknown `kid` appears. */
export class RemoteKeySetKeys extends JwtKeys {
  readonly algorithms: JwtAlgorithm[] = ['RS256', 'ES256'];
  private readonly keySet: ReturnType<typeof createRemoteJWKSet>;

  constructor(url: string) {
    super();
    this.keySet = createRemoteJWKSet(new URL(url));
  }

  async keyFor(rawToken: string): Promise<KeyObject> {
    let header;
    try {
      header = decodeProtectedHeader(rawToken);
    } catch {
      throw new TokenRejectedError('Malformed bearer token');
    }
    if (!this.algorithms.includes(header.alg as JwtAlgorithm)) {
      throw new TokenRejectedError('Token is signed with an algorithm this service does not accept');
    }
    try {
      return KeyObject.from(await this.keySet(header));
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
        throw new TokenRejectedError('Token is signed with a key the identity provider does not publish');
      }
      throw new KeySetUnavailableError(`Identity provider key set unavailable: ${(error as Error).message}`);
    }
  }
}

export async function createJwtKeys(auth: AuthConfig): Promise<JwtKeys> {
  if (auth.jwksUrl) return new RemoteKeySetKeys(auth.jwksUrl);
  if (auth.jwtSecret) return new SharedSecretKeys(auth.jwtSecret);
  if (auth.devSecretFile) return new SharedSecretKeys(await loadOrCreateDevSecret(auth.devSecretFile));
  // loadConfig refuses production without JWT settings, so this is a programming error.
  throw new Error('No JWT key source configured');
}
