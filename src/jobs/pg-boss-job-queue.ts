import { Logger } from '@nestjs/common';
import { fromPrisma, PgBoss, type Job, type JobResult } from 'pg-boss';
import type { AppConfig, JobsConfig } from '../config/app-config.js';
import type { DatabaseConnection } from '../database/database-connection.js';
import {
  allQueues,
  jobDefinition,
  JOB_NAMES,
  missingHandlers,
  queueFor,
  type JobName,
  type JobPayload,
  type JobQueueSpec,
} from './job-definitions.js';
import { MissingJobHandlersError } from './job-errors.js';
import {
  JobQueue,
  type JobHandler,
  type QueueStats,
  type SendJobOptions,
  type WorkOptions,
} from './job-queue.js';
import { pgBossBackend, type PgBossBackend } from './pg-boss-backend.js';
import { retryDecision, type RetryDecision } from './retry-policy.js';

/** pg-boss keeps its tables here, apart from the Prisma-migrated `public` schema. */
export const PG_BOSS_SCHEMA = 'pgboss';

interface Registration {
  name: JobName;
  handler: JobHandler<JobName>;
  options: WorkOptions;
}

interface Repeat {
  name: JobName;
  everyMs: number;
  data: JobPayload<JobName>;
}

/** JobQueue on pg-boss, on the application's PostgreSQL or PGlite database. */
export class PgBossJobQueue extends JobQueue {
  readonly runsWorkers: boolean;
  private readonly registrations = new Map<JobName, Registration>();
  private readonly repeats: Repeat[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private workersStarted = false;
  private stopped = false;

  private constructor(
    private readonly boss: PgBoss,
    private readonly backend: PgBossBackend,
    private readonly config: JobsConfig,
    role: AppConfig['role'],
    private readonly logger: Logger,
  ) {
    super();
    this.runsWorkers = role !== 'api';
  }

  /**
   * Starts pg-boss (installing or migrating its own schema, under its own advisory lock) and creates or
   * updates every queue. Every role does this: api processes send, so the queues must exist.
   */
  static async start(
    appConfig: AppConfig,
    connection: DatabaseConnection,
    logger = new Logger('Jobs'),
  ): Promise<PgBossJobQueue> {
    const config = appConfig.jobs;
    const backend = pgBossBackend(connection, config.poolSize);
    const boss = new PgBoss({
      ...backend.options,
      schema: PG_BOSS_SCHEMA,
      migrate: true,
      supervise: true,
      // Periodic jobs use `repeat` (seconds granularity, no clock-skew monitor) rather than pg-boss cron.
      schedule: false,
      superviseIntervalSeconds: config.superviseIntervalSeconds,
      monitorIntervalSeconds: config.superviseIntervalSeconds,
      useListenNotify: true,
    });
    const queue = new PgBossJobQueue(boss, backend, config, appConfig.role, logger);
    boss.on('error', (error) =>
      // A handler abandoned by a timed-out stop finishes after the pool closed; its settle failing is expected.
      queue.stopped
        ? logger.warn(`pg-boss after stop: ${error.message}`)
        : logger.error(`pg-boss: ${error.message}`),
    );
    boss.on('warning', (warning) => logger.warn(`pg-boss: ${warning.message}`));
    await boss.start();
    try {
      await queue.ensureQueues();
    } catch (error) {
      await boss.stop({ graceful: false });
      throw error;
    }
    return queue;
  }

  private async ensureQueues(): Promise<void> {
    const { retry, expireSeconds, heartbeatSeconds } = this.config;
    const options = {
      // pg-boss's own retries are for attempts that never reported back (crash, expiry, lost heartbeat);
      // handler errors are settled by `settleFailure` with the same limits.
      retryLimit: retry.maxAttempts - 1,
      retryDelay: Math.ceil(retry.baseDelayMs / 1000),
      retryBackoff: true,
      retryDelayMax: Math.max(1, Math.ceil(retry.maxDelayMs / 1000)),
      expireInSeconds: expireSeconds,
      heartbeatSeconds: heartbeatSeconds || null,
      notify: true,
    };
    for (const spec of allQueues()) {
      const existing = await this.boss.getQueue(spec.queue);
      if (!existing) {
        const { heartbeatSeconds: heartbeat, ...create } = options;
        await this.boss.createQueue(spec.queue, {
          ...create,
          ...(heartbeat ? { heartbeatSeconds: heartbeat } : {}),
          policy: spec.policy,
        });
      } else if (existing.policy !== spec.policy) {
        throw new Error(
          `Queue ${spec.queue} has policy "${existing.policy}" but "${spec.policy}" is expected; pg-boss cannot change it in place`,
        );
      } else {
        await this.boss.updateQueue(spec.queue, options);
      }
      // Loads pg-boss's queue cache now: a cache miss later, inside a caller's transaction on PGlite's
      // single connection, would wait for that very transaction.
      await this.boss.findJobs(spec.queue, { id: '00000000-0000-0000-0000-000000000000' });
    }
  }

  async send<N extends JobName>(
    name: N,
    data: JobPayload<N>,
    options: SendJobOptions = {},
  ): Promise<string | null> {
    const queue = queueFor(name, data);
    const lane = specOf(queue)?.lane;
    return this.boss.send(queue, data, {
      singletonKey: options.singletonKey ?? jobDefinition(name).singletonKeyOf?.(data),
      startAfter: options.startAfter,
      ...(options.priority === undefined ? {} : { priority: options.priority }),
      // Provider jobs carry their lane as group, which the cluster-wide concurrency limit counts.
      group: lane ? { id: lane } : undefined,
      db: options.tx ? fromPrisma(options.tx) : undefined,
    });
  }

  work<N extends JobName>(name: N, handler: JobHandler<N>, options: WorkOptions = {}): void {
    jobDefinition(name);
    if (this.registrations.has(name)) throw new Error(`Job ${name} already has a handler`);
    const registration = { name, handler: handler as JobHandler<JobName>, options };
    this.registrations.set(name, registration);
    if (this.workersStarted) {
      this.startRegistration(registration).catch((error: unknown) =>
        this.logger.error(`Could not start workers for ${name}: ${(error as Error).message}`),
      );
    }
  }

  repeat<N extends JobName>(name: N, everyMs: number, data: JobPayload<N>): void {
    const repeat = { name, everyMs, data };
    this.repeats.push(repeat);
    if (this.workersStarted) this.startRepeat(repeat);
  }

  async startWorkers(expected: readonly JobName[] = JOB_NAMES): Promise<void> {
    if (!this.runsWorkers || this.workersStarted) return;
    const missing = missingHandlers(expected, this.registrations.keys());
    if (missing.length > 0) throw new MissingJobHandlersError(missing);
    this.workersStarted = true;
    for (const registration of this.registrations.values()) await this.startRegistration(registration);
    for (const repeat of this.repeats) this.startRepeat(repeat);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    await this.boss.stop({ graceful: true, timeout: this.config.stopTimeoutMs, close: true });
  }

  async stats(): Promise<QueueStats[]> {
    const queues = allQueues().map((spec) => spec.queue);
    const { rows } = await this.boss.getDb().executeSql(
      `SELECT name,
              count(*) FILTER (WHERE state < 'active' AND start_after <= now())::int AS ready,
              count(*) FILTER (WHERE state < 'active' AND start_after > now())::int AS deferred,
              count(*) FILTER (WHERE state = 'active')::int AS active,
              count(*) FILTER (WHERE state = 'failed')::int AS failed,
              COALESCE(EXTRACT(EPOCH FROM now() - min(start_after)
                FILTER (WHERE state < 'active' AND start_after <= now())) * 1000, 0)::float8 AS oldest
         FROM ${PG_BOSS_SCHEMA}.job
        WHERE name = ANY($1::text[])
        GROUP BY name`,
      [queues],
    );
    const byQueue = new Map(rows.map((row: Record<string, unknown>) => [row.name as string, row]));
    return queues.map((queue) => {
      const row = byQueue.get(queue);
      return {
        queue,
        ready: Number(row?.ready ?? 0),
        deferred: Number(row?.deferred ?? 0),
        active: Number(row?.active ?? 0),
        failed: Number(row?.failed ?? 0),
        oldestReadyAgeMs: Math.max(0, Math.round(Number(row?.oldest ?? 0))),
      };
    });
  }

  private async startRegistration(registration: Registration): Promise<void> {
    for (const spec of jobDefinition(registration.name).queues) {
      const concurrency =
        registration.options.concurrency ?? (spec.lane ? this.config.providerConcurrency[spec.lane] : 1);
      const pollingIntervalSeconds = this.config.pollIntervalMs / 1000;
      // One pg-boss worker per slot, so each knows its own id: after a job it asks to fetch again at once.
      // pg-boss would otherwise wait out its polling interval between short jobs, and a backlog of
      // one-second jobs would drain at one per interval per slot.
      for (let slot = 0; slot < concurrency; slot++) {
        let workerId = '';
        workerId = await this.boss.work<JobPayload<JobName>>(
          spec.queue,
          {
            batchSize: 1,
            localConcurrency: 1,
            ...(spec.lane ? { groupConcurrency: this.config.providerConcurrency[spec.lane] } : {}),
            pollingIntervalSeconds,
            // NOTIFY wakes workers for new jobs, not for retries coming due, so polling stays as frequent.
            notifyPollingIntervalSeconds: pollingIntervalSeconds,
            perJobResults: true,
          },
          async ([job]) => {
            try {
              return [await this.run(spec, registration, job)];
            } finally {
              this.boss.notifyWorker(workerId);
            }
          },
        );
      }
    }
  }

  private async run(
    spec: JobQueueSpec,
    registration: Registration,
    job: Job<JobPayload<JobName>>,
  ): Promise<JobResult> {
    const attempt = job.retryCount + 1;
    try {
      await registration.handler({
        id: job.id,
        name: registration.name,
        queue: spec.queue,
        data: job.data,
        attempt,
        maxAttempts: this.config.retry.maxAttempts,
        signal: job.signal,
      });
      return { id: job.id, status: 'completed' };
    } catch (error) {
      return this.settleFailure(spec.queue, job, attempt, error);
    }
  }

  private async settleFailure(
    queue: string,
    job: Job<unknown>,
    attempt: number,
    error: unknown,
  ): Promise<JobResult> {
    const decision = retryDecision(error, attempt, this.config.retry);
    const output = failureOutput(error, decision, attempt);
    const message = `${queue} job ${job.id} attempt ${attempt} failed: ${output.message}`;
    if (!decision.retry) {
      this.logger.warn(`${message} (${decision.reason}, not retried)`);
      // `deadletter` fails the job for good, skipping pg-boss's remaining retries.
      return { id: job.id, status: 'deadletter', output };
    }
    this.logger.warn(`${message} (retry in ${decision.delayMs} ms)`);
    // Failing and re-timing in one transaction: no other worker can pick the job up in between at
    // pg-boss's own delay. Both statements are fenced to this attempt, so a job this worker no longer
    // holds (expired, or failed by a timed-out stop) is left alone.
    await this.backend.transaction(async (db) => {
      const failed = (await this.boss.fail(queue, { id: job.id, retryCount: job.retryCount }, output, {
        db,
      })) as { affected?: number };
      if (failed.affected) {
        await this.boss.update(queue, undefined, {
          id: job.id,
          startAfter: new Date(Date.now() + decision.delayMs),
          db,
        });
      }
    });
    // Already settled above; pg-boss's completion is fenced to the active attempt, so this is a no-op.
    return { id: job.id, status: 'completed' };
  }

  private startRepeat(repeat: Repeat): void {
    const tick = () =>
      void this.send(repeat.name, repeat.data).catch((error: unknown) =>
        this.logger.error(`Could not enqueue ${repeat.name}: ${(error as Error).message}`),
      );
    tick();
    const timer = setInterval(tick, repeat.everyMs);
    timer.unref();
    this.timers.add(timer);
  }
}

function specOf(queue: string): JobQueueSpec | undefined {
  return allQueues().find((spec) => spec.queue === queue);
}

function failureOutput(error: unknown, decision: RetryDecision, attempt: number) {
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    name: err.name,
    message: err.message,
    attempt,
    retried: decision.retry,
    ...(decision.retry ? { delayMs: decision.delayMs } : { reason: decision.reason }),
  };
}
