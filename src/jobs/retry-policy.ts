import { PermanentJobError, TransientJobError } from './job-errors.js';

/**
 * The one place that decides whether a failed job runs again, and when.
 *
 * - `PermanentJobError`: never retried.
 * - `TransientJobError`, or an error that is known to be passing (network errors, PostgreSQL
 *   serialization failures, deadlocks, connection loss; see TRANSIENT_CODES), anywhere in the `cause`
 *   chain: retried until `maxAttempts` attempts have run.
 * - Anything else (a bug, an unexpected answer): not retried. Retrying an unknown failure repeats its side
 *   effects (provider submissions, charges); the job fails and the handler's own recovery takes over.
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

/** Error codes of failures that pass by themselves: Node network errors and PostgreSQL/Prisma connection trouble. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57P01', // admin_shutdown (database restarting)
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08003',
  '08006',
  'P1001', // Prisma: can't reach database server
  'P1017', // Prisma: server closed the connection
  'P2034', // Prisma: transaction write conflict or deadlock
]);

export type ErrorClass = 'permanent' | 'transient' | 'unclassified';

/** Walks the `cause` chain: the nearest explicit classification wins. */
export function classifyError(error: unknown): ErrorClass {
  const seen = new Set<unknown>();
  for (let current = error; current && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    if (current instanceof PermanentJobError) return 'permanent';
    if (current instanceof TransientJobError) return 'transient';
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return 'transient';
  }
  return 'unclassified';
}

function retryAfterOf(error: unknown): number {
  const seen = new Set<unknown>();
  for (let current = error; current && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    if (current instanceof TransientJobError && current.retryAfterMs !== undefined) {
      return Math.max(0, current.retryAfterMs);
    }
  }
  return 0;
}

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
  const kind = classifyError(error);
  if (kind !== 'transient') return { retry: false, reason: kind };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'exhausted' };
  const exponential = policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30);
  const jittered = exponential * (0.5 + random() / 2);
  const delayMs = Math.round(Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterOf(error))));
  return { retry: true, delayMs };
}
