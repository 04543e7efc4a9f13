/** One provider call in a generation: its native duration and, for the last one, where to cut it. */
export interface PlannedSegment {
  index: number;
  durationSeconds: number;
  /** Cut the segment to this length after generation (the model cannot make it exactly). */
  trimToSeconds?: number;
}

export class DurationPlanError extends Error {}

/**
 * Turns a requested duration into the model's native segment durations.
 * Exact sums are preferred (no paid seconds thrown away), then the fewest segments, then longer
 * segments first; when no exact sum exists the last segment is trimmed. Veo 3 (4/6/8 s): 8 -> [8],
 * 5 -> [6 cut to 5], 10 -> [6, 4]. Sora 2 (4/8/12 s): 36 -> [12, 12, 12].
 */
export function planSegments(
  requestedSeconds: number,
  nativeDurations: readonly number[],
  maxSegments = 10,
): PlannedSegment[] {
  if (!(requestedSeconds > 0)) throw new DurationPlanError('The duration must be positive');
  const natives = [...new Set(nativeDurations)].filter((d) => d > 0).sort((a, b) => b - a);
  if (natives.length === 0) throw new DurationPlanError('The model has no native durations');

  const exact = fewestSegmentsSummingTo(requestedSeconds, natives, maxSegments);
  if (exact) return exact.map((durationSeconds, index) => ({ index, durationSeconds }));

  // No exact sum: the fewest segments that cover the duration, wasting as little as possible.
  let best: number[] | undefined;
  for (let count = 1; count <= maxSegments && !best; count++) {
    for (const combo of combinations(natives, count)) {
      const total = combo.reduce((a, b) => a + b, 0);
      if (total < requestedSeconds) continue;
      const bestTotal = best?.reduce((a, b) => a + b, 0) ?? Infinity;
      if (total < bestTotal) best = combo;
    }
  }
  if (!best) {
    throw new DurationPlanError(
      `${requestedSeconds}s needs more than ${maxSegments} segments of at most ${natives[0]}s`,
    );
  }
  return best.map((durationSeconds, index) => ({
    index,
    durationSeconds,
    ...(index === best!.length - 1
      ? { trimToSeconds: round3(requestedSeconds - best!.slice(0, -1).reduce((a, b) => a + b, 0)) }
      : {}),
  }));
}

function fewestSegmentsSummingTo(
  target: number,
  natives: number[],
  maxSegments: number,
): number[] | undefined {
  for (let count = 1; count <= maxSegments; count++) {
    for (const combo of combinations(natives, count)) {
      if (Math.abs(combo.reduce((a, b) => a + b, 0) - target) < 1e-9) return combo;
    }
  }
  return undefined;
}

/** Multisets of `count` durations, each in descending order, longest combinations first. */
function* combinations(natives: number[], count: number, start = 0): Generator<number[]> {
  if (count === 0) {
    yield [];
    return;
  }
  for (let i = start; i < natives.length; i++) {
    for (const rest of combinations(natives, count - 1, i)) yield [natives[i], ...rest];
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** "8s" -> 8. The seed's durations are strings with an "s" suffix. */
export function parseDurationLabel(label: string): number {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(label);
  if (!match) throw new DurationPlanError(`Not a duration: ${label}`);
  return Number(match[1]);
}
