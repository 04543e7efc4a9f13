import { resolve } from 'node:path';
import { loadConfig } from './app-config.js';
import { ConfigurationError } from './environment.js';

describe('loadConfig', () => {
  it('runs with no configuration at all, on embedded parts under ./data', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.production).toBe(false);
    expect(config.dataDir).toBe(resolve('data'));
    expect(config.database.url).toBeUndefined();
    expect(config.database.pgliteDir).toBe(resolve('data', 'pglite'));
    expect(config.storage.embedded).toBe(true);
    expect(config.storage.embeddedDir).toBe(resolve('data', 's3'));
    expect(config.role).toBe('all');
    expect(config.describeModes()).toEqual([
      `database: embedded PGlite in ${resolve('data', 'pglite')}`,
      `storage: embedded S3 (s3rver) in ${resolve('data', 's3')}, bucket "video-gen"`,
    ]);
  });

  it('uses the real parts when they are configured', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://app:secret@db.internal:5432/videos',
      S3_BUCKET: 'media',
      S3_ENDPOINT: 'http://minio:9000',
      PORT: '8080',
    });
    expect(config.port).toBe(8080);
    expect(config.storage).toMatchObject({ embedded: false, bucket: 'media', forcePathStyle: true });
    expect(config.describeModes()[0]).toBe(
      'database: PostgreSQL at postgresql://app:***@db.internal:5432/videos',
    );
    expect(config.describeModes().join('\n')).not.toContain('secret');
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
});
