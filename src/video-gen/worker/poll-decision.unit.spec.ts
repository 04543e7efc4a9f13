import {
  ProviderFailedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderTransientError,
} from '../../providers/provider-errors.js';
import { pollDecision, verdictOf } from './poll-decision.js';
import type { DueSegment } from './segment-poll.repository.js';

const timing = { pollIntervalMs: 2_000, maxPollIntervalMs: 8_000 };
const noJitter = () => 0.5;

function due(overrides: Partial<DueSegment> = {}): DueSegment {
  return {
    id: 's1',
    generationId: 'g1',
    index: 0,
    segmentCount: 1,
    providerRef: { provider: 'fal', endpoint: 'fal-ai/veo3', requestId: 'r1' },
    progress: null,
    queuePosition: 3,
    pollAttempts: 0,
    ...overrides,
  } as DueSegment;
}

describe('pollDecision', () => {
  it('hands a finished, failed or cancelled segment to a job', () => {
    for (const state of ['succeeded', 'failed', 'cancelled'] as const) {
      expect(pollDecision(due(), { result: { state } }, timing, noJitter)).toEqual({ kind: 'hand-off' });
    }
  });

  it('polls a queued segment again with exponential backoff up to the longest interval', () => {
    const delays = [0, 1, 2, 3, 4, 10].map((pollAttempts) => {
      const decision = pollDecision(
        due({ pollAttempts }),
        { result: { state: 'queued', queuePosition: 3 } },
        timing,
        noJitter,
      );
      if (decision.kind !== 'again') throw new Error('expected again');
      expect(decision.update.pollAttempts).toBe(pollAttempts + 1);
      return decision.update.delayMs;
    });
    expect(delays).toEqual([2000, 3000, 4500, 6750, 8000, 8000]);
  });

  it('writes the generation only when progress or queue position changed', () => {
    const same = pollDecision(due(), { result: { state: 'queued', queuePosition: 3 } }, timing, noJitter);
    expect(same.kind === 'again' && same.update.generationProgress).toBeUndefined();
    const moved = pollDecision(due(), { result: { state: 'queued', queuePosition: 1 } }, timing, noJitter);
    expect(moved.kind === 'again' && moved.update.generationProgress).toEqual({
      progress: null,
      queuePosition: 1,
    });
  });

  it('reports a chained segment’s progress as a share of the whole generation', () => {
    const decision = pollDecision(
      due({ index: 1, segmentCount: 2, queuePosition: null }),
      { result: { state: 'running', progress: 50 } },
      timing,
      noJitter,
    );
    expect(decision.kind === 'again' && decision.update).toMatchObject({
      progress: 50,
      queuePosition: null,
      generationProgress: { progress: 75, queuePosition: null },
    });
  });

  it('keeps polling through passing errors, honouring Retry-After', () => {
    const limited = pollDecision(
      due({ pollAttempts: 5 }),
      { error: new ProviderRateLimitedError('fal', 'slow down', 12_345) },
      timing,
      noJitter,
    );
    expect(limited.kind === 'again' && limited.update.delayMs).toBe(12_345);
    const transient = pollDecision(
      due({ pollAttempts: 1, progress: 40, queuePosition: null }),
      { error: new ProviderTransientError('fal', 'socket hang up') },
      timing,
      noJitter,
    );
    expect(transient.kind === 'again' && transient.update).toMatchObject({
      delayMs: 3000,
      progress: 40,
      queuePosition: null,
    });
    expect(transient.kind === 'again' && transient.update.generationProgress).toBeUndefined();
  });

  it('hands errors that will not pass to a job, which fails the generation', () => {
    for (const error of [
      new ProviderRejectedError('fal', 'moderation', 'refused'),
      new ProviderFailedError('fal', 'generation_failed', 'boom'),
      new TypeError('bug'),
    ]) {
      expect(pollDecision(due(), { error }, timing, noJitter)).toEqual({ kind: 'hand-off' });
    }
  });
});

describe('verdictOf', () => {
  it('hands over a made segment as made', () => {
    expect(verdictOf(due(), { result: { state: 'succeeded' } })).toEqual({
      segmentId: 's1',
      outcome: 'succeeded',
    });
  });

  it('hands over a failure with the reason the user sees, so the job need not ask again', () => {
    expect(
      verdictOf(due(), {
        result: { state: 'failed', error: new ProviderFailedError('fal', 'generation_failed', 'boom') },
      }),
    ).toEqual({ segmentId: 's1', outcome: 'failed', code: 'PROVIDER_GENERATION_FAILED', message: 'boom' });
    expect(verdictOf(due(), { result: { state: 'failed' } })).toMatchObject({ code: 'PROVIDER_FAILED' });
    expect(verdictOf(due(), { result: { state: 'cancelled' } })).toMatchObject({
      code: 'PROVIDER_CANCELLED',
    });
    expect(
      verdictOf(due(), { error: new ProviderRejectedError('fal', 'moderation', 'refused') }),
    ).toMatchObject({
      outcome: 'failed',
      code: 'MODERATION',
    });
  });
});
