/** A delivery is retried for at least this long after it was written, then marked dead. */
export const WEBHOOK_RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Longest wait between two attempts. */
export const WEBHOOK_MAX_RETRY_DELAY_MS = 6 * 60 * 60 * 1000;

/**
 * When to try a failed delivery again: the first retry after `baseMs`, each later one twice as long (at most
 * 6 h). Once the delivery is 24 h old the failure is final ('dead').
 */
export function nextWebhookAttempt(
  attemptCount: number,
  createdAt: Date,
  now: Date,
  baseMs: number,
): Date | 'dead' {
  if (now.getTime() - createdAt.getTime() >= WEBHOOK_RETRY_WINDOW_MS) return 'dead';
  const delay = Math.min(baseMs * 2 ** Math.max(0, attemptCount - 1), WEBHOOK_MAX_RETRY_DELAY_MS);
  return new Date(now.getTime() + delay);
}
