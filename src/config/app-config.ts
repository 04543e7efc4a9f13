import { resolve } from 'node:path';
import { ConfigurationError, Environment, EnvironmentVariables, validateEnvironment } from './environment.js';

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
}

export interface StorageConfig {
  /** Embedded S3 server (s3rver) under `embeddedDir` when no bucket is configured. */
  embedded: boolean;
  embeddedDir: string;
  /** EMBEDDED_S3_PORT when set (0 = any free port); unset = the port remembered in `embeddedPortFile`. */
  embeddedPort?: number;
  /** Where the embedded server's port is kept, so presigned URLs outlive a restart. */
  embeddedPortFile: string;
  bucket: string;
  endpoint?: string;
  /** The endpoint clients reach the bucket at, for presigned URLs (S3_PUBLIC_ENDPOINT); unset = `endpoint`. */
  publicEndpoint?: string;
  region: string;
  forcePathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  presignTtlSeconds: number;
}

export type ProvidersMode = 'live' | 'simulated';

export interface ProvidersConfig {
  /**
   * `simulated`: fal and Azure are simulators (in-process, or shared ones at SIMULATORS_URL); every model works
   * without keys. The default in development when no provider key is set; refused in production.
   */
  mode: ProvidersMode;
  /** Model catalog overrides, merged over the built-in defaults: the file first, then the JSON. */
  catalogJson?: string;
  catalogFile?: string;
  fal: {
    key?: string;
    /** Unset: the real fal hosts. Set: queue and storage requests go to this base URL instead. */
    baseUrl?: string;
    /** Images up to this size go inline as a base64 data URI; larger ones through fal storage. */
    inlineImageMaxBytes: number;
    requestTimeoutMs: number;
  };
  azure: {
    endpoint?: string;
    apiKey?: string;
    auth: 'api-key' | 'bearer';
    soraDeployment: string;
    soraApi: 'videos' | 'jobs';
    requestTimeoutMs: number;
  };
  /** Where local-motion renders and keeps its results (24 h). */
  localMotionDir: string;
  /** Simulated mode: job timing, and where shared simulators listen (`npm run simulators`) or are reached. */
  simulator: SimulatorConfig;
}

