import { loadConfig } from '../config/app-config.js';
import { ConfigurationError } from '../config/environment.js';
import { checkMetricsAccess } from './metrics-access.js';

describe('checkMetricsAccess', () => {
  const token = 'scrape-token-0123456789';

  it('is open when no token is configured', () => {
    expect(checkMetricsAccess(undefined, undefined)).toBe('granted');
    expect(checkMetricsAccess('Bearer anything', undefined)).toBe('granted');
  });

  it('requires the exact token as a Bearer credential when one is configured', () => {
    expect(checkMetricsAccess(`Bearer ${token}`, token)).toBe('granted');
    expect(checkMetricsAccess(`bearer ${token}`, token)).toBe('granted');
    expect(checkMetricsAccess(undefined, token)).toBe('missing');
    expect(checkMetricsAccess(token, token)).toBe('missing');
    expect(checkMetricsAccess(`Basic ${token}`, token)).toBe('missing');
    expect(checkMetricsAccess(`Bearer ${token}x`, token)).toBe('invalid');
    expect(checkMetricsAccess(`Bearer ${token.slice(1)}`, token)).toBe('invalid');
  });
});

describe('metrics configuration', () => {
  const production = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgresql://app@db:5432/videos',
    S3_BUCKET: 'media',
    JWT_SECRET: 'a'.repeat(32),
  };

  it('serves /metrics on the API port in development, openly, on loopback', () => {
    expect(loadConfig({}).metrics).toEqual({ onApiPort: true, host: '127.0.0.1' });
  });

  it('keeps metrics off the public port in production unless a token protects them', () => {
    expect(loadConfig(production).metrics.onApiPort).toBe(false);
    expect(loadConfig({ ...production, METRICS_PORT: '9464' }).metrics).toMatchObject({
      onApiPort: false,
      port: 9464,
    });
    expect(loadConfig({ ...production, METRICS_TOKEN: 't'.repeat(16) }).metrics).toMatchObject({
      onApiPort: true,
      token: 't'.repeat(16),
    });
  });

  it('binds the metrics port to METRICS_HOST, else HOST', () => {
    expect(loadConfig({ HOST: '127.0.0.1' }).metrics.host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '127.0.0.1', METRICS_HOST: '10.0.0.5' }).metrics.host).toBe('10.0.0.5');
  });

  it('refuses a guessable token and an invalid port', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(ConfigurationError);
  });
});
