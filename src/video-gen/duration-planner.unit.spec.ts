import {
  DurationPlanError,
  parseDurationLabel,
  planNativeChain,
  planNativeExtension,
  planSegments,
} from './duration-planner.js';

const VEO3 = [4, 6, 8];
const SORA2 = [4, 8, 12];

describe('planSegments', () => {
  it('uses one native segment when the duration is native', () => {
    expect(planSegments(8, VEO3)).toEqual([{ index: 0, durationSeconds: 8 }]);
    expect(planSegments(4, VEO3)).toEqual([{ index: 0, durationSeconds: 4 }]);
  });

  it('trims the shortest native segment that covers a shorter duration (seed: 5s on Veo 3)', () => {
    expect(planSegments(5, VEO3)).toEqual([{ index: 0, durationSeconds: 6, trimToSeconds: 5 }]);
  });

  it('chains exact native segments for a longer duration (seed: 10s on Veo 3 is 6 s + 4 s)', () => {
    expect(planSegments(10, VEO3)).toEqual([
      { index: 0, durationSeconds: 6 },
      { index: 1, durationSeconds: 4 },
    ]);
  });

  it('plans 36 s on Sora 2 as three 12 s segments (seed 000: chain_videos.py --duration 36)', () => {
    expect(planSegments(36, SORA2).map((s) => s.durationSeconds)).toEqual([12, 12, 12]);
  });

  it('trims the last segment when no exact sum exists', () => {
    expect(planSegments(13, SORA2)).toEqual([
      { index: 0, durationSeconds: 12 },
      { index: 1, durationSeconds: 4, trimToSeconds: 1 },
    ]);
    expect(planSegments(2.5, VEO3)).toEqual([{ index: 0, durationSeconds: 4, trimToSeconds: 2.5 }]);
  });

  it('never plans fewer seconds than requested', () => {
    for (let seconds = 1; seconds <= 60; seconds++) {
      const plan = planSegments(seconds, VEO3, 20);
      const delivered = plan.reduce((sum, s) => sum + (s.trimToSeconds ?? s.durationSeconds), 0);
      expect(delivered).toBeCloseTo(seconds, 6);
      expect(plan.filter((s) => s.trimToSeconds !== undefined).length).toBeLessThanOrEqual(1);
    }
  });

  it('refuses what it cannot plan', () => {
    expect(() => planSegments(0, VEO3)).toThrow(DurationPlanError);
    expect(() => planSegments(100, VEO3, 3)).toThrow(/more than 3 segments/);
    expect(() => planSegments(8, [])).toThrow(/no native durations/);
  });
});

describe('parseDurationLabel', () => {
  it('reads the seed’s duration strings', () => {
    expect(parseDurationLabel('5s')).toBe(5);
    expect(parseDurationLabel('10s')).toBe(10);
    expect(() => parseDurationLabel('10')).toThrow(DurationPlanError);
  });
});

describe('native extensions (Veo 3.1 extend-video adds 7 s a call)', () => {
  it('plans whole extensions, cutting the last one to what was asked', () => {
    expect(planNativeExtension(7, 7, 10, 1)).toEqual([{ index: 1, durationSeconds: 7 }]);
    expect(planNativeExtension(14, 7, 10, 1)).toEqual([
      { index: 1, durationSeconds: 7 },
      { index: 2, durationSeconds: 7 },
    ]);
    expect(planNativeExtension(10, 7, 10)).toEqual([
      { index: 0, durationSeconds: 7 },
      { index: 1, durationSeconds: 7, trimToSeconds: 3 },
    ]);
    expect(() => planNativeExtension(30, 7, 3)).toThrow(DurationPlanError);
  });

  it('chains: the longest native generation, then extensions', () => {
    expect(planNativeChain(36, VEO3, 7).map((s) => s.durationSeconds)).toEqual([8, 7, 7, 7, 7]);
    expect(planNativeChain(20, VEO3, 7)).toEqual([
      { index: 0, durationSeconds: 8 },
      { index: 1, durationSeconds: 7 },
      { index: 2, durationSeconds: 7, trimToSeconds: 5 },
    ]);
    expect(planNativeChain(6, VEO3, 7)).toEqual([{ index: 0, durationSeconds: 6 }]);
  });
});
