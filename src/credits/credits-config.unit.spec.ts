import { loadConfig } from '../config/app-config.js';
import { ConfigurationError } from '../config/environment.js';

const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://db/app',
  S3_BUCKET: 'videos',
  JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
};

describe('credits configuration', () => {
  it('gives new accounts a demo balance in zero-config mode and nothing in production', () => {
    expect(loadConfig({}).credits.initialCredits).toBe('10000');
    expect(loadConfig({ NODE_ENV: 'test' }).credits.initialCredits).toBe('10000');
    expect(loadConfig(production).credits.initialCredits).toBe('0');
    expect(loadConfig({ ...production, INITIAL_CREDITS: '50.5' }).credits.initialCredits).toBe('50.5');
  });

  it.each([
    ['INITIAL_CREDITS', '-1'],
    ['INITIAL_CREDITS', '1.25'],
    ['INITIAL_CREDITS', 'lots'],
  ])('refuses %s=%p at start-up', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigurationError);
    expect(() => loadConfig({ [name]: value })).toThrow(`${name}=`);
  });

  it('sets generous interactive-transaction limits, overridable', () => {
    expect(loadConfig({}).database).toMatchObject({
      transactionMaxWaitMs: 10_000,
      transactionTimeoutMs: 15_000,
    });
    expect(
      loadConfig({ DATABASE_TX_MAX_WAIT_MS: '2000', DATABASE_TX_TIMEOUT_MS: '5000' }).database,
    ).toMatchObject({ transactionMaxWaitMs: 2000, transactionTimeoutMs: 5000 });
  });
});
