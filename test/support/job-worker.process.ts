// A worker process for the multi-process job tests (src/jobs/job-processes.spec.ts), run as
// `node --import ./test/support/register-ts.mjs test/support/job-worker.process.ts` with the service's
// environment. It boots the real JobsModule (APP_ROLE from the environment) with one @OnJob handler that
// records every attempt and every completed run of GenerationRun in two tables, and talks to its parent over
// IPC: it reports `ready` and each `started` attempt, and answers `send` and `report` (the parent cannot open
// an embedded PGlite database this process holds). The first attempt of a generation whose id starts with
// `hang-` never finishes, so the parent can kill the process mid-job; a later attempt completes normally.
import 'reflect-metadata';
import { Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { DatabaseConnection } from '../../src/database/database-connection.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { JobName } from '../../src/jobs/job-definitions.js';
import { JobQueue, type JobContext } from '../../src/jobs/job-queue.js';
import { JobsModule } from '../../src/jobs/jobs.module.js';
import { OnJob } from '../../src/jobs/on-job.decorator.js';
import {
  JOB_TABLES_SQL,
  type JobAttemptRow,
  type JobRunRow,
  type WorkerCommand,
  type WorkerMessage,
} from './job-worker.protocol.js';

const tell = (message: WorkerMessage) => process.send?.(message);

@Injectable()
class RecordingHandler implements OnModuleInit {
  constructor(@Inject(DatabaseConnection) private readonly db: DatabaseConnection) {}

  async onModuleInit(): Promise<void> {
    await this.db.exec(JOB_TABLES_SQL);
  }

  @OnJob(JobName.GenerationRun)
  async run(job: JobContext<typeof JobName.GenerationRun>): Promise<void> {
    const row = [job.id, job.data.generationId, process.pid, job.attempt];
    await this.db.query(
      'INSERT INTO job_attempts (job_id, generation_id, pid, attempt) VALUES ($1, $2, $3, $4)',
      row,
    );
    tell({
      type: 'started',
      pid: process.pid,
      jobId: job.id,
      generationId: job.data.generationId,
      attempt: job.attempt,
    });
    if (job.data.generationId.startsWith('hang-') && job.attempt === 1) await new Promise(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 30 + Math.random() * 40));
    await this.db.query(
      'INSERT INTO job_runs (job_id, generation_id, pid, attempt) VALUES ($1, $2, $3, $4)',
      row,
    );
  }
}

const config = loadConfig(process.env);

@Module({
  imports: [
    ConfigModule.forRoot(config),
    DatabaseModule,
    JobsModule.forRoot({ expectHandlersFor: [JobName.GenerationRun] }),
  ],
  providers: [RecordingHandler],
})
class WorkerModule {}

try {
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: ['error'] });
  const queue = app.get(JobQueue);
  const db = app.get(DatabaseConnection);
  process.on('message', (command: WorkerCommand) => {
    void (async () => {
      if (command.cmd === 'send') {
        const ids = [];
        for (const generationId of command.generationIds) {
          ids.push(await queue.send(JobName.GenerationRun, { generationId, provider: 'fal' }));
        }
        tell({ type: 'sent', ids });
      } else if (command.cmd === 'report') {
        tell({
          type: 'report',
          attempts: await db.query<JobAttemptRow>('SELECT * FROM job_attempts'),
          runs: await db.query<JobRunRow>('SELECT * FROM job_runs'),
        });
      }
    })();
  });
  // Exit code 0 tells the parent the shutdown was clean (running handlers finished, pools closed).
  process.once('SIGTERM', () => {
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  });
  tell({ type: 'ready', pid: process.pid });
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
