import type { Prisma } from '../generated/prisma/client.js';
import type { JobName, JobPayload } from './job-definitions.js';

export interface SendJobOptions {
  /**
   * A Prisma interactive transaction (`prisma.$transaction(async (tx) => ...)`): the job is written in it,
   * so it exists exactly when the caller's rows do. Inside a transaction, always pass it: on PGlite a send
   * outside it would wait for the transaction to end, which never comes.
   */
  tx?: Prisma.TransactionClient;
  /** Deduplication key; defaults per job (a generation's id). A duplicate send returns null. */
  singletonKey?: string;
  /** Not before this time. */
  startAfter?: Date;
  /** Higher runs first among due jobs of a queue (default 0). */
  priority?: number;
}

export interface JobContext<N extends JobName> {
  id: string;
  name: N;
  queue: string;
  data: JobPayload<N>;
  /** 1 on the first run; a job retried after a crash or a transient error comes back with a higher number. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when this worker loses the job (stop timed out, expiry, heartbeat lost): stop promptly. */
  signal: AbortSignal;
}

/**
 * Resolve: the job is done. Throw `TransientJobError` (or anything the failure classifier calls retryable)
 * to have it retried with backoff; throw `PermanentJobError` (or anything unclassified) to fail it for good.
 * See retry-policy.ts.
 */
export type JobHandler<N extends JobName> = (job: JobContext<N>) => Promise<void>;

export interface WorkOptions {
  /**
   * Handlers running at once in this process, per queue. Default: PROVIDER_CONCURRENCY_<LANE> for provider
   * queues, 1 otherwise.
   */
  concurrency?: number;
}

export interface QueueStats {
  queue: string;
  /** Waiting and due now. */
  ready: number;
  /** Waiting for a later start (deferred sends, retries in backoff). */
  deferred: number;
  active: number;
  /** Failed for good and still retained. */
  failed: number;
  /** How long the longest-waiting due job has been waiting; 0 when none is. */
  oldestReadyAgeMs: number;
}

/**
 * The durable job queue (pg-boss on the application's own database). Injection token; see
 * PgBossJobQueue. Every process can send; only worker processes (APP_ROLE worker or all) run handlers.
 */
export abstract class JobQueue {
  /** True in APP_ROLE=worker and all. */
  abstract readonly runsWorkers: boolean;

  /** Enqueues a job. Returns its id, or null when an equal job (same singleton key) is already queued or running. */
  abstract send<N extends JobName>(
    name: N,
    data: JobPayload<N>,
    options?: SendJobOptions,
  ): Promise<string | null>;

  /** Registers the handler for a job. Workers start with `startWorkers` (at once if already started). */
  abstract work<N extends JobName>(name: N, handler: JobHandler<N>, options?: WorkOptions): void;

  /** While workers run, sends `name` every `everyMs` (at most one queued or running at a time, cluster-wide). */
  abstract repeat<N extends JobName>(name: N, everyMs: number, data: JobPayload<N>): void;

  /**
   * In worker roles: fails with MissingJobHandlersError if any of `expected` has no handler, then starts
   * polling every registered queue. In the api role: does nothing.
   */
  abstract startWorkers(expected?: readonly JobName[]): Promise<void>;

  /** Stops taking jobs and waits for running handlers up to the stop timeout; jobs still running then are retried later. */
  abstract stop(): Promise<void>;

  /** Counts per queue, for metrics. Read from the job table, so always current. */
  abstract stats(): Promise<QueueStats[]>;
}
