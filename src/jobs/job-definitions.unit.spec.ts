import { allQueues, JobName, missingHandlers, queueFor } from './job-definitions.js';

describe('job definitions', () => {
  it('routes a generation to its provider’s queue', () => {
    expect(queueFor(JobName.GenerationRun, { generationId: 'g', provider: 'fal' })).toBe('generation.fal');
    expect(queueFor(JobName.GenerationRun, { generationId: 'g', provider: 'azure' })).toBe(
      'generation.azure',
    );
    expect(queueFor(JobName.GenerationRun, { generationId: 'g', provider: 'local' })).toBe(
      'generation.local',
    );
    expect(queueFor(JobName.GenerationSweep, {})).toBe('generation.sweep');
  });

  it('refuses a provider without a queue', () => {
    expect(() => queueFor(JobName.GenerationRun, { generationId: 'g', provider: 'runway' as 'fal' })).toThrow(
      'Job generation.run has no queue "generation.runway"',
    );
  });

  it('lists every queue once, each exclusive (one queued-or-running job per key)', () => {
    expect(allQueues()).toEqual([
      { name: 'generation.run', queue: 'generation.fal', lane: 'fal', policy: 'exclusive' },
      { name: 'generation.run', queue: 'generation.azure', lane: 'azure', policy: 'exclusive' },
      { name: 'generation.run', queue: 'generation.local', lane: 'local', policy: 'exclusive' },
      { name: 'generation.sweep', queue: 'generation.sweep', policy: 'exclusive' },
      { name: 'result.retention', queue: 'result.retention', policy: 'exclusive' },
    ]);
  });

  it('names the expected jobs that have no handler', () => {
    expect(
      missingHandlers([JobName.GenerationRun, JobName.GenerationSweep], [JobName.GenerationRun]),
    ).toEqual([JobName.GenerationSweep]);
    expect(
      missingHandlers([JobName.GenerationRun], [JobName.GenerationRun, JobName.GenerationSweep]),
    ).toEqual([]);
  });
});
