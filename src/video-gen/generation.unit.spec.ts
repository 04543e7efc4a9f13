import {
  canMoveGeneration,
  canMoveSegment,
  GENERATION_STATUSES,
  generationFrom,
  isTerminal,
  SEGMENT_STATUSES,
  segmentFrom,
  toGeneration,
} from './generation.js';

describe('the generation state machine', () => {
  it('ends in succeeded, failed or cancelled, whatever the case, and nowhere else', () => {
    expect(GENERATION_STATUSES.filter((status) => isTerminal({ status }))).toEqual([
      'SUCCEEDED',
      'FAILED',
      'CANCELLED',
    ]);
    expect(['succeeded', 'failed', 'cancelled'].every((status) => isTerminal({ status }))).toBe(true);
    expect(['queued', 'running', 'unknown'].some((status) => isTerminal({ status }))).toBe(false);
  });

  it('never leaves an ended generation', () => {
    for (const from of ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const) {
      for (const to of GENERATION_STATUSES) expect(canMoveGeneration(from, to)).toBe(false);
    }
  });

  it.each([
    ['RUNNING', ['QUEUED']],
    ['SUCCEEDED', ['RUNNING']],
    ['FAILED', ['QUEUED', 'RUNNING']],
    ['CANCELLED', ['QUEUED', 'RUNNING']],
    ['QUEUED', []],
  ] as const)('guards the move of a generation to %s: only from %j', (to, from) => {
    expect(generationFrom(to)).toEqual(from);
  });

  it.each([
    ['SUBMITTING', ['PENDING']],
    ['SUBMITTED', ['SUBMITTING', 'SUBMIT_AMBIGUOUS']],
    ['SUBMIT_AMBIGUOUS', ['SUBMITTING']],
    ['PENDING', ['SUBMITTING', 'SUBMIT_AMBIGUOUS']],
    ['SUCCEEDED', ['SUBMITTED']],
    ['FAILED', ['PENDING', 'SUBMITTING', 'SUBMITTED', 'SUBMIT_AMBIGUOUS']],
    ['CANCELLED', ['PENDING', 'SUBMITTING', 'SUBMITTED', 'SUBMIT_AMBIGUOUS']],
  ] as const)('guards the move of a segment to %s: only from %j', (to, from) => {
    expect(segmentFrom(to)).toEqual(from);
  });

  it('never submits a segment twice: an accepted or ambiguous one is not PENDING again without a look-up', () => {
    expect(canMoveSegment('SUBMITTED', 'PENDING')).toBe(false);
    expect(canMoveSegment('SUBMITTED', 'SUBMITTING')).toBe(false);
    expect(canMoveSegment('SUBMIT_AMBIGUOUS', 'SUBMITTING')).toBe(false);
    for (const from of ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const) {
      for (const to of SEGMENT_STATUSES) expect(canMoveSegment(from, to)).toBe(false);
    }
  });

  it('reads a stored row once: JSON columns typed, segments in index order', () => {
    const row = {
      id: 'g1',
      status: 'RUNNING',
      params: { duration: '16s' },
      segments: [
        { index: 1, status: 'PENDING', providerRef: null },
        { index: 0, status: 'SUBMITTED', providerRef: { provider: 'fal', endpoint: 'e', requestId: 'r' } },
      ],
    };
    const generation = toGeneration(row as unknown as Parameters<typeof toGeneration>[0]);
    expect(generation.params.duration).toBe('16s');
    expect(generation.segments.map((s) => s.index)).toEqual([0, 1]);
    expect(generation.segments[0].providerRef).toEqual({ provider: 'fal', endpoint: 'e', requestId: 'r' });
    expect(generation.segments[1].providerRef).toBeNull();
  });
});
