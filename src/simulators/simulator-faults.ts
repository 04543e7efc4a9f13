/**
 * Fault injection shared by the simulators. A test adds rules; each matching request consumes one use of
 * each rule (`times`, default unlimited) until it is used up.
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

export interface FaultRule {
  on: FaultOperation | FaultOperation[];
  fault: Fault;
  /** How many matching requests it applies to; default: all of them. */
  times?: number;
}

export class FaultPlan {
  private rules: Array<FaultRule & { remaining: number }> = [];

  add(...rules: FaultRule[]): void {
    for (const rule of rules) this.rules.push({ ...rule, remaining: rule.times ?? Infinity });
  }

  clear(): void {
    this.rules = [];
  }

  /** The faults for one request of `operation`, consuming one use of each. */
  take(operation: FaultOperation): Fault[] {
    const faults: Fault[] = [];
    for (const rule of this.rules) {
      const ops = Array.isArray(rule.on) ? rule.on : [rule.on];
      if (rule.remaining > 0 && ops.includes(operation)) {
        rule.remaining -= 1;
        faults.push(rule.fault);
      }
    }
    this.rules = this.rules.filter((rule) => rule.remaining > 0);
    return faults;
  }
}

/**
 * How long simulated jobs wait and run: by wall-clock time (the service in simulated mode) or by the number
 * of status polls (tests: deterministic, no sleeping).
 */
export type JobTiming = { queueMs: number; runMs: number } | { queuePolls: number; runPolls: number };

export type SimulatedPhase = 'queued' | 'running' | 'done';

/** Where a job is in its timeline, given its age and how often it was polled. Pure. */
export function phaseOf(
  timing: JobTiming,
  ageMs: number,
  polls: number,
): { phase: SimulatedPhase; fraction: number } {
  if ('queuePolls' in timing) {
    if (polls <= timing.queuePolls) return { phase: 'queued', fraction: 0 };
    const run = polls - timing.queuePolls;
    if (run <= timing.runPolls) return { phase: 'running', fraction: run / (timing.runPolls + 1) };
    return { phase: 'done', fraction: 1 };
  }
  if (ageMs < timing.queueMs) return { phase: 'queued', fraction: 0 };
  const run = ageMs - timing.queueMs;
  if (run < timing.runMs) return { phase: 'running', fraction: run / timing.runMs };
  return { phase: 'done', fraction: 1 };
}
