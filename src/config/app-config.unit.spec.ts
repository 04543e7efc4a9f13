import { resolve } from 'node:path';
import { loadConfig } from './app-config.js';
import { ConfigurationError } from './environment.js';

describe('loadConfig', () => {
  it('runs with no configuration at all, on embedded parts under ./data', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.metrics.host).toBe('127.0.0.1');
    expect(config.production).toBe(false);
    expect(config.dataDir).toBe(resolve('data'));
    expect(config.database.url).toBeUndefined();
    expect(config.database.pgliteDir).toBe(resolve('data', 'pglite'));
    expect(config.storage.embedded).toBe(true);
    expect(config.storage.embeddedDir).toBe(resolve('data', 's3'));
    expect(config.role).toBe('all');
    expect(config.describeModes()).toEqual(
      expect.arrayContaining([
        `database: embedded PGlite in ${resolve('data', 'pglite')}`,
        `storage: embedded S3 (s3rver) in ${resolve('data', 's3')}, bucket "video-gen"`,
      ]),
    );
  });

  it('uses the real parts when they are configured', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://app:hunter2@db.internal:5432/videos',
      S3_BUCKET: 'media',
      S3_ENDPOINT: 'http://minio:9000',
      PORT: '8080',
    });
    expect(config.port).toBe(8080);
    expect(config.storage).toMatchObject({ embedded: false, bucket: 'media', forcePathStyle: true });
    expect(config.describeModes()[0]).toBe(
      'database: PostgreSQL at postgresql://app:***@db.internal:5432/videos',
    );
    expect(config.describeModes().join('\n')).not.toContain('hunter2');
  });

  it('keeps path-style addressing off for AWS unless asked', () => {
    expect(loadConfig({ S3_BUCKET: 'b' }).storage.forcePathStyle).toBe(false);
    expect(loadConfig({ S3_BUCKET: 'b', S3_FORCE_PATH_STYLE: 'true' }).storage.forcePathStyle).toBe(true);
  });

  it('lists every missing production setting at once', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      'DATABASE_URL is required when NODE_ENV=production',
      'S3_BUCKET is required when NODE_ENV=production',
      'JWT_SECRET or JWT_JWKS_URL is required when NODE_ENV=production',
    ]);
  });

  it('accepts production with the real parts configured', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://db/videos',
      S3_BUCKET: 'media',
      JWT_JWKS_URL: 'https://id.example.com/.well-known/jwks.json',
    });
    expect(config.production).toBe(true);
    expect(config.host).toBe('0.0.0.0');
    expect(config.metrics.host).toBe('0.0.0.0');
  });

  it('listens where HOST says, in any mode', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '' }).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '::1', METRICS_HOST: '10.0.0.5' }).metrics.host).toBe('10.0.0.5');
  });

  it('reports every invalid value with its variable name', () => {
    expect(() => loadConfig({ PORT: 'eighty', APP_ROLE: 'both', DATABASE_URL: 'mysql://x/y' })).toThrow(
      ConfigurationError,
    );
    try {
      loadConfig({ PORT: 'eighty', APP_ROLE: 'both', DATABASE_URL: 'mysql://x/y' });
    } catch (error) {
      const text = (error as ConfigurationError).problems.join('\n');
      expect(text).toContain('PORT="eighty"');
      expect(text).toContain('APP_ROLE="both"');
      expect(text).toContain('DATABASE_URL="mysql://x/y"');
    }
  });

  it('ignores unrelated variables in the environment', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', HOME: '/root', SOMETHING_ELSE: '1' })).not.toThrow();
  });

  it('configures the job queue with defaults, and from the environment', () => {
    expect(loadConfig({}).jobs).toEqual({
      poolSize: 4,
      pollIntervalMs: 2000,
      superviseIntervalSeconds: 30,
      expireSeconds: 3600,
      heartbeatSeconds: 30,
      retry: { maxAttempts: 5, baseDelayMs: 5000, maxDelayMs: 300_000 },
      sweepIntervalMs: 30_000,
      providerConcurrency: { fal: 4, azure: 2, local: 1 },
      stopTimeoutMs: 8000,
    });
    const jobs = loadConfig({
      PROVIDER_CONCURRENCY_AZURE: '3',
      JOBS_MAX_ATTEMPTS: '2',
      JOBS_HEARTBEAT_SECONDS: '0',
      SHUTDOWN_TIMEOUT_MS: '20000',
    }).jobs;
    expect(jobs.providerConcurrency.azure).toBe(3);
    expect(jobs.retry.maxAttempts).toBe(2);
    expect(jobs.heartbeatSeconds).toBe(0);
    expect(jobs.stopTimeoutMs).toBe(16_000);
  });

  it('rejects job settings pg-boss cannot honour', () => {
    expect(() => loadConfig({ JOBS_HEARTBEAT_SECONDS: '5' })).toThrow(/JOBS_HEARTBEAT_SECONDS="5"/);
    expect(() => loadConfig({ PROVIDER_CONCURRENCY_FAL: '0' })).toThrow(/PROVIDER_CONCURRENCY_FAL="0"/);
    expect(() => loadConfig({ JOBS_POLL_INTERVAL_MS: '100' })).toThrow(/JOBS_POLL_INTERVAL_MS="100"/);
  });
});
