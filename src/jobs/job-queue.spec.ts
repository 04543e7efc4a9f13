import { randomUUID } from 'node:crypto';
import { type DynamicModule, Injectable, Logger, type Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createTestContext, TestContext } from '../../test/support/test-app.js';
import { createTestDatabase, databaseBackend } from '../../test/support/test-database.js';
import { waitFor } from '../../test/support/wait-for.js';
import { loadConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { DatabaseConnection } from '../database/database-connection.js';
import { DatabaseModule } from '../database/database.module.js';
import { migrate, readMigrations } from '../database/migrator.js';
import { PrismaService } from '../database/prisma.service.js';
import { Prisma } from '../generated/prisma/client.js';
import { JobName, type ProviderLane } from './job-definitions.js';
import { MissingJobHandlersError, PermanentJobError, TransientJobError } from './job-errors.js';
import { JobQueue, type JobContext } from './job-queue.js';
import { JobsModule } from './jobs.module.js';
import { OnJob } from './on-job.decorator.js';
import { PG_BOSS_SCHEMA, PgBossJobQueue } from './pg-boss-job-queue.js';

type RunJob = JobContext<typeof JobName.GenerationRun>;

const FAST = {
  JOBS_POLL_INTERVAL_MS: '500',
  JOBS_SUPERVISE_INTERVAL_SECONDS: '1',
  JOBS_MAX_ATTEMPTS: '3',
  JOBS_RETRY_BASE_DELAY_MS: '100',
  JOBS_RETRY_MAX_DELAY_MS: '5000',
  PROVIDER_CONCURRENCY_LOCAL: '2',
};

describe(`PgBossJobQueue (${databaseBackend})`, () => {
  Logger.overrideLogger(['error']);
  let context: TestContext;
  let connection: DatabaseConnection;
  let prisma: PrismaService;
  let queue: PgBossJobQueue;
  /** What the shared GenerationRun handler does, per generation id. */
  const behaviours = new Map<string, (job: RunJob) => Promise<void>>();
  const attempts = new Map<string, Array<{ attempt: number; at: number }>>();

  beforeAll(async () => {
    context = await createTestContext({ ...FAST, APP_ROLE: 'worker' });
    connection = await DatabaseConnection.open(context.config.database);
    await migrate(connection);
    prisma = new PrismaService(connection);
    queue = await PgBossJobQueue.start(context.config, connection);
    queue.work(JobName.GenerationRun, async (job) => {
      const log = attempts.get(job.data.generationId) ?? [];
      log.push({ attempt: job.attempt, at: Date.now() });
      attempts.set(job.data.generationId, log);
      await behaviours.get(job.data.generationId)?.(job);
    });
    await queue.startWorkers([JobName.GenerationRun]);
  }, 120_000); // a new embedded database takes long to create on a busy machine
  afterAll(async () => {
    await queue?.stop();
    await prisma?.$disconnect();
    await connection?.close();
    await context?.cleanup();
  });

  async function jobRows(generationId: string) {
    return connection.query<{ id: string; state: string; retry_count: number; name: string }>(
      `SELECT id, state, retry_count, name FROM ${PG_BOSS_SCHEMA}.job WHERE data->>'generationId' = $1`,
      [generationId],
    );
  }

  async function settled(generationId: string, state: 'completed' | 'failed') {
    return waitFor(
      async () => {
        const [row] = await jobRows(generationId);
        return row?.state === state ? row : undefined;
      },
      { what: `job for ${generationId} to be ${state}` },
    );
  }

  function run(provider: ProviderLane = 'fal') {
    return { generationId: randomUUID(), provider };
  }

  it('writes the job in the caller’s Prisma transaction: rolled back, nothing; committed, both', async () => {
    const rolledBack = run();
    const userA = `user-${randomUUID()}`;
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.creditAccount.create({ data: { userId: userA, balance: new Prisma.Decimal(10) } });
        const id = await queue.send(JobName.GenerationRun, rolledBack, { tx });
        expect(id).toEqual(expect.any(String));
        throw new Error('the caller changed its mind');
      }),
    ).rejects.toThrow('the caller changed its mind');
    expect(await prisma.creditAccount.findUnique({ where: { userId: userA } })).toBeNull();
    expect(await jobRows(rolledBack.generationId)).toEqual([]);

    const committed = run();
    const userB = `user-${randomUUID()}`;
    const jobId = await prisma.$transaction(async (tx) => {
      await tx.creditAccount.create({ data: { userId: userB, balance: new Prisma.Decimal(10) } });
      return queue.send(JobName.GenerationRun, committed, { tx });
    });
    expect(await prisma.creditAccount.findUnique({ where: { userId: userB } })).not.toBeNull();
    const row = await settled(committed.generationId, 'completed');
    expect(row).toMatchObject({ id: jobId, name: 'generation.fal' });
    expect(attempts.get(committed.generationId)).toEqual([{ attempt: 1, at: expect.any(Number) }]);
  });

  it('routes each provider to its own queue and refuses a second job for the same generation', async () => {
    const data = run('azure');
    const startAfter = new Date(Date.now() + 60_000); // keeps it queued while the duplicate is sent
    const first = await queue.send(JobName.GenerationRun, data, { startAfter });
    const duplicate = await queue.send(JobName.GenerationRun, data);
    expect(first).toEqual(expect.any(String));
    expect(duplicate).toBeNull();
    expect(await jobRows(data.generationId)).toEqual([
      expect.objectContaining({ id: first, name: 'generation.azure', state: 'created' }),
    ]);
  });

  it('runs a higher-priority job before older waiting ones of the same queue', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const blockers = [run('local'), run('local')];
    for (const data of blockers) behaviours.set(data.generationId, () => gate);
    const order: string[] = [];
    const normal = [run('local'), run('local'), run('local')];
    const urgent = run('local');
    for (const data of [...normal, urgent]) {
      behaviours.set(data.generationId, async () => {
        order.push(data.generationId);
      });
    }
    for (const data of blockers) await queue.send(JobName.GenerationRun, data);
    await waitFor(async () => (blockers.every((b) => attempts.has(b.generationId)) ? true : undefined), {
      what: 'both local slots to be busy',
    });
    for (const data of normal) await queue.send(JobName.GenerationRun, data);
    await queue.send(JobName.GenerationRun, urgent, { priority: 10 });
    open();
    await settled(urgent.generationId, 'completed');
    for (const data of normal) await settled(data.generationId, 'completed');
    expect(order[0]).toBe(urgent.generationId);
    expect(order).toHaveLength(4);
  });

  it('retries a TransientJobError with backoff, no sooner than its retryAfterMs, then succeeds', async () => {
    const data = run();
    behaviours.set(data.generationId, async (job) => {
      if (job.attempt === 1) throw new TransientJobError('provider busy', { retryAfterMs: 1200 });
    });
    await queue.send(JobName.GenerationRun, data);
    const row = await settled(data.generationId, 'completed');
    expect(row.retry_count).toBe(1);
    const [first, second] = attempts.get(data.generationId)!;
    expect([first.attempt, second.attempt]).toEqual([1, 2]);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1200);
  });

  it('gives up on a transient error after JOBS_MAX_ATTEMPTS attempts', async () => {
    const data = run();
    behaviours.set(data.generationId, async () => {
      throw new TransientJobError('still busy');
    });
    await queue.send(JobName.GenerationRun, data);
    await settled(data.generationId, 'failed');
    expect(attempts.get(data.generationId)!.map((a) => a.attempt)).toEqual([1, 2, 3]);
  });

  it.each([
    ['a PermanentJobError', () => new PermanentJobError('content policy refusal')],
    ['an unclassified error', () => new TypeError('undefined is not a function')],
  ])('does not retry %s', async (_label, makeError) => {
    const data = run();
    behaviours.set(data.generationId, async () => {
      throw makeError();
    });
    await queue.send(JobName.GenerationRun, data);
    const row = await settled(data.generationId, 'failed');
    expect(row.retry_count).toBe(0);
    expect(attempts.get(data.generationId)!.map((a) => a.attempt)).toEqual([1]);
    const [output] = await connection.query<{ output: { retried: boolean; attempt: number } }>(
      `SELECT output FROM ${PG_BOSS_SCHEMA}.job WHERE id = $1`,
      [row.id],
    );
    expect(output.output).toMatchObject({ retried: false, attempt: 1 });
  });

  it('never runs more handlers of a provider at once than its concurrency (local: 2), and makes the rest wait', async () => {
    let active = 0;
    let peak = 0;
    let releaseAll!: () => void;
    const pairReached = new Promise<void>((resolve) => (releaseAll = resolve));
    const jobs = Array.from({ length: 6 }, () => run('local'));
    for (const job of jobs) {
      behaviours.set(job.generationId, async () => {
        active++;
        peak = Math.max(peak, active);
        if (active >= 2) releaseAll();
        // Holds each handler until two overlap (or a generous fallback), so a limit of 1 would show as peak 1.
        let fallback: NodeJS.Timeout | undefined;
        await Promise.race([pairReached, new Promise((resolve) => (fallback = setTimeout(resolve, 3000)))]);
        clearTimeout(fallback);
        await new Promise((resolve) => setTimeout(resolve, 100));
        active--;
      });
    }
    for (const job of jobs) await queue.send(JobName.GenerationRun, job);
    for (const job of jobs) await settled(job.generationId, 'completed');
    expect(peak).toBe(2);
  });

  it('counts a provider’s running jobs across instances: a second worker takes none while the limit is used elsewhere', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const jobs = Array.from({ length: 3 }, () => run('local'));
    const started: string[] = [];
    for (const job of jobs) {
      behaviours.set(job.generationId, async () => {
        started.push(job.generationId);
        await gate;
      });
    }
    for (const job of jobs) await queue.send(JobName.GenerationRun, job);
    await waitFor(() => started.length === 2, { what: 'the first instance to run two jobs' });

    const other = await PgBossJobQueue.start(context.config, connection);
    const ranElsewhere: string[] = [];
    other.work(JobName.GenerationRun, async (job) => void ranElsewhere.push(job.data.generationId));
    try {
      await other.startWorkers([JobName.GenerationRun]);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // three poll intervals
      expect(ranElsewhere).toEqual([]);
      expect((await queue.stats()).find((s) => s.queue === 'generation.local')).toMatchObject({
        ready: 1,
        active: 2,
      });
      release();
      for (const job of jobs) await settled(job.generationId, 'completed');
    } finally {
      release();
      await other.stop();
    }
  });

  describe('lifecycle', () => {
    const sweepRows = () =>
      connection.query<{ id: string; state: string; retry_count: number; output: { message?: string } }>(
        `SELECT id, state, retry_count, output FROM ${PG_BOSS_SCHEMA}.job WHERE name = 'generation.sweep'`,
      );
    const startQueue = (env: Record<string, string> = {}) =>
      PgBossJobQueue.start(loadConfig({ ...context.env, ...env }), connection);

    it('in the api role sends but runs nothing, and reports depth and the age of the oldest waiting job', async () => {
      const api = await startQueue({ APP_ROLE: 'api' });
      try {
        let ran = false;
        api.work(JobName.GenerationSweep, async () => {
          ran = true;
        });
        await api.startWorkers([JobName.GenerationSweep]); // no workers in this role, so nothing is missing
        expect(api.runsWorkers).toBe(false);
        const before = await api.stats();
        expect(before.map((s) => s.queue)).toEqual([
          'generation.fal',
          'generation.azure',
          'generation.local',
          'generation.sweep',
          'result.retention',
        ]);
        expect(before.find((s) => s.queue === 'generation.sweep')).toEqual({
          queue: 'generation.sweep',
          ready: 0,
          deferred: 0,
          active: 0,
          failed: 0,
          oldestReadyAgeMs: 0,
        });
        const deferredBefore = before.find((s) => s.queue === 'generation.fal')!.deferred;

        await api.send(JobName.GenerationSweep, {}, { startAfter: new Date(Date.now() - 5000) });
        await api.send(JobName.GenerationRun, run(), { startAfter: new Date(Date.now() + 60_000) });
        await new Promise((resolve) => setTimeout(resolve, 1200)); // more than a poll interval
        const after = await api.stats();
        const sweep = after.find((s) => s.queue === 'generation.sweep')!;
        expect(sweep).toMatchObject({ ready: 1, deferred: 0, active: 0 });
        expect(sweep.oldestReadyAgeMs).toBeGreaterThanOrEqual(5000);
        expect(after.find((s) => s.queue === 'generation.fal')!.deferred).toBe(deferredBefore + 1);
        expect(ran).toBe(false);
      } finally {
        await api.stop();
      }
    });

    it('refuses to start workers when an expected job has no handler', async () => {
      const worker = await startQueue();
      try {
        const starting = worker.startWorkers([JobName.GenerationRun, JobName.GenerationSweep]);
        await expect(starting).rejects.toThrow(MissingJobHandlersError);
        await expect(starting).rejects.toThrow(/generation\.run, generation\.sweep/);
      } finally {
        await worker.stop();
      }
    });

    it('repeats a periodic job while workers run, never two at once across the cluster', async () => {
      const worker = await startQueue();
      let runs = 0;
      let active = 0;
      let peak = 0;
      try {
        worker.work(JobName.GenerationSweep, async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((resolve) => setTimeout(resolve, 50));
          active--;
          runs++;
        });
        worker.repeat(JobName.GenerationSweep, 200, {});
        await worker.startWorkers([JobName.GenerationSweep]);
        await waitFor(() => runs >= 3, { what: 'three sweeps' });
      } finally {
        await worker.stop();
      }
      expect(peak).toBe(1);
    });

    it('lets a running handler finish when stopping', async () => {
      const worker = await startQueue();
      let started = false;
      let finished = false;
      worker.work(JobName.GenerationSweep, async () => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 800));
        finished = true;
      });
      await worker.startWorkers([JobName.GenerationSweep]);
      const id = await worker.send(JobName.GenerationSweep, {});
      await waitFor(() => started, { what: 'the handler to start' });
      await worker.stop();
      expect(finished).toBe(true);
      expect((await sweepRows()).find((row) => row.id === id)).toMatchObject({ state: 'completed' });
    });

    it('gives up waiting after the stop timeout: the handler is aborted and its job goes back for a retry', async () => {
      const worker = await startQueue({ SHUTDOWN_TIMEOUT_MS: '1250' }); // stop timeout: 80 %, 1 s
      let started = false;
      let aborted = false;
      worker.work(JobName.GenerationSweep, async (job) => {
        started = true;
        await new Promise<void>((resolve) => {
          const fallback = setTimeout(resolve, 10_000);
          job.signal.addEventListener('abort', () => {
            aborted = true;
            clearTimeout(fallback);
            resolve();
          });
        });
      });
      await worker.startWorkers([JobName.GenerationSweep]);
      const id = await worker.send(JobName.GenerationSweep, {});
      await waitFor(() => started, { what: 'the handler to start' });
      await worker.stop();
      expect(aborted).toBe(true);
      expect((await sweepRows()).find((row) => row.id === id)).toMatchObject({
        state: 'retry',
        retry_count: 0,
      });
    });

    it('keeps pg-boss in its own schema, apart from the Prisma migrations, and reinstalls nothing on restart', async () => {
      const restarted = await startQueue({ APP_ROLE: 'api' });
      await restarted.stop();
      const versions = await connection.query(`SELECT version FROM ${PG_BOSS_SCHEMA}.version`);
      expect(versions).toHaveLength(1);
      const publicTables = await connection.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(publicTables.map((t) => t.table_name)).not.toContain('job');
      const recorded = await connection.query<{ migration_name: string }>(
        'SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name',
      );
      expect(recorded.map((r) => r.migration_name)).toEqual((await readMigrations()).map((m) => m.name));
      expect(await migrate(connection)).toMatchObject({ applied: [], modified: [] });
    });

    if (databaseBackend === 'postgres') {
      it('installs its schema once when several instances start together on a new database', async () => {
        const database = await createTestDatabase();
        const config = loadConfig({ ...context.env, DATABASE_URL: database.url, APP_ROLE: 'api' });
        const connections = await Promise.all([1, 2, 3].map(() => DatabaseConnection.open(config.database)));
        try {
          const queues = await Promise.all(connections.map((c) => PgBossJobQueue.start(config, c)));
          await Promise.all(queues.map((q) => q.stop()));
          const [check] = connections;
          expect(await check.query(`SELECT version FROM ${PG_BOSS_SCHEMA}.version`)).toHaveLength(1);
          expect(await check.query(`SELECT name FROM ${PG_BOSS_SCHEMA}.queue ORDER BY name`)).toHaveLength(5);
        } finally {
          await Promise.all(connections.map((c) => c.close()));
          await database.drop();
        }
      });
    } else {
      it('cannot open the embedded database twice, so it has one instance (several need PostgreSQL)', async () => {
        await expect(DatabaseConnection.open(context.config.database)).rejects.toThrow(
          /in use by process \d+.*set DATABASE_URL/s,
        );
      });
    }
  });

  describe('JobsModule', () => {
    const swept: string[] = [];

    @Injectable()
    class SweepHandler {
      @OnJob(JobName.GenerationSweep)
      async sweep(job: JobContext<typeof JobName.GenerationSweep>): Promise<void> {
        swept.push(job.id);
      }
    }

    // The module's database comes from this spec's open connection: an embedded database opens once per process.
    const sharedDatabase: DynamicModule = {
      module: class SharedDatabaseModule {},
      providers: [{ provide: DatabaseConnection, useFactory: () => connection }],
      exports: [DatabaseConnection],
    };

    async function boot(role: string, expectHandlersFor: JobName[], providers: Provider[] = []) {
      return Test.createTestingModule({
        imports: [
          ConfigModule.forRoot(loadConfig({ ...context.env, APP_ROLE: role })),
          JobsModule.forRoot({ expectHandlersFor }),
        ],
        providers,
      })
        .overrideModule(DatabaseModule)
        .useModule(sharedDatabase)
        .compile();
    }

    beforeAll(async () => {
      // Earlier tests leave a sweep waiting for its retry; `exclusive` would refuse these tests' sweeps.
      await connection.query(`DELETE FROM ${PG_BOSS_SCHEMA}.job WHERE name = 'generation.sweep'`);
    });

    it('runs @OnJob handlers in a worker process, and stops them when the application closes', async () => {
      const app = await boot('worker', [JobName.GenerationSweep], [SweepHandler]);
      await app.init();
      try {
        const queue = app.get(JobQueue);
        expect(queue.runsWorkers).toBe(true);
        const id = await queue.send(JobName.GenerationSweep, {});
        await waitFor(() => swept.includes(id!), { what: 'the sweep handler' });
      } finally {
        await app.close();
      }
    });

    it('refuses to start a worker process without a handler for an expected job', async () => {
      const app = await boot('all', [JobName.GenerationRun, JobName.GenerationSweep], [SweepHandler]);
      await expect(app.init()).rejects.toThrow('No handler registered for job(s) generation.run');
      await app.close();
    });

    it('starts an api process without handlers: it sends, and its @OnJob methods never run', async () => {
      const app = await boot('api', [JobName.GenerationRun, JobName.GenerationSweep], [SweepHandler]);
      await app.init();
      try {
        const before = swept.length;
        const id = await app.get(JobQueue).send(JobName.GenerationSweep, {});
        expect(id).toEqual(expect.any(String));
        await new Promise((resolve) => setTimeout(resolve, 1200)); // more than a poll interval
        expect(swept.length).toBe(before);
      } finally {
        await app.close();
      }
    });
  });
});
