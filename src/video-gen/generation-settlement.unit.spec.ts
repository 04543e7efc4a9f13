import { aGeneration, aSegment } from '../../test/support/domain-generations.js';
import { Decimal } from '../credits/credit-amount.js';
import { partialDelivery, providerCancels } from './generation-settlement.js';
import type { EndReason } from './generations.repository.js';

const failure: EndReason = { code: 'PROVIDER_GENERATION_FAILED', message: 'boom' };

describe('partialDelivery', () => {
  it('a chain delivers its first made segments and is charged their share, rounded down', () => {
    const chain = aGeneration('RUNNING', [
      aSegment(0, 'SUCCEEDED'),
      aSegment(1, 'SUCCEEDED', { trimToSeconds: null }),
      aSegment(2, 'SUBMITTED'),
    ]);
    const delivery = partialDelivery(chain, failure)!;
    expect(delivery.segments.map((s) => s.index)).toEqual([0, 1]);
    expect(delivery.capture.toString()).toBe('20'); // 30 reserved, 2 of 3 segments
    expect(delivery.deliveredSeconds).toBe(16);
    expect(delivery.reason).toEqual({
      code: 'PROVIDER_GENERATION_FAILED',
      message: 'Segment 3 of 3 failed (boom); the first 2 are delivered and the rest refunded',
    });
  });

  it('counts a trimmed segment by its trimmed length', () => {
    const chain = aGeneration('RUNNING', [
      aSegment(0, 'SUCCEEDED', {
        trimToSeconds: new Decimal(5),
      }),
      aSegment(1, 'PENDING'),
    ]);
    expect(partialDelivery(chain, failure)?.deliveredSeconds).toBe(5);
  });

  it('only the contiguous first segments: a hole cannot be stitched over', () => {
    const chain = aGeneration('RUNNING', [
      aSegment(0, 'SUCCEEDED'),
      aSegment(1, 'FAILED'),
      aSegment(2, 'SUCCEEDED'),
    ]);
    expect(partialDelivery(chain, failure)?.segments.map((s) => s.index)).toEqual([0]);
  });

  it.each([
    ['nothing made yet', aGeneration('RUNNING', [aSegment(0, 'SUBMITTED'), aSegment(1, 'PENDING')]), failure],
    [
      'not a chain',
      aGeneration('RUNNING', [aSegment(0, 'SUCCEEDED'), aSegment(1, 'SUBMITTED')], { kind: 'EXTEND' }),
      failure,
    ],
    [
      'the first segment missing',
      aGeneration('RUNNING', [aSegment(0, 'FAILED'), aSegment(1, 'SUCCEEDED')]),
      failure,
    ],
    [
      'a cancel',
      aGeneration('RUNNING', [aSegment(0, 'SUCCEEDED'), aSegment(1, 'PENDING')]),
      { code: 'CANCELLED', message: 'x' } as EndReason,
    ],
  ])('delivers nothing partial when %s: it fails and refunds in full', (_, generation, reason) => {
    expect(partialDelivery(generation, reason)).toBeUndefined();
  });
});

describe('providerCancels', () => {
  it('cancels at the provider exactly the segments it accepted and has not finished', () => {
    const generation = aGeneration('RUNNING', [
      aSegment(0, 'SUCCEEDED'),
      aSegment(1, 'SUBMITTED'),
      aSegment(2, 'SUBMITTING'),
      aSegment(3, 'FAILED', { providerRef: { provider: 'fal', endpoint: 'e', requestId: 'failed-there' } }),
      aSegment(4, 'PENDING'),
    ]);
    expect(providerCancels(generation)).toEqual([
      { provider: 'fal', endpoint: 'fal-ai/veo3', requestId: 'r1' },
    ]);
  });
});
