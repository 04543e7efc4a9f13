import { phaseOf } from './simulator-faults.js';

describe('phaseOf: where a simulated job is, by wall-clock age', () => {
  const timing = { queueMs: 1_000, runMs: 4_000 };

  it('is queued until queueMs, with how far through the wait it is', () => {
    expect(phaseOf(timing, 0)).toEqual({ phase: 'queued', fraction: 0, queueFraction: 0 });
    expect(phaseOf(timing, 500)).toEqual({ phase: 'queued', fraction: 0, queueFraction: 0.5 });
  });

  it('then runs for runMs, with a progress fraction', () => {
    expect(phaseOf(timing, 1_000)).toEqual({ phase: 'running', fraction: 0, queueFraction: 1 });
    expect(phaseOf(timing, 3_000)).toEqual({ phase: 'running', fraction: 0.5, queueFraction: 1 });
  });

  it('is done from queueMs + runMs on, however old (a job accepted before a restart still finishes)', () => {
    expect(phaseOf(timing, 5_000).phase).toBe('done');
    expect(phaseOf(timing, 86_400_000)).toEqual({ phase: 'done', fraction: 1, queueFraction: 1 });
  });

  it('with zero timing is done at once; with an endless run never done', () => {
    expect(phaseOf({ queueMs: 0, runMs: 0 }, 0).phase).toBe('done');
    expect(phaseOf({ queueMs: 0, runMs: Number.POSITIVE_INFINITY }, 1e12).phase).toBe('running');
  });
});
