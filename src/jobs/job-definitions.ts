import type { FailureCode } from '../common/failures/failure-code.js';
/**
 * Every kind of job the service runs, its payload, and the pg-boss queue(s) it lives in.
 * Adding a job: a name here, its payload in JobPayloads, and its entry in JOB_DEFINITIONS.
 */
export const JobName = {
  /** Run (or resume) one generation end to end. Routed to its provider's queue. */
  GenerationRun: 'generation.run',
  /** Fail and refund generations past their deadline. */
  GenerationSweep: 'generation.sweep',
  /** Delete results older than RESULT_RETENTION_DAYS. */
  ResultRetention: 'result.retention',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/** Providers get a queue each, so a slow or rate-limited provider never holds up the others. */
export const PROVIDER_LANES = ['fal', 'azure', 'local'] as const;
export type ProviderLane = (typeof PROVIDER_LANES)[number];

/**
 * The poller's verdict on a segment the provider is done with, handed to the generation job in its data (so a
 * retried or re-delivered job still has it): the worker acts on it and never asks the provider again.
 */
export type SegmentHandover =
  | { segmentId: string; outcome: 'succeeded' }
  | { segmentId: string; outcome: 'failed'; code: FailureCode; message: string };

export interface JobPayloads {
  [JobName.GenerationRun]: { generationId: string; provider: ProviderLane; handover?: SegmentHandover };
  [JobName.GenerationSweep]: Record<string, never>;
  [JobName.ResultRetention]: Record<string, never>;
}
export type JobPayload<N extends JobName> = JobPayloads[N];

/**
 * pg-boss queue policy: `exclusive` allows one queued-or-running job per singleton key, so a generation
 * can never be enqueued twice (a second send returns null) and sweeps never overlap.
 */
export type QueuePolicy = 'standard' | 'exclusive';

export interface JobQueueSpec {
  queue: string;
  /** Set for provider queues: concurrency comes from PROVIDER_CONCURRENCY_<LANE>. */
  lane?: ProviderLane;
}

interface JobDefinition<N extends JobName> {
  policy: QueuePolicy;
  queues: readonly JobQueueSpec[];
  queueOf(data: JobPayload<N>): string;
  /** The key `exclusive` deduplicates on when the caller gives none. */
  singletonKeyOf?(data: JobPayload<N>): string;
}

const generationQueue = (lane: ProviderLane) => `generation.${lane}`;

const JOB_DEFINITIONS: { [N in JobName]: JobDefinition<N> } = {
  [JobName.GenerationRun]: {
    policy: 'exclusive',
    queues: PROVIDER_LANES.map((lane) => ({ queue: generationQueue(lane), lane })),
    queueOf: (data) => generationQueue(data.provider),
    singletonKeyOf: (data) => data.generationId,
  },
  [JobName.GenerationSweep]: {
    policy: 'exclusive',
    queues: [{ queue: 'generation.sweep' }],
    queueOf: () => 'generation.sweep',
  },
  [JobName.ResultRetention]: {
    policy: 'exclusive',
    queues: [{ queue: 'result.retention' }],
    queueOf: () => 'result.retention',
  },
};

export const JOB_NAMES = Object.values(JobName);

export function jobDefinition<N extends JobName>(name: N): JobDefinition<N> {
  const definition = JOB_DEFINITIONS[name] as JobDefinition<N> | undefined;
  if (!definition) throw new Error(`Unknown job name "${name}"`);
  return definition;
}

/** The queue a job is sent to. Throws for a provider the service has no queue for. */
export function queueFor<N extends JobName>(name: N, data: JobPayload<N>): string {
  const definition = jobDefinition(name);
  const queue = definition.queueOf(data);
  if (!definition.queues.some((spec) => spec.queue === queue)) {
    throw new Error(`Job ${name} has no queue "${queue}"`);
  }
  return queue;
}

/** Every queue of every job, each once. */
export function allQueues(): Array<JobQueueSpec & { name: JobName; policy: QueuePolicy }> {
  return JOB_NAMES.flatMap((name) =>
    jobDefinition(name).queues.map((spec) => ({ ...spec, name, policy: jobDefinition(name).policy })),
  );
}

/** Job names a worker process is expected to handle but has no handler for. */
export function missingHandlers(expected: readonly JobName[], registered: Iterable<JobName>): JobName[] {
  const have = new Set(registered);
  return [...new Set(expected)].filter((name) => !have.has(name));
}
