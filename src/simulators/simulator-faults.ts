/**
 * What a simulated provider can be made to do instead of its normal answer: the prompt's test markers
 * (prompt-markers.ts) and any attached SimulatorHook ask for these by operation.
 */
export type FaultOperation = 'submit' | 'status' | 'result' | 'cancel' | 'content' | 'upload' | 'list';

export type Fault =
  /** Delay the answer (combines with any other fault). */
  | { kind: 'latency'; ms: number }
  /** 429 with Retry-After (seconds) and, for Azure, retry-after-ms. */
  | { kind: 'rate-limit'; retryAfterSeconds?: number }
  /** A 5xx with the provider's error body (status 500, 502, 503 or 504). */
  | { kind: 'server-error'; status?: number }
  /** Accept the connection and never answer. */
  | { kind: 'hang' }
  /** A 2xx whose JSON body is cut off. */
  | { kind: 'malformed-json' }
  /** 404 (the result file, for `content`). */
  | { kind: 'not-found' }
  /** The video's first half, then a cut connection (`content`). */
  | { kind: 'truncated' }
  /** An HTML page instead of the video (`content`). */
  | { kind: 'non-video' }
  /** The job is accepted and then fails under the content policy (`submit`). */
  | { kind: 'moderation' }
  /** The job is accepted and then fails inside the provider (`submit`). */
  | { kind: 'generation-failure' };

/** How long simulated jobs wait in the queue and then run, by wall-clock time since they were accepted. */
export interface JobTiming {
  queueMs: number;
  runMs: number;
}

export type SimulatedPhase = 'queued' | 'running' | 'done';

export interface JobProgress {
  phase: SimulatedPhase;
  /** 0..1 through the running phase. */
  fraction: number;
  /** 0..1 through the queue wait (1 once running). */
  queueFraction: number;
}

/**
 * Where a job is in its timeline, given its age. Wall-clock based, so a job accepted before a restart of the
 * simulator still finishes on time after it. Pure.
 */
export function phaseOf(timing: JobTiming, ageMs: number): JobProgress {
  if (ageMs < timing.queueMs) {
    return { phase: 'queued', fraction: 0, queueFraction: ageMs / Math.max(1, timing.queueMs) };
  }
  const run = ageMs - timing.queueMs;
  if (run < timing.runMs) return { phase: 'running', fraction: run / timing.runMs, queueFraction: 1 };
  return { phase: 'done', fraction: 1, queueFraction: 1 };
}
