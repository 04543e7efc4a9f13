/**
 * How long to wait before polling the provider again: exponential from `baseMs` up to `maxMs`, with
 * +-20% jitter so many generations started together do not poll in lockstep.
 */
export function nextPollDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(maxMs, baseMs * 1.5 ** Math.max(0, attempt));
  const jitter = 0.8 + random() * 0.4;
  return Math.round(Math.min(maxMs, exponential * jitter));
}

/** A generation's progress from its current segment's: segments count equally; 100 only once stored. */
export function overallProgress(
  segmentIndex: number,
  segmentProgress: number | undefined,
  segmentCount: number,
): number | undefined {
  if (segmentProgress === undefined) return undefined;
  return Math.min(99, Math.floor((segmentIndex * 100 + segmentProgress) / segmentCount));
}
