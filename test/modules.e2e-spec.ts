import { ModulesContainer } from '@nestjs/core';
import type { Module } from '@nestjs/core/injector/module.js';
import { DatabaseConnection } from '../src/database/database-connection.js';
import { PrismaService } from '../src/database/prisma.service.js';
import { JobQueue } from '../src/jobs/job-queue.js';
import { MediaService } from '../src/media/media.service.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { ObjectStorage } from '../src/storage/object-storage.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

// The module graph is the map of what each feature uses: the infrastructure is imported, not global, and each
// piece of it still exists once (one pool, one pg-boss, one S3 client, one metrics registry).
describe(`the application's modules (${databaseBackend})`, () => {
  let t: TestApp;
  let modules: Module[];

  beforeAll(async () => {
    t = await startTestApp();
    modules = [...t.app.get(ModulesContainer).values()];
  });
  afterAll(() => t.close());

  const named = (name: string) => {
    const found = modules.filter((module) => module.metatype.name === name);
    if (found.length !== 1) throw new Error(`${found.length} modules named ${name}`);
    return found[0];
  };

  it('keeps only the configuration global among its own modules', () => {
    expect(named('ConfigModule').isGlobal).toBe(true);
    for (const name of [
      'DatabaseModule',
      'StorageModule',
      'MediaModule',
      'MetricsModule',
      'JobQueueModule',
    ]) {
      expect([name, named(name).isGlobal]).toEqual([name, false]);
    }
    expect(named('JobsModule').isGlobal).toBe(false);
  });

  it('creates each shared service once, in one module, whoever imports it', () => {
    for (const token of [
      DatabaseConnection,
      PrismaService,
      JobQueue,
      ObjectStorage,
      MediaService,
      MetricsService,
    ]) {
      const owners = modules.filter((module) => module.providers.has(token));
      expect([token.name, owners.map((module) => module.metatype.name)]).toEqual([
        token.name,
        [expect.any(String)],
      ]);
      expect(owners[0].providers.get(token)?.instance).toBe(t.app.get(token));
    }
  });

  it('lets the generations module name everything it uses', () => {
    const imports = [...named('VideoGenModule').imports].map((module) => module.metatype.name);
    expect(imports).toEqual(
      expect.arrayContaining([
        'DatabaseModule',
        'JobQueueModule',
        'StorageModule',
        'MediaModule',
        'MetricsModule',
        'CreditsModule',
        'ProvidersModule',
        'UploadsModule',
        'WebhooksModule',
      ]),
    );
  });
});
