import { tmpdir } from 'node:os';
import { aGeneration, aSegment } from '../../../test/support/domain-generations.js';
import type { AppConfig } from '../../config/app-config.js';
import { TransientJobError } from '../../jobs/job-errors.js';
import type { SegmentHandover } from '../../jobs/job-definitions.js';
import type { ModelCatalog } from '../../providers/model-catalog.js';
import type { ObjectStorage } from '../../storage/object-storage.js';
import type { Generation } from '../generation.js';
import type { GenerationSettlement } from '../generation-settlement.service.js';
import type { EndReason, GenerationsRepository } from '../generations.repository.js';
import type { SegmentPollRepository } from './segment-poll.repository.js';
import type { AssembleStep } from './assemble.step.js';
import { GenerationWorker } from './generation.worker.js';
import type { ReceiveStep } from './receive.step.js';
import type { SubmitStep } from './submit.step.js';

/** The worker's loop over in-memory fakes of its ports: which steps run for which stored state and verdict. */
function harness(initial: Generation, receiveError?: Error) {
  let state = initial;
  const calls: string[] = [];
  const failures: EndReason[] = [];
  const generations = {
    load: async () => state,
    start: async () => {
      calls.push('start');
      state = { ...state, status: 'RUNNING' };
      return true;
    },
  } as unknown as GenerationsRepository;
  const polls = {
    schedule: async (segmentId: string) => void calls.push(`back to poller ${segmentId}`),
  } as unknown as SegmentPollRepository;
  const settlement = {
    succeed: async () => {
      calls.push('succeed');
      state = { ...state, status: 'SUCCEEDED' };
      return true;
    },
    fail: async (_id: string, reason: EndReason) => {
      calls.push('fail');
      failures.push({ code: reason.code, message: reason.message });
    },
    removeResultIfEnded: async () => undefined,
  } as unknown as GenerationSettlement;
  const submit = {
    submit: async (_g: Generation, _m: unknown, segment: { id: string }) => {
      calls.push(`submit ${segment.id}`);
      state = {
        ...state,
        segments: state.segments.map((s) => (s.id === segment.id ? { ...s, status: 'SUBMITTED' } : s)),
      };
      return 'at-provider';
    },
  } as unknown as SubmitStep;
  const receive = {
    receive: async (_g: Generation, segment: { id: string; index: number }) => {
      calls.push(`receive ${segment.id}`);
      if (receiveError) throw receiveError;
      state = {
        ...state,
        segments: state.segments.map((s) =>
          s.id === segment.id ? { ...s, status: 'SUCCEEDED', s3Key: `k${s.index}` } : s,
        ),
      };
    },
  } as unknown as ReceiveStep;
  const assemble = {
    assemble: async () => {
      calls.push('assemble');
      return { s3Key: 'v' };
    },
  } as unknown as AssembleStep;
  const catalog = { find: () => ({ name: 'veo3', provider: 'fal' }) } as unknown as ModelCatalog;
  const storage = { get: async () => ({ body: [] }) } as unknown as ObjectStorage;
  const config = { dataDir: tmpdir(), generation: { pollIntervalMs: 1000 } } as unknown as AppConfig;
  const worker = new GenerationWorker(
    generations,
    polls,
    settlement,
    submit,
    receive,
    assemble,
    catalog,
    storage,
    config,
  );
  return { worker, calls, failures };
}

const verdict = (segmentId: string, outcome: 'succeeded' | 'failed'): SegmentHandover =>
  outcome === 'succeeded'
    ? { segmentId, outcome }
    : { segmentId, outcome, code: 'PROVIDER_GENERATION_FAILED', message: 'boom' };

describe('GenerationWorker', () => {
  it('starts a queued generation, submits its first segment and leaves it to the poller', async () => {
    const { worker, calls } = harness(aGeneration('QUEUED', [aSegment(0, 'PENDING')]));
    await worker.run('g1');
    expect(calls).toEqual(['start', 'submit s0']);
  });

  it('receives a segment the poller says is made, submits the next, and stops there', async () => {
    const { worker, calls } = harness(
      aGeneration('RUNNING', [aSegment(0, 'SUBMITTED'), aSegment(1, 'PENDING')]),
    );
    await worker.run('g1', { handover: verdict('s0', 'succeeded') });
    expect(calls).toEqual(['receive s0', 'submit s1']);
  });

  it('receives the last segment, assembles and settles as succeeded', async () => {
    const { worker, calls } = harness(
      aGeneration('RUNNING', [aSegment(0, 'SUCCEEDED'), aSegment(1, 'SUBMITTED')]),
    );
    await worker.run('g1', { handover: verdict('s1', 'succeeded') });
    expect(calls).toEqual(['receive s1', 'assemble', 'succeed']);
  });

  it('gives a submitted segment back to the poller when the job carries no verdict: it never asks the provider', async () => {
    const { worker, calls } = harness(aGeneration('RUNNING', [aSegment(0, 'SUBMITTED')]));
    await worker.run('g1');
    expect(calls).toEqual(['back to poller s0']);
  });

  it('settles a provider failure handed over by the poller as failed, with its reason', async () => {
    const { worker, calls, failures } = harness(aGeneration('RUNNING', [aSegment(0, 'SUBMITTED')]));
    await worker.run('g1', { handover: verdict('s0', 'failed') });
    expect(calls).toEqual(['fail']);
    expect(failures).toEqual([{ code: 'PROVIDER_GENERATION_FAILED', message: 'boom' }]);
  });

  it('does nothing for a generation that has ended', async () => {
    const { worker, calls } = harness(aGeneration('CANCELLED', [aSegment(0, 'CANCELLED')]));
    await worker.run('g1', { handover: verdict('s0', 'succeeded') });
    expect(calls).toEqual([]);
  });

  it('leaves passing trouble to the queue’s retry while retries remain', async () => {
    const { worker, calls } = harness(
      aGeneration('RUNNING', [aSegment(0, 'SUBMITTED')]),
      new TransientJobError('bucket away'),
    );
    await expect(worker.run('g1', { handover: verdict('s0', 'succeeded') })).rejects.toThrow(
      TransientJobError,
    );
    expect(calls).toEqual(['receive s0']);
  });

  it('fails and refunds at once when the last attempt meets passing trouble', async () => {
    const { worker, calls, failures } = harness(
      aGeneration('RUNNING', [aSegment(0, 'SUBMITTED')]),
      new TransientJobError('bucket away'),
    );
    await worker.run('g1', { handover: verdict('s0', 'succeeded'), lastAttempt: true });
    expect(calls).toEqual(['receive s0', 'fail']);
    expect(failures[0].code).toBe('RETRIES_EXHAUSTED');
  });
});
