import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import {
  JOB_TABLES_SQL,
  type JobAttemptRow,
  type JobRunRow,
} from '../../test/support/job-worker.protocol.js';
import { WorkerProcess } from '../../test/support/job-worker.js';
import { createTestContext, TestContext } from '../../test/support/test-app.js';
import { databaseBackend } from '../../test/support/test-database.js';
import { waitFor } from '../../test/support/wait-for.js';
import { loadConfig } from '../config/app-config.js';
import { DatabaseConnection } from '../database/database-connection.js';
import { migrate } from '../database/migrator.js';
import { JobName } from './job-definitions.js';
import { PgBossJobQueue } from './pg-boss-job-queue.js';

// Real worker processes (test/support/job-worker.process.ts) on one database. A worker that dies stops
// heart-beating; its job is failed and retried once JOBS_HEARTBEAT_SECONDS (pg-boss's minimum, 10 s) pass
// without a beat, which is the production path (the 60 s expiry is never reached here).
const WORKER_ENV = {
  APP_ROLE: 'worker',
  JOBS_POLL_INTERVAL_MS: '500',
  JOBS_SUPERVISE_INTERVAL_SECONDS: '1',
  JOBS_EXPIRE_SECONDS: '60',
  JOBS_HEARTBEAT_SECONDS: '10',
  JOBS_RETRY_BASE_DELAY_MS: '100',
  PROVIDER_CONCURRENCY_FAL: '3',
};
// Boots real processes; PGlite's first start creates a database, which takes long on a busy machine.
const BOOT_TIMEOUT_MS = 100_000;
const PROCESS_TEST_TIMEOUT_MS = 180_000;

