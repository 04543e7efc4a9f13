import type { FailureCode } from '../../common/failures/failure-code.js';
import type { SegmentHandover } from '../../jobs/job-definitions.js';
import { type Generation, isStored, isTerminal, type Segment } from '../generation.js';

/**
 * What the generation job does next, from the stored generation and the poller's verdict (if this job
 * carries one). Pure. The job loops: do the step, reload, ask again, until a step hands the generation to
 * someone else (the poller, the provider's queue) or it has ended.
 * - `ended`: succeeded, failed or cancelled: nothing to do.
 * - `start`: QUEUED: mark it RUNNING.
 * - `stop`: a segment failed or was cancelled under a running generation (a settlement is under way): stop.
 * - `submit`: the first segment not made is PENDING: submit it (its provider may be full: it then waits).
 * - `resolve`: its submit has an unknown outcome (or a worker died mid-submit): ask the provider, never resubmit.
 * - `wait`: it is at the provider and this job has no verdict on it: back to the poller.
 * - `receive`: the poller says the provider made it: download, check and store it.
 * - `fail`: the poller says the provider failed or cancelled it, or answered with an error that does not pass.
 * - `assemble`: every segment is stored: stitch, thumbnail, settle.
 */
export type Step =
  | { kind: 'ended' }
  | { kind: 'start' }
  | { kind: 'stop'; segment: Segment }
  | { kind: 'submit'; segment: Segment }
  | { kind: 'resolve'; segment: Segment }
  | { kind: 'wait'; segment: Segment }
  | { kind: 'receive'; segment: Segment }
  | { kind: 'fail'; segment: Segment; code: FailureCode; message: string }
  | { kind: 'assemble' };

export function nextStep(generation: Generation, handover?: SegmentHandover): Step {
  if (isTerminal(generation)) return { kind: 'ended' };
  if (generation.status === 'QUEUED') return { kind: 'start' };
  const segment = [...generation.segments].sort((a, b) => a.index - b.index).find((s) => !isStored(s));
  if (!segment) return { kind: 'assemble' };
  switch (segment.status) {
    case 'PENDING':
      return { kind: 'submit', segment };
    case 'SUBMITTING':
    case 'SUBMIT_AMBIGUOUS':
      return { kind: 'resolve', segment };
    case 'SUBMITTED': {
      // A verdict on another segment (or one already received by an earlier try of this job) is stale.
      if (!handover || handover.segmentId !== segment.id) return { kind: 'wait', segment };
      if (handover.outcome === 'succeeded') return { kind: 'receive', segment };
      return { kind: 'fail', segment, code: handover.code, message: handover.message };
    }
    default:
      // SUCCEEDED without a stored video cannot be received again; FAILED or CANCELLED: settled elsewhere.
      return { kind: 'stop', segment };
  }
}
