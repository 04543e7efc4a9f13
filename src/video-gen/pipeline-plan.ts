/** Where a generation's files live: everything of a user's under `videos/<userId>/`. */
export function videoKeys(
  userId: string,
  generationId: string,
): { video: string; thumbnail: string; lastFrame: string } {
  const base = `videos/${userId}/${generationId}`;
  return { video: `${base}.mp4`, thumbnail: `${base}.jpg`, lastFrame: `${base}-last.png` };
}

export function segmentKey(userId: string, generationId: string, index: number): string {
  return `videos/${userId}/${generationId}/segment-${index}.mp4`;
}

/** The last frame kept of a segment, which the next segment starts from. */
export function lastFrameKey(segmentVideoKey: string): string {
  return `${segmentVideoKey.replace(/\.mp4$/, '')}-last.png`;
}

/**
 * Every object the pipeline may have stored for a generation: the video, thumbnail and last frame, and each segment's
 * video and last frame. Derived from the keys' pattern, never from a segment's `s3Key`: an extension's first
 * segment is its parent's video, which must outlive it.
 */
export function storedResultKeys(userId: string, generationId: string, segmentCount: number): string[] {
  const { video, thumbnail, lastFrame } = videoKeys(userId, generationId);
  const keys = [video, thumbnail, lastFrame];
  for (let index = 0; index < segmentCount; index++) {
    const segment = segmentKey(userId, generationId, index);
    keys.push(segment, lastFrameKey(segment));
  }
  return keys;
}

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
