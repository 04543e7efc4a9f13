import { resolve } from 'node:path';
import { ConfigurationError, Environment, validateEnvironment } from './environment.js';

export type AppRole = 'api' | 'worker' | 'all';

export interface DatabaseConfig {
  /** PostgreSQL when set; otherwise embedded PGlite stored under `pgliteDir`. */
  url?: string;
  pgliteDir: string;
  poolSize: number;
  /** Defaults for every interactive transaction: how long to wait to start one, and how long it may run. */
  transactionMaxWaitMs: number;
  transactionTimeoutMs: number;
}

export interface CreditsConfig {
  /** Balance of an account created on a subject's first use, as a decimal string (one decimal place). */
  initialCredits: string;
  /** Price in credits per model id, as decimal strings; the model catalog's price applies to models not listed. */
  modelPrices: Readonly<Record<string, string>>;
}

export interface StorageConfig {
  /** Embedded S3 server (s3rver) under `embeddedDir` when no bucket is configured. */
  embedded: boolean;
  embeddedDir: string;
  embeddedPort: number;
  bucket: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  presignTtlSeconds: number;
}

export interface AuthConfig {
  /** HS256 shared secret. */
  jwtSecret?: string;
  /** An identity provider's key set; tokens are then RS256/ES256 and HS256 is refused. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string[];
  /** Claim carrying the caller's roles: a name (`roles`, `https://example.com/roles`) or a dotted path (`realm_access.roles`). */
  rolesClaim: string;
  clockToleranceSeconds: number;
  /** Zero-config mode only: where the generated development secret lives (undefined when a secret or JWKS is configured, and in production). */
  devSecretFile?: string;
}

export interface SecurityConfig {
  /** undefined = any origin (development only); [] = no cross-origin access. */
  corsOrigins?: string[];
  /** Requests per user (per IP when unauthenticated) within `throttleTtlMs`. */
  throttleLimit: number;
  throttleTtlMs: number;
  /** Express `trust proxy`: which proxies' X-Forwarded-For to believe for the client IP (unset = none). */
  trustProxy?: boolean | number | string;
}

export interface UploadsConfig {
  maxImageBytes: number;
}

export type AppConfigValues = {
  [K in keyof AppConfig as AppConfig[K] extends (...args: never[]) => unknown ? never : K]: AppConfig[K];
};

/**
 * The service's settings, typed and validated. Built once from the environment by `loadConfig`;
 * injected everywhere else (AppConfig is its own injection token). Nothing outside src/config reads process.env.
 */
export class AppConfig {
  declare readonly production: boolean;
  declare readonly nodeEnv: string;
  declare readonly port: number;
  declare readonly host: string;
  declare readonly dataDir: string;
  declare readonly logLevel: string;
  declare readonly role: AppRole;
  declare readonly shutdownTimeoutMs: number;
  declare readonly bodyLimitBytes: number;
  declare readonly database: DatabaseConfig;
  declare readonly storage: StorageConfig;
  declare readonly auth: AuthConfig;
  declare readonly security: SecurityConfig;
  declare readonly uploads: UploadsConfig;
  declare readonly credits: CreditsConfig;

  constructor(values: AppConfigValues) {
    Object.assign(this, values);
  }

  /** Human-readable summary of the embedded-or-real choices, one line each, for the start-up log. */
  describeModes(): string[] {
    return [
      this.database.url
        ? `database: PostgreSQL at ${redactUrl(this.database.url)}`
        : `database: embedded PGlite in ${this.database.pgliteDir}`,
      this.storage.embedded
        ? `storage: embedded S3 (s3rver) in ${this.storage.embeddedDir}, bucket "${this.storage.bucket}"`
        : `storage: S3 bucket "${this.storage.bucket}"${this.storage.endpoint ? ` at ${this.storage.endpoint}` : ''}`,
      this.auth.jwksUrl
        ? `auth: RS256/ES256 tokens checked against ${this.auth.jwksUrl}`
        : this.auth.jwtSecret
          ? 'auth: HS256 tokens signed with JWT_SECRET'
          : `auth: HS256 with a generated development secret in ${this.auth.devSecretFile} (npm run token -- --sub <userId>)`,
    ];
  }
}

/** Settings that must be given explicitly in production: embedded defaults are for development only. */
const PRODUCTION_REQUIRED: Array<[string, (env: Environment) => boolean]> = [
  ['DATABASE_URL', (env) => !!env.DATABASE_URL],
  ['S3_BUCKET', (env) => !!env.S3_BUCKET],
  ['JWT_SECRET or JWT_JWKS_URL', (env) => !!env.JWT_SECRET || !!env.JWT_JWKS_URL],
];

/** The seed's price table: Veo 3 costs 750 credits for any duration. `MODEL_PRICES` overrides or extends it. */
export const DEFAULT_MODEL_PRICES: Readonly<Record<string, string>> = { veo3: '750' };

