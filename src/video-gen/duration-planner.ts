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

/**
 * Native extensions (Veo 3.1 extend-video): every call adds the same fixed length, so `seconds` of new video
 * take ceil(seconds / extendSeconds) calls, the last one cut to what was asked. 14 s at 7 s a call ->
 * [7, 7]; 10 s -> [7, 7 cut to 3]. Indexes start at `firstIndex`.
 */
export function planNativeExtension(
  seconds: number,
  extendSeconds: number,
  maxSegments: number,
  firstIndex = 0,
): PlannedSegment[] {
  if (!(seconds > 0)) throw new DurationPlanError('The duration must be positive');
  if (!(extendSeconds > 0)) throw new DurationPlanError('The model has no native extension length');
  const count = Math.ceil(seconds / extendSeconds - 1e-9);
  if (count > maxSegments) {
    throw new DurationPlanError(
      `${seconds}s needs ${count} native extensions of ${extendSeconds}s; at most ${maxSegments} fit`,
    );
  }
  const rest = round3(seconds - (count - 1) * extendSeconds);
  return Array.from({ length: count }, (_, i) => ({
    index: firstIndex + i,
    durationSeconds: extendSeconds,
    ...(i === count - 1 && rest < extendSeconds ? { trimToSeconds: rest } : {}),
  }));
}

/**
 * A chain on a model that extends natively: a first generation of the model's longest native length, then
 * native extensions for the rest (motion and sound carry on instead of restarting from a still frame).
 * 36 s on Veo 3.1: [8, 7, 7, 7, 7]. Up to the longest native length it is an ordinary plan.
 */
export function planNativeChain(
  requestedSeconds: number,
  nativeDurations: readonly number[],
  extendSeconds: number,
  maxSegments = 10,
): PlannedSegment[] {
  const longest = Math.max(...nativeDurations);
  if (requestedSeconds <= longest) return planSegments(requestedSeconds, nativeDurations, maxSegments);
  return [
    { index: 0, durationSeconds: longest },
    ...planNativeExtension(requestedSeconds - longest, extendSeconds, maxSegments - 1, 1),
  ];
}
