import {
  jobMarkers,
  promptMarkers,
  RATE_LIMIT_WINDOW_MS,
  SLOW_JOB_MS,
  submitRefusal,
  timingFor,
} from './prompt-markers.js';

describe('prompt markers', () => {
  it('finds every documented marker, case-insensitively, anywhere in the prompt', () => {
    expect([...promptMarkers('a cat [sim:moderation] and [SIM:Slow]')]).toEqual(['moderation', 'slow']);
    expect([...promptMarkers('[sim:fail][sim:rate-limit][sim:submit-error][sim:timeout]')]).toEqual([
      'fail',
      'rate-limit',
      'submit-error',
      'timeout',
    ]);
  });

  it('ignores unknown markers, near misses and non-strings', () => {
    expect(promptMarkers('[sim:explode] sim:fail [sim fail] [sim:]').size).toBe(0);
    expect(promptMarkers(undefined).size).toBe(0);
    expect(promptMarkers(42).size).toBe(0);
  });

  it('maps moderation and fail to an outcome (moderation wins), slow and timeout to a pace (timeout wins)', () => {
    expect(jobMarkers(promptMarkers('[sim:moderation]'))).toEqual({ outcome: 'moderation' });
    expect(jobMarkers(promptMarkers('[sim:fail]'))).toEqual({ outcome: 'generation-failure' });
    expect(jobMarkers(promptMarkers('[sim:fail][sim:moderation]')).outcome).toBe('moderation');
    expect(jobMarkers(promptMarkers('[sim:slow]'))).toEqual({ pace: 'slow' });
    expect(jobMarkers(promptMarkers('[sim:slow][sim:timeout]')).pace).toBe('never');
    expect(jobMarkers(promptMarkers('plain'))).toEqual({});
  });

  it('slow jobs take about two minutes; timeout jobs never finish; others keep the configured timing', () => {
    const timing = { queueMs: 1_000, runMs: 3_000 };
    const slow = timingFor(timing, 'slow');
    expect(slow.queueMs + slow.runMs).toBe(SLOW_JOB_MS);
    expect(timingFor(timing, 'never').runMs).toBe(Number.POSITIVE_INFINITY);
    expect(timingFor(timing, undefined)).toBe(timing);
  });

  it('submit-error refuses every submit with a 503', () => {
    const markers = promptMarkers('[sim:submit-error]');
    expect(submitRefusal(markers, undefined, 0)).toEqual({ kind: 'server-error', status: 503 });
    expect(submitRefusal(markers, 0, 10 * RATE_LIMIT_WINDOW_MS)).toEqual({
      kind: 'server-error',
      status: 503,
    });
  });

  it('rate-limit answers 429 from the first submit until the window has passed', () => {
    const markers = promptMarkers('[sim:rate-limit]');
    expect(submitRefusal(markers, undefined, 1_000)).toMatchObject({ kind: 'rate-limit' });
    expect(submitRefusal(markers, 1_000, 1_000 + RATE_LIMIT_WINDOW_MS - 1)).toMatchObject({
      kind: 'rate-limit',
      retryAfterSeconds: expect.any(Number),
    });
    expect(submitRefusal(markers, 1_000, 1_000 + RATE_LIMIT_WINDOW_MS)).toBeUndefined();
    expect(submitRefusal(promptMarkers('plain'), undefined, 0)).toBeUndefined();
  });
});