describe(`job worker processes (${databaseBackend})`, () => {
  let context: TestContext;
  const workers: WorkerProcess[] = [];
  const startWorker = () => {
    const worker = WorkerProcess.start(context.env);
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    context = await createTestContext(WORKER_ENV);
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.dispose()));
    await context?.cleanup();
  });

  if (databaseBackend === 'postgres') {
    describe('PostgreSQL: any number of worker processes share one database', () => {
      let connection: DatabaseConnection;
      let api: PgBossJobQueue;
      let first: WorkerProcess;
      let second: WorkerProcess;

      beforeAll(async () => {
        connection = await DatabaseConnection.open(context.config.database);
        await migrate(connection);
        await connection.exec(JOB_TABLES_SQL);
        // This test process plays an API instance: it sends, the workers run.
        api = await PgBossJobQueue.start(loadConfig({ ...context.env, APP_ROLE: 'api' }), connection);
      });
      afterAll(async () => {
        await api?.stop();
        await connection?.close();
      });

      it(
        'runs each of 40 jobs exactly once across two worker processes, and both do work',
        async () => {
          [first, second] = [startWorker(), startWorker()];
          await Promise.all([
            first.next('ready', { timeoutMs: BOOT_TIMEOUT_MS }),
            second.next('ready', { timeoutMs: BOOT_TIMEOUT_MS }),
          ]);
          const generationIds = Array.from({ length: 40 }, () => randomUUID());
          for (const generationId of generationIds) {
            await api.send(JobName.GenerationRun, { generationId, provider: 'fal' });
          }
          const runs = await waitFor(
            async () => {
              const rows = await connection.query<JobRunRow>('SELECT * FROM job_runs');
              return rows.length >= 40 ? rows : undefined;
            },
            { timeoutMs: 30_000, what: '40 completed runs' },
          );
          const attempts = await connection.query<JobAttemptRow>('SELECT * FROM job_attempts');
          expect(runs.map((r) => r.generation_id).sort()).toEqual([...generationIds].sort());
          // Not one job was even started twice.
          expect(attempts).toHaveLength(40);
          expect(new Set(attempts.map((a) => a.job_id)).size).toBe(40);
          expect(new Set(runs.map((r) => r.pid))).toEqual(new Set([first.pid, second.pid]));
          expect((await api.stats()).find((s) => s.queue === 'generation.fal')).toMatchObject({
            ready: 0,
            active: 0,
          });
        },
        PROCESS_TEST_TIMEOUT_MS,
      );

      it(
        'gives the job of a SIGKILLed worker to the other worker once its heartbeat stops, and runs it to completion once',
        async () => {
          const generationId = `hang-${randomUUID()}`;
          const after = [first.messages.length, second.messages.length];
          await api.send(JobName.GenerationRun, { generationId, provider: 'fal' });
          const started = (worker: WorkerProcess, index: number) =>
            worker
              .next('started', { after: after[index], where: (m) => m.generationId === generationId })
              .then(() => worker);
          const victim = await Promise.race([started(first, 0), started(second, 1)]);
          const survivor = victim === first ? second : first;
          victim.kill('SIGKILL');
          expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });

          const [run] = await waitFor(
            async () => {
              const rows = await connection.query<JobRunRow>(
                'SELECT * FROM job_runs WHERE generation_id = $1',
                [generationId],
              );
              return rows.length ? rows : undefined;
            },
            { timeoutMs: 30_000, what: 'the killed job to be run again' },
          );
          expect(run).toMatchObject({ pid: survivor.pid, attempt: 2 });
          const attempts = await connection.query<JobAttemptRow>(
            'SELECT pid, attempt FROM job_attempts WHERE generation_id = $1 ORDER BY attempt',
            [generationId],
          );
          expect(attempts).toEqual([
            { pid: victim.pid, attempt: 1 },
            { pid: survivor.pid, attempt: 2 },
          ]);

          survivor.kill('SIGTERM');
          expect(await survivor.exited).toEqual({ code: 0, signal: null });
        },
        PROCESS_TEST_TIMEOUT_MS,
      );
    });
  } else {
    describe('PGlite: the database belongs to one process', () => {
      let owner: WorkerProcess;

      it(
        'refuses a second worker process cleanly, pointing at DATABASE_URL, and the first keeps working',
        async () => {
          owner = startWorker();
          await owner.next('ready', { timeoutMs: BOOT_TIMEOUT_MS });
          const intruder = startWorker();
          expect(await intruder.exited).toEqual({ code: 1, signal: null });
          expect(intruder.log).toMatch(new RegExp(`in use by process ${owner.pid}.*set DATABASE_URL`, 's'));

          const generationIds = Array.from({ length: 5 }, () => randomUUID());
          await owner.ask({ cmd: 'send', generationIds }, 'sent');
          const report = await waitFor(
            async () => {
              const answer = await owner.ask({ cmd: 'report' }, 'report');
              return answer.runs.length >= 5 ? answer : undefined;
            },
            { what: '5 completed runs' },
          );
          expect(report.runs.map((r) => r.generation_id).sort()).toEqual([...generationIds].sort());
          expect(report.attempts).toHaveLength(5);
          expect(new Set(report.runs.map((r) => r.pid))).toEqual(new Set([owner.pid]));
        },
        PROCESS_TEST_TIMEOUT_MS,
      );

      it(
        'runs the job of a SIGKILLed worker again, once, when a worker restarts on the same database',
        async () => {
          const generationId = `hang-${randomUUID()}`;
          const after = owner.messages.length;
          await owner.ask({ cmd: 'send', generationIds: [generationId] }, 'sent');
          await owner.next('started', { after, where: (m) => m.generationId === generationId });
          owner.kill('SIGKILL');
          expect(await owner.exited).toEqual({ code: null, signal: 'SIGKILL' });

          const restarted = startWorker();
          await restarted.next('ready', { timeoutMs: BOOT_TIMEOUT_MS });
          const report = await waitFor(
            async () => {
              const answer = await restarted.ask({ cmd: 'report' }, 'report');
              return answer.runs.some((r) => r.generation_id === generationId) ? answer : undefined;
            },
            { timeoutMs: 30_000, what: 'the killed job to be run again' },
          );
          expect(report.runs.find((r) => r.generation_id === generationId)).toMatchObject({
            pid: restarted.pid,
            attempt: 2,
          });
          expect(
            report.attempts
              .filter((a) => a.generation_id === generationId)
              .map(({ pid, attempt }) => ({ pid, attempt }))
              .sort((a, b) => a.attempt - b.attempt),
          ).toEqual([
            { pid: owner.pid, attempt: 1 },
            { pid: restarted.pid, attempt: 2 },
          ]);

          restarted.kill('SIGTERM');
          expect(await restarted.exited).toEqual({ code: 0, signal: null });
        },
        PROCESS_TEST_TIMEOUT_MS,
      );
    });
  }
});