export interface SimulatorConfig {
  queueMs: number;
  runMs: number;
  /** Shared simulators (SIMULATORS_URL, or one URL per provider); unset: started in-process. */
  falUrl?: string;
  azureUrl?: string;
  /** Keys the simulators accept, and the service sends them. */
  falKey: string;
  azureKey: string;
  /** Where `npm run simulators` listens. */
  port: number;
  host: string;
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

export interface MediaConfig {
  /** Explicit binaries; unset = `ffmpeg`/`ffprobe` on PATH, else the optional @ffmpeg-installer packages. */
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Longest any single ffmpeg/ffprobe run may take before it is killed. */
  timeoutMs: number;
}

export interface JobsConfig {
  /** Connections of pg-boss's own pool (PostgreSQL only), plus one held for LISTEN/NOTIFY. */
  poolSize: number;
  pollIntervalMs: number;
  /** How often expired jobs and missed heartbeats are looked for (and queue counts refreshed). */
  superviseIntervalSeconds: number;
  /** Longest one attempt may run before it is failed and retried. */
  expireSeconds: number;
  /** 0 = off. A worker that stops heart-beating (killed, frozen) loses its job after this long. */
  heartbeatSeconds: number;
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  sweepIntervalMs: number;
  /** Simultaneous generations per provider queue: per worker process, and cluster-wide (see README). */
  providerConcurrency: { fal: number; azure: number; local: number };
  /** How long stopping waits for running handlers; the rest of SHUTDOWN_TIMEOUT_MS closes the pools. */
  stopTimeoutMs: number;
}

export interface MetricsConfig {
  /** When set, every scrape must send `Authorization: Bearer <token>`, on either port. */
  token?: string;
  /** When set, `/metrics` is also served on this port (0 = any free port) of `host`, apart from the API. */
  port?: number;
  host: string;
  /**
   * Whether the API port answers `/metrics`: always in development and test, in production only with a token
   * (without one the metrics stay off the public port and are served on METRICS_PORT alone, if set).
   */
  onApiPort: boolean;
}

export interface GenerationConfig {
  /** A generation still running after this long is failed and refunded by the sweeper. */
  deadlineMs: number;
  /** How long the synchronous endpoints wait before answering 202 with a status URL. */
  syncWaitTimeoutMs: number;
  /** First and longest wait between provider status polls (exponential with jitter in between). */
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  /** Status requests one worker process's poller has in flight at once, across every generation. */
  pollConcurrency: number;
  /** Segments submitting or at each provider at once, cluster-wide; 0 = no limit (Azure runs two). */
  maxInFlight: { fal: number; azure: number; local: number };
  /** Most provider calls one generation may take (chained segments). */
  maxSegments: number;
  chainMaxSeconds: number;
  /** RESULT_RETENTION_DAYS: results finished longer ago are deleted; undefined keeps them forever. */
  retentionDays?: number;
  /** How often the worker looks for expired results. */
  retentionIntervalMs: number;
}

export interface EventsConfig {
  /** Concurrent event streams one user may hold (beyond: 429 with Retry-After), and all users together. */
  maxStreamsPerUser: number;
  maxStreams: number;
  /** Comment lines on an idle stream, so proxies and browsers keep it open. */
  heartbeatMs: number;
  /** The `retry:` advice: how long a disconnected EventSource waits before reconnecting. */
  retryMs: number;
  /** Lifetime of a stream token (at most 5 minutes). */
  streamTokenTtlSeconds: number;
}

export interface WebhooksConfig {
  /** First retry delay; each later one doubles (capped at 6 h) until the delivery is 24 h old, then dead. */
  retryBaseMs: number;
  /** Allow http and loopback/private addresses (local work). Default: true except in production. */
  allowPrivate: boolean;
  timeoutMs: number;
  /** How often a worker looks for due retries (new deliveries wake it at once). */
  pollIntervalMs: number;
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
  declare readonly generation: GenerationConfig;
  declare readonly security: SecurityConfig;
  declare readonly uploads: UploadsConfig;
  declare readonly providers: ProvidersConfig;
  declare readonly media: MediaConfig;
  declare readonly jobs: JobsConfig;
  declare readonly metrics: MetricsConfig;
  declare readonly credits: CreditsConfig;
  declare readonly events: EventsConfig;
  declare readonly webhooks: WebhooksConfig;

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
          : `auth: HS256 with a generated development secret in ${this.auth.devSecretFile} (npm run -s token -- --sub <userId>)`,
      this.providers.mode === 'simulated'
        ? `providers: SIMULATED (${this.providers.simulator.falUrl ? `shared simulators at ${this.providers.simulator.falUrl}` : 'in-process simulators'}); set FAL_KEY or AZURE_OPENAI_* for real videos`
        : 'providers: live',
    ];
  }
}

/** Settings that must be given explicitly in production: embedded defaults are for development only. */
const PRODUCTION_REQUIRED: Array<[string, (env: Environment) => boolean]> = [
  ['DATABASE_URL', (env) => !!env.DATABASE_URL],
  ['S3_BUCKET', (env) => !!env.S3_BUCKET],
  ['JWT_SECRET or JWT_JWKS_URL', (env) => !!env.JWT_SECRET || !!env.JWT_JWKS_URL],
];

/** Zero-config (non-production) accounts start with enough credits to try the service at once. */
export const DEMO_INITIAL_CREDITS = '10000';