/** Zero-config (non-production) accounts start with enough credits to try the service at once. */
export const DEMO_INITIAL_CREDITS = '10000';

/** Parses `MODEL_PRICES` ("veo3=750,sora-2=600"; already format-checked by the environment DTO). */
export function parseModelPrices(list: string | undefined): Record<string, string> {
  const prices: Record<string, string> = {};
  for (const pair of (list ?? '').split(',')) {
    if (!pair.trim()) continue;
    const [model, credits] = pair.split('=').map((part) => part.trim());
    prices[model] = credits;
  }
  return prices;
}

export function loadConfig(env: Environment = process.env): AppConfig {
  const vars = validateEnvironment(env);
  const production = vars.NODE_ENV === 'production';
  if (production) {
    const missing = PRODUCTION_REQUIRED.filter(([, present]) => !present(env)).map(([name]) => name);
    if (missing.length > 0) {
      throw new ConfigurationError(missing.map((name) => `${name} is required when NODE_ENV=production`));
    }
  }
  if (vars.JWT_SECRET && vars.JWT_JWKS_URL) {
    throw new ConfigurationError([
      'set JWT_SECRET or JWT_JWKS_URL, not both: one key source decides the algorithm',
    ]);
  }
  if (production && vars.JWT_SECRET && vars.JWT_SECRET.length < 32) {
    throw new ConfigurationError(['JWT_SECRET must be at least 32 characters when NODE_ENV=production']);
  }
  const dataDir = resolve(vars.DATA_DIR ?? './data');
  return new AppConfig({
    production,
    nodeEnv: vars.NODE_ENV ?? 'development',
    port: vars.PORT ?? 3000,
    host: vars.HOST ?? '0.0.0.0',
    dataDir,
    logLevel: vars.LOG_LEVEL ?? 'info',
    role: (vars.APP_ROLE as AppRole | undefined) ?? 'all',
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS ?? 10_000,
    bodyLimitBytes: vars.BODY_LIMIT_BYTES ?? 1_048_576,
    database: {
      url: vars.DATABASE_URL,
      pgliteDir: resolve(dataDir, 'pglite'),
      poolSize: vars.DATABASE_POOL_SIZE ?? 10,
      // Generous because PGlite runs transactions one at a time: a burst of requests queues rather than fails.
      transactionMaxWaitMs: vars.DATABASE_TX_MAX_WAIT_MS ?? 10_000,
      transactionTimeoutMs: vars.DATABASE_TX_TIMEOUT_MS ?? 15_000,
    },
    storage: {
      embedded: !vars.S3_BUCKET,
      embeddedDir: resolve(dataDir, 's3'),
      embeddedPort: vars.EMBEDDED_S3_PORT ?? 0,
      bucket: vars.S3_BUCKET ?? 'video-gen',
      endpoint: vars.S3_ENDPOINT,
      region: vars.S3_REGION ?? 'us-east-1',
      forcePathStyle:
        vars.S3_FORCE_PATH_STYLE === undefined ? !!vars.S3_ENDPOINT : vars.S3_FORCE_PATH_STYLE === 'true',
      accessKeyId: vars.S3_ACCESS_KEY_ID,
      secretAccessKey: vars.S3_SECRET_ACCESS_KEY,
      presignTtlSeconds: vars.PRESIGN_TTL_SECONDS ?? 900,
    },
    auth: {
      jwtSecret: vars.JWT_SECRET,
      jwksUrl: vars.JWT_JWKS_URL,
      issuer: vars.JWT_ISSUER,
      audience: splitList(vars.JWT_AUDIENCE),
      rolesClaim: vars.JWT_ROLES_CLAIM ?? 'roles',
      clockToleranceSeconds: vars.JWT_CLOCK_TOLERANCE_SECONDS ?? 5,
      devSecretFile:
        production || vars.JWT_SECRET || vars.JWT_JWKS_URL ? undefined : resolve(dataDir, 'jwt-secret'),
    },
    security: {
      corsOrigins: splitList(vars.CORS_ORIGINS) ?? (production ? [] : undefined),
      throttleLimit: vars.THROTTLE_LIMIT ?? 300,
      throttleTtlMs: vars.THROTTLE_TTL_MS ?? 60_000,
      trustProxy: parseTrustProxy(vars.TRUST_PROXY),
    },
    uploads: { maxImageBytes: vars.MAX_IMAGE_BYTES ?? 8 * 1024 * 1024 },
    credits: {
      initialCredits: vars.INITIAL_CREDITS ?? (production ? '0' : DEMO_INITIAL_CREDITS),
      modelPrices: { ...DEFAULT_MODEL_PRICES, ...parseModelPrices(vars.MODEL_PRICES) },
    },
  });
}

/** `true`/`false`, a hop count, or addresses/subnets/names Express understands (`loopback`, `10.0.0.0/8`). */
function parseTrustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** Comma-separated list; undefined when unset or empty. */
function splitList(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return items && items.length > 0 ? items : undefined;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
