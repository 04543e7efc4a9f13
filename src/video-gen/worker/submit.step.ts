import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import type { ModelEntry } from '../../providers/model-catalog.types.js';
import { ProviderAmbiguousSubmitError } from '../../providers/provider-errors.js';
import { ProviderRegistry } from '../../providers/provider-registry.js';
import type { ProviderRef } from '../../providers/video-provider.js';
import { type Generation, isTerminal, type Segment } from '../generation.js';
import { GenerationsRepository } from '../generations.repository.js';
import { SegmentPollRepository } from './segment-poll.repository.js';
import { asJobError, GenerationFailure, GenerationGone } from './job-failure.js';
import { SegmentInputs } from './segment-input.js';

/**
 * - `at-provider`: the provider has the segment (its reference is stored) and the poller watches it.
 * - `waiting`: its provider is at its limit; the poller sends the job again when there may be room.
 * - `again`: the segment's state moved (another job claimed it, or the provider surely lacks it): look again.
 */
export type SubmitOutcome = 'at-provider' | 'waiting' | 'again';

/**
 * Hands one segment to its provider: marks it SUBMITTING before the call and stores the provider's reference
 * right after, so a restarted worker never submits a segment that the provider may already be making. A
 * submit whose outcome is unknown is looked up at the provider, never resubmitted blindly.
 */
@Injectable()
export class SubmitStep {
  private readonly logger = new Logger(SubmitStep.name);

  constructor(
    @Inject(GenerationsRepository) private readonly generations: GenerationsRepository,
    @Inject(SegmentPollRepository) private readonly polls: SegmentPollRepository,
    @Inject(ProviderRegistry) private readonly providers: ProviderRegistry,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(SegmentInputs) private readonly inputs: SegmentInputs,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** A PENDING segment. */
  async submit(
    generation: Generation,
    model: ModelEntry,
    segment: Segment,
    workDir: string,
  ): Promise<SubmitOutcome> {
    const input = await this.inputs.inputFor(generation, model, segment, workDir);
    const claim = await this.generations.claimSubmission(
      segment.id,
      model.provider,
      this.config.generation.maxInFlight[model.provider],
      this.config.generation.pollIntervalMs,
    );
    if (claim === 'full') return 'waiting';
    if (claim === 'lost') return 'again';
    if (isTerminal({ status: (await this.generations.status(generation.id)) ?? 'CANCELLED' })) {
      throw new GenerationGone();
    }
    const provider = this.providers.forModel(model);
    try {
      const ref = await this.metrics.timeProviderCall(model.provider, 'submit', () => provider.submit(input));
      return await this.accepted(segment, ref);
    } catch (error) {
      if (error instanceof ProviderAmbiguousSubmitError) {
        if (!(await this.generations.markAmbiguous(segment.id))) throw new GenerationGone();
        return 'again';
      }
      if (error instanceof GenerationGone) throw error;
      // Not accepted (rate limited, transient, rejected): safe to submit again later.
      await this.generations.backToPending(segment.id);
      throw asJobError(error);
    }
  }

  /**
   * A SUBMITTING or SUBMIT_AMBIGUOUS segment: a submit whose outcome is unknown (or a worker that died between
   * sending and storing the reference). Look it up at the provider; never resubmit blindly, that can pay twice.
   */
  async resolve(
    generation: Generation,
    model: ModelEntry,
    segment: Segment,
    workDir: string,
  ): Promise<SubmitOutcome> {
    const input = await this.inputs.inputFor(generation, model, segment, workDir);
    const provider = this.providers.forModel(model);
    const lookup = await provider
      .findSubmission(input, segment.submittedAt ?? generation.createdAt)
      .catch((error: unknown) => ({ unknown: (error as Error).message }));
    if ('found' in lookup) return this.accepted(segment, lookup.found);
    if ('absent' in lookup) {
      // Safe to submit again; if the segment moved meanwhile (cancelled, taken by another job), the next
      // look at it says what to do.
      await this.generations.backToPending(segment.id);
      return 'again';
    }
    throw new GenerationFailure(
      'SUBMIT_AMBIGUOUS',
      `The provider did not confirm whether it accepted segment ${segment.index + 1} (${lookup.unknown}); ` +
        'it was not resubmitted, to avoid paying twice. Your credits for it are refunded.',
    );
  }

  /** Stores the reference and gives the segment to the pollers; just accepted, so nothing to ask yet. */
  private async accepted(segment: Segment, ref: ProviderRef): Promise<SubmitOutcome> {
    if (!(await this.generations.markSubmitted(segment.id, ref))) {
      // Cancelled or failed while the provider accepted it: nobody else knows this job, so stop it here.
      await this.providers
        .forRef(ref)
        .cancel(ref)
        .catch((error: unknown) => {
          this.logger.warn(`could not cancel ${ref.provider} job ${JSON.stringify(ref)}: ${String(error)}`);
        });
      throw new GenerationGone();
    }
    await this.polls.schedule(segment.id, this.config.generation.pollIntervalMs, 0);
    return 'at-provider';
  }
}
