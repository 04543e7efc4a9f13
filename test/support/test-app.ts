import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/app.factory.js';
import { AppConfig, loadConfig } from '../../src/config/app-config.js';
import { Environment } from '../../src/config/environment.js';
import { createTestDatabase, TestDatabase } from './test-database.js';

export interface TestContext {
  dataDir: string;
  env: Environment;
  config: AppConfig;
  database: TestDatabase;
  cleanup(): Promise<void>;
}

/** A private DATA_DIR and database for one spec file, plus the environment the service would see. */
export async function createTestContext(overrides: Environment = {}): Promise<TestContext> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vg-test-'));
  const database = await createTestDatabase();
  const env: Environment = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    PORT: '0',
    HOST: '127.0.0.1',
    // Specs fire many requests as one user; the throttler's own spec sets a low limit explicitly.
    THROTTLE_LIMIT: '1000000',
    ...overrides,
  };
  return {
    dataDir,
    env,
    config: loadConfig(env),
    database,
    cleanup: async () => {
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestApp extends TestContext {
  app: NestExpressApplication;
  http: ReturnType<NestExpressApplication['getHttpServer']>;
  close(): Promise<void>;
}

/** Starts the real application (same factory as main.ts) on a private database and storage folder. */
export async function startTestApp(overrides: Environment = {}): Promise<TestApp> {
  const context = await createTestContext(overrides);
  const app = await createApp(context.config);
  await app.init();
  return {
    ...context,
    app,
    http: app.getHttpServer(),
    close: async () => {
      await app.close();
      await context.cleanup();
    },
  };
}