/** For entry points: the configuration, or its one message on stderr and exit code 1 (never a stack trace). */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
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
  const mode = providersMode(vars, production);
  const dataDir = resolve(vars.DATA_DIR ?? './data');
  // Development serves open /metrics and CORS for any origin, so it stays on loopback unless asked; a
  // production container must be reachable from outside it.
  const host = vars.HOST ?? (production ? '0.0.0.0' : '127.0.0.1');
  const shutdownTimeoutMs = vars.SHUTDOWN_TIMEOUT_MS ?? 10_000;
  return new AppConfig({
    production,
    nodeEnv: vars.NODE_ENV ?? 'development',
    port: vars.PORT ?? 3000,
    host,
    dataDir,
    logLevel: vars.LOG_LEVEL ?? 'info',
    role: (vars.APP_ROLE as AppRole | undefined) ?? 'all',
    shutdownTimeoutMs,
    bodyLimitBytes: vars.BODY_LIMIT_BYTES ?? 1_048_576,
    generation: {
      deadlineMs: vars.GENERATION_DEADLINE_MS ?? 30 * 60_000,
      syncWaitTimeoutMs: vars.SYNC_WAIT_TIMEOUT_MS ?? 110_000,
      pollIntervalMs: vars.PROVIDER_POLL_INTERVAL_MS ?? 2_000,
      maxPollIntervalMs: vars.PROVIDER_POLL_MAX_INTERVAL_MS ?? 8_000,
      pollConcurrency: vars.PROVIDER_POLL_CONCURRENCY ?? 16,
      maxInFlight: {
        fal: vars.PROVIDER_MAX_IN_FLIGHT_FAL ?? 0,
        azure: vars.PROVIDER_MAX_IN_FLIGHT_AZURE ?? 2,
        local: vars.PROVIDER_MAX_IN_FLIGHT_LOCAL ?? 2,
      },
      maxSegments: vars.MAX_SEGMENTS ?? 10,
      chainMaxSeconds: vars.CHAIN_MAX_SECONDS ?? 120,
      retentionDays: vars.RESULT_RETENTION_DAYS,
      retentionIntervalMs: 60 * 60_000,
    },
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
      embeddedPort: vars.EMBEDDED_S3_PORT,
      embeddedPortFile: resolve(dataDir, 'embedded-s3.port'),
      bucket: vars.S3_BUCKET ?? 'video-gen',
      endpoint: vars.S3_ENDPOINT,
      publicEndpoint: vars.S3_PUBLIC_ENDPOINT,
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
    providers: {
      mode,
      catalogJson: vars.MODEL_CATALOG_JSON,
      catalogFile: vars.MODEL_CATALOG_FILE ? resolve(vars.MODEL_CATALOG_FILE) : undefined,
      fal: {
        key: vars.FAL_KEY,
        baseUrl: vars.FAL_BASE_URL,
        inlineImageMaxBytes: vars.FAL_INLINE_IMAGE_MAX_BYTES ?? 2 * 1024 * 1024,
        requestTimeoutMs: vars.FAL_REQUEST_TIMEOUT_MS ?? 30_000,
      },
      azure: {
        endpoint: vars.AZURE_OPENAI_ENDPOINT,
        apiKey: vars.AZURE_OPENAI_API_KEY,
        auth: (vars.AZURE_OPENAI_AUTH as 'api-key' | 'bearer' | undefined) ?? 'api-key',
        soraDeployment: vars.AZURE_SORA_DEPLOYMENT ?? 'sora-2',
        soraApi: (vars.AZURE_SORA_API as 'videos' | 'jobs' | undefined) ?? 'videos',
        requestTimeoutMs: vars.AZURE_REQUEST_TIMEOUT_MS ?? 30_000,
      },
      localMotionDir: resolve(dataDir, 'local-motion'),
      simulator: {
        queueMs: vars.SIMULATOR_QUEUE_MS ?? 1_000,
        runMs: vars.SIMULATOR_RUN_MS ?? 3_000,
        falUrl: vars.SIMULATORS_FAL_URL ?? vars.SIMULATORS_URL,
        azureUrl: vars.SIMULATORS_AZURE_URL ?? vars.SIMULATORS_URL,
        falKey: vars.SIMULATORS_FAL_KEY ?? 'simulated-fal-key',
        azureKey: vars.SIMULATORS_AZURE_KEY ?? 'simulated-azure-key',
        port: vars.SIMULATORS_PORT ?? 4010,
        host: vars.SIMULATORS_HOST ?? '127.0.0.1',
      },
    },
    media: {
      ffmpegPath: vars.FFMPEG_PATH,
      ffprobePath: vars.FFPROBE_PATH,
      timeoutMs: vars.FFMPEG_TIMEOUT_MS ?? 600_000,
    },
    jobs: {
      poolSize: vars.JOBS_POOL_SIZE ?? 4,
      pollIntervalMs: vars.JOBS_POLL_INTERVAL_MS ?? 2000,
      superviseIntervalSeconds: vars.JOBS_SUPERVISE_INTERVAL_SECONDS ?? 30,
      expireSeconds: vars.JOBS_EXPIRE_SECONDS ?? 3600,
      heartbeatSeconds: vars.JOBS_HEARTBEAT_SECONDS ?? 30,
      retry: {
        maxAttempts: vars.JOBS_MAX_ATTEMPTS ?? 5,
        baseDelayMs: vars.JOBS_RETRY_BASE_DELAY_MS ?? 5000,
        maxDelayMs: vars.JOBS_RETRY_MAX_DELAY_MS ?? 300_000,
      },
      sweepIntervalMs: vars.JOBS_SWEEP_INTERVAL_MS ?? 30_000,
      providerConcurrency: {
        fal: vars.PROVIDER_CONCURRENCY_FAL ?? 4,
        azure: vars.PROVIDER_CONCURRENCY_AZURE ?? 2,
        local: vars.PROVIDER_CONCURRENCY_LOCAL ?? 1,
      },
      stopTimeoutMs: Math.floor(shutdownTimeoutMs * 0.8),
    },
    metrics: {
      token: vars.METRICS_TOKEN,
      port: vars.METRICS_PORT,
      host: vars.METRICS_HOST ?? host,
      onApiPort: !production || !!vars.METRICS_TOKEN,
    },
    events: {
      maxStreamsPerUser: vars.SSE_MAX_STREAMS_PER_USER ?? 20,
      maxStreams: vars.SSE_MAX_STREAMS ?? 2_000,
      heartbeatMs: vars.SSE_HEARTBEAT_MS ?? 15_000,
      retryMs: 3_000,
      streamTokenTtlSeconds: vars.STREAM_TOKEN_TTL_SECONDS ?? 300,
    },
    webhooks: {
      retryBaseMs: vars.WEBHOOK_RETRY_BASE_MS ?? 5_000,
      allowPrivate:
        vars.WEBHOOKS_ALLOW_PRIVATE === undefined ? !production : vars.WEBHOOKS_ALLOW_PRIVATE === 'true',
      timeoutMs: vars.WEBHOOK_TIMEOUT_MS ?? 10_000,
      pollIntervalMs: vars.WEBHOOK_POLL_INTERVAL_MS ?? 1_000,
    },
    credits: {
      initialCredits: vars.INITIAL_CREDITS ?? (production ? '0' : DEMO_INITIAL_CREDITS),
    },
  });
}

