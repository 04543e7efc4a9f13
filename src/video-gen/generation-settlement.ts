import type { Credits } from '../credits/credit-amount.js';
import { partialCapture } from '../credits/pricing.js';
import type { ProviderRef } from '../providers/video-provider.js';
import { type Generation, isStored, type Segment } from './generation.js';
import type { EndReason } from './generations.repository.js';

/** What a chain that failed part way still delivers: its first made segments, charged by their share. */
export interface PartialDelivery {
  segments: Segment[];
  capture: Credits;
  deliveredSeconds: number;
  reason: EndReason;
}

/**
 * Whether a failing generation ends with a partial result instead. Pure. Only a chain does, and only with its
 * first segments made one after another (a hole cannot be stitched over); a user's cancel never does.
 */
export function partialDelivery(generation: Generation, failure: EndReason): PartialDelivery | undefined {
  if (generation.kind !== 'CHAIN' || failure.code === 'CANCELLED') return undefined;
  const made = generation.segments.filter(isStored).sort((a, b) => a.index - b.index);
  const contiguous = made.filter((s, i) => s.index === i);
  if (contiguous.length === 0) return undefined;
  const total = generation.segments.length;
  return {
    segments: contiguous,
    capture: partialCapture(generation.creditsReserved, contiguous.length, total),
    deliveredSeconds: contiguous.reduce((sum, s) => sum + Number(s.trimToSeconds ?? s.durationSeconds), 0),
    reason: {
      code: failure.code,
      message:
        `Segment ${contiguous.length + 1} of ${total} failed (${failure.message}); ` +
        `the first ${contiguous.length} are delivered and the rest refunded`,
    },
  };
}

/**
 * The one rule for which provider jobs to cancel when a generation ends early (failed, cancelled, timed out):
 * every segment the provider accepted and has not finished, as they were before the generation ended. Pure.
 */
export function providerCancels(generation: Pick<Generation, 'segments'>): ProviderRef[] {
  return generation.segments
    .filter((s) => s.providerRef !== null && s.status === 'SUBMITTED')
    .map((s) => s.providerRef!);
}
