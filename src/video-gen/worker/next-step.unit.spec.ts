import { aGeneration, aSegment } from '../../../test/support/domain-generations.js';
import type { SegmentHandover } from '../../jobs/job-definitions.js';
import type { GenerationStatus, Segment } from '../generation.js';
import { nextStep, type Step } from './next-step.js';

const made = (i: number) => aSegment(i, 'SUCCEEDED');
const succeeded = (segmentId: string): SegmentHandover => ({ segmentId, outcome: 'succeeded' });
const failed = (segmentId: string): SegmentHandover => ({
  segmentId,
  outcome: 'failed',
  code: 'PROVIDER_GENERATION_FAILED',
  message: 'boom',
});

/** Description, generation status, segments, the job's verdict, the step, and the segment it is for (or null). */
type Row = [string, GenerationStatus, Segment[], SegmentHandover | undefined, Step['kind'], number | null];

describe('nextStep', () => {
  const table: Row[] = [
    ['an ended generation: nothing', 'SUCCEEDED', [made(0)], undefined, 'ended', null],
    [
      'a failed one, even with a verdict: nothing',
      'FAILED',
      [aSegment(0, 'SUBMITTED')],
      succeeded('s0'),
      'ended',
      null,
    ],
    ['a cancelled one: nothing', 'CANCELLED', [aSegment(0, 'CANCELLED')], undefined, 'ended', null],
    ['a queued one: start it', 'QUEUED', [aSegment(0, 'PENDING')], undefined, 'start', null],
    ['a pending first segment: submit it', 'RUNNING', [aSegment(0, 'PENDING')], undefined, 'submit', 0],
    [
      'the first segment not made is the next to submit',
      'RUNNING',
      [made(0), aSegment(1, 'PENDING')],
      undefined,
      'submit',
      1,
    ],
    [
      'a submit cut short: resolve it at the provider',
      'RUNNING',
      [aSegment(0, 'SUBMITTING')],
      undefined,
      'resolve',
      0,
    ],
    [
      'an ambiguous submit: resolve it',
      'RUNNING',
      [made(0), aSegment(1, 'SUBMIT_AMBIGUOUS')],
      undefined,
      'resolve',
      1,
    ],
    [
      'at the provider, no verdict: back to the poller',
      'RUNNING',
      [aSegment(0, 'SUBMITTED')],
      undefined,
      'wait',
      0,
    ],
    [
      'at the provider, made: receive it',
      'RUNNING',
      [aSegment(0, 'SUBMITTED')],
      succeeded('s0'),
      'receive',
      0,
    ],
    [
      'at the provider, failed there: fail',
      'RUNNING',
      [made(0), aSegment(1, 'SUBMITTED')],
      failed('s1'),
      'fail',
      1,
    ],
    [
      'a verdict on another segment is stale: wait',
      'RUNNING',
      [made(0), aSegment(1, 'SUBMITTED')],
      succeeded('s0'),
      'wait',
      1,
    ],
    [
      'a verdict on a segment already received: go on',
      'RUNNING',
      [made(0), aSegment(1, 'PENDING')],
      succeeded('s0'),
      'submit',
      1,
    ],
    ['every segment made: assemble', 'RUNNING', [made(0), made(1), made(2)], undefined, 'assemble', null],
    [
      'every segment made, a stale verdict: assemble',
      'RUNNING',
      [made(0)],
      succeeded('s0'),
      'assemble',
      null,
    ],
    [
      'a segment failed under a running generation: stop',
      'RUNNING',
      [made(0), aSegment(1, 'FAILED')],
      undefined,
      'stop',
      1,
    ],
    ['a segment cancelled: stop', 'RUNNING', [aSegment(0, 'CANCELLED')], undefined, 'stop', 0],
    [
      'made but not stored: stop rather than receive twice',
      'RUNNING',
      [aSegment(0, 'SUCCEEDED', { s3Key: null })],
      undefined,
      'stop',
      0,
    ],
  ];

  it.each(table)('%s', (_, status, segments, handover, kind, index) => {
    const step = nextStep(aGeneration(status, segments), handover);
    expect(step.kind).toBe(kind);
    if (index !== null) expect('segment' in step && step.segment.index).toBe(index);
  });

  it('takes the segments in index order whatever order they come in', () => {
    const step = nextStep(aGeneration('RUNNING', [aSegment(1, 'PENDING'), made(0)]));
    expect(step).toMatchObject({ kind: 'submit', segment: { index: 1 } });
  });

  it('fails with the reason the poller handed over', () => {
    const step = nextStep(aGeneration('RUNNING', [aSegment(0, 'SUBMITTED')]), failed('s0'));
    expect(step).toMatchObject({ kind: 'fail', code: 'PROVIDER_GENERATION_FAILED', message: 'boom' });
  });
});