/**
 * PROVIDERS_MODE when given. Otherwise development with no provider key at all (no FAL_KEY, no Azure endpoint or
 * key) runs simulated, so a fresh checkout works after `npm ci && npm start`; anything else runs live. Production
 * never falls back to simulation: asking for it is a configuration error.
 */
function providersMode(vars: EnvironmentVariables, production: boolean): ProvidersMode {
  const asked = vars.PROVIDERS_MODE as ProvidersMode | undefined;
  if (production && asked === 'simulated') {
    throw new ConfigurationError([
      'PROVIDERS_MODE=simulated is refused when NODE_ENV=production: set FAL_KEY and/or the AZURE_OPENAI_* settings',
    ]);
  }
  if (asked) return asked;
  const development = (vars.NODE_ENV ?? 'development') === 'development';
  const anyKey = !!vars.FAL_KEY || !!vars.AZURE_OPENAI_ENDPOINT || !!vars.AZURE_OPENAI_API_KEY;
  return development && !anyKey ? 'simulated' : 'live';
}

function mediaConfig(vars: EnvironmentVariables): MediaConfig {
  return {
    ffmpegPath: vars.FFMPEG_PATH,
    ffprobePath: vars.FFPROBE_PATH,
    timeoutMs: vars.FFMPEG_TIMEOUT_MS ?? 600_000,
  };
}

/**
 * Only the media settings, for tools that run ffmpeg without the service (the `video-gen` CLI, the benchmark):
 * the rest of the environment is neither needed nor checked.
 */
export function loadMediaConfig(env: Environment = process.env): MediaConfig {
  const { FFMPEG_PATH, FFPROBE_PATH, FFMPEG_TIMEOUT_MS } = env;
  return mediaConfig(validateEnvironment({ FFMPEG_PATH, FFPROBE_PATH, FFMPEG_TIMEOUT_MS }));
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
