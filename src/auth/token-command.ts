import { parseArgs } from 'node:util';
import type { AppConfig } from '../config/app-config.js';
import { ConfigurationError } from '../config/environment.js';
import { loadOrCreateDevSecret } from './dev-secret.js';
import { isUsableUserId } from '../common/user-id.js';
import { signAccessToken } from './token-signer.js';

export const TOKEN_USAGE = 'usage: npm run -s token -- --sub <userId> [--role admin]... [--ttl 1h]';

export interface CommandResult {
  exitCode: number;
  /** The token (or usage) for stdout, alone on its line so `TOKEN=$(npm run -s token ...)` works. */
  output?: string;
  error?: string;
}

/**
 * `npm run token`: an access token the service accepts when started with the same configuration and
 * DATA_DIR, signed with JWT_SECRET or with the development secret zero-config mode generates.
 */
export async function runTokenCommand(argv: string[], loadConfig: () => AppConfig): Promise<CommandResult> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        sub: { type: 'string' },
        role: { type: 'string', multiple: true, default: [] },
        ttl: { type: 'string', default: '1h' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { exitCode: 2, error: `${(error as Error).message}\n${TOKEN_USAGE}` };
  }
  if (values.help) return { exitCode: 0, output: TOKEN_USAGE };
  if (!isUsableUserId(values.sub)) {
    return {
      exitCode: 2,
      error: `--sub must be a user id of letters, digits and . _ @ | : + = -\n${TOKEN_USAGE}`,
    };
  }
  if (!/^\d+(s|m|h|d|w)$/.test(values.ttl)) {
    return { exitCode: 2, error: `--ttl must be a time span such as 30m, 1h or 7d\n${TOKEN_USAGE}` };
  }
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigurationError) return { exitCode: 1, error: error.message };
    throw error;
  }
  const { auth } = config;
  if (auth.jwksUrl) {
    return {
      exitCode: 1,
      error: 'JWT_JWKS_URL is set: tokens come from your identity provider, not from this command.',
    };
  }
  const secret = auth.jwtSecret ?? (await loadOrCreateDevSecret(auth.devSecretFile!));
  const token = await signAccessToken(secret, {
    sub: values.sub,
    roles: values.role,
    ttl: values.ttl,
    issuer: auth.issuer,
    audience: auth.audience?.[0],
    rolesClaim: auth.rolesClaim,
  });
  return { exitCode: 0, output: token };
}
