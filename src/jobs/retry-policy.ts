import { classifyFailure } from '../common/failures/failure.classifier.js';

/**
 * The one place that decides whether a failed job runs again, and when.
 *
 * - A failure the classifier calls retryable (`TransientJobError`, a provider's 5xx or 429, the bucket or the
 *   database away, network errors, serialization failures and deadlocks; see failure.classifier.ts):
 *   retried until `maxAttempts` attempts have run.
 * - Any other class (`PermanentJobError`, a refusal, an ambiguous submit): not retried.
 * - Anything nobody classified (a bug, an unexpected answer): not retried either. Retrying an unknown failure
 *   repeats its side effects (provider submissions, charges); the job fails and the handler's own recovery
 *   takes over.
 *
 * The delay before attempt n+1 is `baseDelayMs * 2^(n-1)`, scaled by a jitter factor in [0.5, 1] so that
 * jobs failing together do not come back together, raised to the error's `retryAfterMs` when that is
 * longer, and capped at `maxDelayMs`.
 *
 * A worker that dies mid-job is a separate path: its job expires (or misses its heartbeat) and pg-boss
 * retries it with the same base delay and cap, counting it as an attempt.
 */
export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type RetryDecision =
  { retry: true; delayMs: number } | { retry: false; reason: 'permanent' | 'unclassified' | 'exhausted' };

/**
 * @param attempt the attempt that just failed, 1 for the first run.
 * @param random a number in [0, 1) for the jitter; injectable so tests are exact.
 */
export function retryDecision(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): RetryDecision {
  const failure = classifyFailure(error);
  if (failure.class !== 'retryable') {
    return { retry: false, reason: failure.known ? 'permanent' : 'unclassified' };
  }
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'exhausted' };
  const exponential = policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30);
  const jittered = exponential * (0.5 + random() / 2);
  const delayMs = Math.round(
    Math.min(policy.maxDelayMs, Math.max(jittered, Math.max(0, failure.retryAfterMs ?? 0))),
  );
  return { retry: true, delayMs };
}
