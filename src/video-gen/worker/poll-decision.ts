import { classifyFailure } from '../../common/failures/failure.classifier.js';
import type { SegmentHandover } from '../../jobs/job-definitions.js';
import type { PollResult } from '../../providers/video-provider.js';
import { nextPollDelay, overallProgress } from './poll-timing.js';
import type { DueSegment, PollUpdate } from './segment-poll.repository.js';
import { GenerationFailure, toFailure } from './job-failure.js';

export interface PollTiming {
  pollIntervalMs: number;
  maxPollIntervalMs: number;
}

/**
 * What the poller does after asking the provider about a segment. Pure.
 * - `hand-off`: the provider has finished, failed or cancelled it, or answered with an error that is not
 *   passing: a generation job takes over (receives the video, or fails and refunds).
 * - `again`: still queued or running, or a passing error: poll again later (exponential with jitter up
 *   to the longest interval, or the provider's Retry-After), writing progress only for what changed.
 */
export function pollDecision(
  segment: DueSegment,
  answer: { result: PollResult } | { error: unknown },
  timing: PollTiming,
  random: () => number = Math.random,
): { kind: 'hand-off' } | { kind: 'again'; update: PollUpdate } {
  const base = {
    id: segment.id,
    generationId: segment.generationId,
    pollAttempts: segment.pollAttempts + 1,
  };
  if ('error' in answer) {
    const failure = classifyFailure(answer.error);
    if (failure.class !== 'retryable') return { kind: 'hand-off' };
    const delayMs =
      failure.retryAfterMs ??
      nextPollDelay(segment.pollAttempts, timing.pollIntervalMs, timing.maxPollIntervalMs, random);
    return {
      kind: 'again',
      update: { ...base, delayMs, progress: segment.progress, queuePosition: segment.queuePosition },
    };
  }
  const { result } = answer;
  if (result.state !== 'queued' && result.state !== 'running') return { kind: 'hand-off' };
  const progress = result.progress ?? null;
  const queuePosition = result.queuePosition ?? null;
  const changed = progress !== segment.progress || queuePosition !== segment.queuePosition;
  return {
    kind: 'again',
    update: {
      ...base,
      delayMs: nextPollDelay(segment.pollAttempts, timing.pollIntervalMs, timing.maxPollIntervalMs, random),
      progress,
      queuePosition,
      ...(changed
        ? {
            generationProgress: {
              progress: overallProgress(segment.index, result.progress, segment.segmentCount) ?? null,
              queuePosition,
            },
          }
        : {}),
    },
  };
}

/**
 * What the provider's answer means for the generation, as the job's data carries it: made (receive it), or
 * failed with the reason the user will see (failed or cancelled at the provider, or an error that does not pass).
 */
export function verdictOf(
  segment: Pick<DueSegment, 'id'>,
  answer: { result: PollResult } | { error: unknown },
): SegmentHandover {
  if ('result' in answer && answer.result.state === 'succeeded') {
    return { segmentId: segment.id, outcome: 'succeeded' };
  }
  const failure =
    'error' in answer
      ? toFailure(answer.error)
      : answer.result.state === 'failed'
        ? toFailure(answer.result.error ?? new GenerationFailure('PROVIDER_FAILED', 'The provider failed'))
        : new GenerationFailure('PROVIDER_CANCELLED', 'The provider cancelled the job');
  return { segmentId: segment.id, outcome: 'failed', code: failure.code, message: failure.message };
}
