import { Transform, plainToInstance } from 'class-transformer';
import {
  IsBooleanString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
  validateSync,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

// Credits have one decimal place (Decimal(14,1) in the database).
const CREDIT_AMOUNT = /^\d{1,13}(\.\d)?$/;
const CREDIT_AMOUNT_MESSAGE = 'must be a non-negative number of credits with at most one decimal place';

/**
 * Every environment variable the service reads, validated once at start-up.
 * `.env.example` and the README's configuration table list the same names with their defaults.
 */
export class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsString() HOST?: string;
  @IsOptional() @IsString() DATA_DIR?: string;
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;
  @IsOptional() @IsIn(['api', 'worker', 'all']) APP_ROLE?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) SHUTDOWN_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) BODY_LIMIT_BYTES?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false })
  DATABASE_URL?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(500) DATABASE_POOL_SIZE?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsString() S3_BUCKET?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl({ require_tld: false }) S3_ENDPOINT?: string;
  @IsOptional() @IsString() S3_REGION?: string;
  @IsOptional() @IsBooleanString() S3_FORCE_PATH_STYLE?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() S3_ACCESS_KEY_ID?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() S3_SECRET_ACCESS_KEY?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl({ require_tld: false }) S3_PUBLIC_ENDPOINT?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) EMBEDDED_S3_PORT?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(604800) PRESIGN_TTL_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(600_000) DATABASE_TX_MAX_WAIT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(600_000) DATABASE_TX_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(CREDIT_AMOUNT, { message: CREDIT_AMOUNT_MESSAGE })
  INITIAL_CREDITS?: string;
  // --- video providers (src/providers) ---
  @IsOptional() @IsIn(['live', 'simulated']) PROVIDERS_MODE?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() MODEL_CATALOG_JSON?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() MODEL_CATALOG_FILE?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() FAL_KEY?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl({ require_tld: false }) FAL_BASE_URL?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) FAL_INLINE_IMAGE_MAX_BYTES?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) FAL_REQUEST_TIMEOUT_MS?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl({ require_tld: false }) AZURE_OPENAI_ENDPOINT?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() AZURE_OPENAI_API_KEY?: string;
  @IsOptional() @IsIn(['api-key', 'bearer']) AZURE_OPENAI_AUTH?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() AZURE_SORA_DEPLOYMENT?: string;
  @IsOptional() @IsIn(['videos', 'jobs']) AZURE_SORA_API?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) AZURE_REQUEST_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) SIMULATOR_QUEUE_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) SIMULATOR_RUN_MS?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl({ require_tld: false }) SIMULATORS_URL?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl({ require_tld: false }) SIMULATORS_FAL_URL?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl({ require_tld: false }) SIMULATORS_AZURE_URL?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() SIMULATORS_FAL_KEY?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() SIMULATORS_AZURE_KEY?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) SIMULATORS_PORT?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsString() SIMULATORS_HOST?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) JOBS_POOL_SIZE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(500) @Max(600_000) JOBS_POLL_INTERVAL_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600) JOBS_SUPERVISE_INTERVAL_SECONDS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86_400) JOBS_EXPIRE_SECONDS?: number;
  // pg-boss accepts heartbeats of 10 s or more; 0 turns them off (a dead worker is then noticed at expiry).
  @IsOptional()
  @Transform(toInt)
  @ValidateIf((vars: EnvironmentVariables) => vars.JOBS_HEARTBEAT_SECONDS !== 0)
  @IsInt()
  @Min(10)
  @Max(3600)
  JOBS_HEARTBEAT_SECONDS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) JOBS_MAX_ATTEMPTS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(3_600_000) JOBS_RETRY_BASE_DELAY_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(86_400_000) JOBS_RETRY_MAX_DELAY_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(86_400_000) JOBS_SWEEP_INTERVAL_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) PROVIDER_CONCURRENCY_FAL?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) PROVIDER_CONCURRENCY_AZURE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) PROVIDER_CONCURRENCY_LOCAL?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsString() JWT_SECRET?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl({ require_tld: false }) JWT_JWKS_URL?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() JWT_ISSUER?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() JWT_AUDIENCE?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() JWT_ROLES_CLAIM?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(300) JWT_CLOCK_TOLERANCE_SECONDS?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsString() CORS_ORIGINS?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() TRUST_PROXY?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) THROTTLE_LIMIT?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) THROTTLE_TTL_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(1_073_741_824) MAX_IMAGE_BYTES?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsString() FFMPEG_PATH?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() FFPROBE_PATH?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) FFMPEG_TIMEOUT_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) GENERATION_DEADLINE_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) SYNC_WAIT_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(50) PROVIDER_POLL_INTERVAL_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(50) PROVIDER_POLL_MAX_INTERVAL_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(256) PROVIDER_POLL_CONCURRENCY?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) PROVIDER_MAX_IN_FLIGHT_FAL?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) PROVIDER_MAX_IN_FLIGHT_AZURE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) PROVIDER_MAX_IN_FLIGHT_LOCAL?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(50) MAX_SEGMENTS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) CHAIN_MAX_SECONDS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(36_500) RESULT_RETENTION_DAYS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100_000) SSE_MAX_STREAMS_PER_USER?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000) SSE_MAX_STREAMS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(600_000) SSE_HEARTBEAT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(300) STREAM_TOKEN_TTL_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3_600_000) WEBHOOK_RETRY_BASE_MS?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsBooleanString() WEBHOOKS_ALLOW_PRIVATE?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(60_000) WEBHOOK_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(50) @Max(600_000) WEBHOOK_POLL_INTERVAL_MS?: number;

  // --- metrics (src/metrics) ---
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(16) METRICS_TOKEN?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) METRICS_PORT?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsString() METRICS_HOST?: string;
}

export type Environment = Record<string, string | undefined>;

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

/** Validates the raw environment; throws one ConfigurationError listing every problem. */
export function validateEnvironment(env: Environment): EnvironmentVariables {
  const parsed = plainToInstance(EnvironmentVariables, { ...env });
  const errors = validateSync(parsed, { skipMissingProperties: false });
  const problems = errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map(
      (message) => `${error.property}=${JSON.stringify(env[error.property])}: ${message}`,
    ),
  );
  if (problems.length > 0) throw new ConfigurationError(problems);
  return parsed;
}
