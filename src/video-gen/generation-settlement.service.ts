import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { Credits } from '../credits/credit-amount.js';
import {
  type GenerationOutcome,
  kindLabel,
  MetricsService,
  secondsSince,
} from '../metrics/metrics.service.js';
import { ProviderRegistry } from '../providers/provider-registry.js';
import { ObjectStorage } from '../storage/object-storage.js';
import { type Generation, isTerminal } from './generation.js';
import { GenerationCredits } from './generation-credits.service.js';
import { GenerationEventsRepository } from './generation-events.repository.js';
import { partialDelivery, providerCancels } from './generation-settlement.js';
import { type EndReason, GenerationsRepository, type StoredVideo } from './generations.repository.js';
import { removeStoredResult } from './stored-result.js';
import { AssembleStep } from './worker/assemble.step.js';
import { download } from './worker/work-files.js';

/**
 * The one way a generation ends and its money moves: succeed (capture), partial (a chain delivers its first
 * segments and pays their share), fail (refund), the user's cancel (refund), each with its provider cancels,
 * its metric and the removal of stored objects, exactly once whichever process gets there first. The worker's
 * failures (exhausted retries included), the user's cancel and the deadline sweep all come here.
 */
@Injectable()
export class GenerationSettlement {
  private readonly logger = new Logger(GenerationSettlement.name);

  constructor(
    @Inject(GenerationsRepository) private readonly generations: GenerationsRepository,
    @Inject(GenerationEventsRepository) private readonly events: GenerationEventsRepository,
    @Inject(GenerationCredits) private readonly credits: GenerationCredits,
    @Inject(ProviderRegistry) private readonly providers: ProviderRegistry,
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(AssembleStep) private readonly assembler: AssembleStep,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /**
   * The result is stored: SUCCEEDED, the credits captured (a partial result captures `partial.capture` and
   * refunds the rest in the same transaction). False when the generation had ended meanwhile.
   */
  async succeed(
    generation: Generation,
    video: StoredVideo,
    partial?: { capture: Credits; reason: EndReason },
  ): Promise<boolean> {
    const succeeded = await this.generations.transaction(async (tx) => {
      if (!(await this.generations.succeed(tx, generation.id, video, partial?.reason))) return false;
      await this.credits.capture(tx, generation.id, partial?.capture);
      await this.events.append(tx, [generation.id], 'succeeded');
      return true;
    });
    if (succeeded) {
      this.logger.log(`generation ${generation.id} succeeded${partial ? ' (partial)' : ''}: ${video.s3Key}`);
      this.finished(generation, partial ? 'partial' : 'succeeded');
    }
    return succeeded;
  }

  /**
   * Fails the generation and refunds its reservation, once, whichever process gets here first; a chain with
   * its first segments made delivers those instead (partial). The provider stops work on the rest.
   */
  async fail(generationId: string, reason: EndReason): Promise<void> {
    const generation = await this.generations.find(generationId);
    if (!generation || isTerminal(generation)) return;
    if (await this.deliverPartially(generation, reason)) return;
    const failed = await this.generations.transaction(async (tx) => {
      if (!(await this.generations.fail(tx, generationId, reason))) return false;
      await this.credits.refund(tx, generationId, generation.creditsReserved, reason.message);
      await this.events.append(tx, [generationId], 'failed');
      return true;
    });
    if (failed) {
      this.finished(generation, 'failed');
      await this.removeResult(generation);
    }
    await this.cancelAtProviders(generation);
  }

  /**
   * The user's cancel of a queued or running generation: CANCELLED and refunded in one transaction, unless it
   * ended meanwhile or the worker claimed it to store its result (false: the caller says which). Then the
   * provider is asked to stop (best effort; the worker notices the status and stops too).
   */
  async cancel(generation: Generation): Promise<boolean> {
    const cancelled = await this.generations.transaction(async (tx) => {
      if (!(await this.generations.cancel(tx, generation.id))) return false;
      await this.credits.refund(tx, generation.id, generation.creditsReserved, 'cancelled by the user');
      await this.events.append(tx, [generation.id], 'cancelled');
      return true;
    });
    if (!cancelled) return false;
    this.finished(generation, 'cancelled');
    await this.cancelAtProviders(generation);
    // A cancelled generation keeps no result; the worker removes anything it was still uploading.
    await this.removeResult(generation);
    return true;
  }

  /**
   * Whatever a worker stored before the generation was cancelled or failed under it goes too: a cancel that
   * committed while an upload was in flight removed the objects before this one landed.
   */
  async removeResultIfEnded(generationId: string): Promise<void> {
    try {
      const generation = await this.generations.find(generationId);
      if (generation && (generation.status === 'CANCELLED' || generation.status === 'FAILED')) {
        await this.removeResult(generation);
      }
    } catch (error) {
      this.logger.warn(`generation ${generationId}: could not check for objects to remove: ${String(error)}`);
    }
  }

  /** A chain whose later segment failed for good still delivers what was made. False: nothing to deliver. */
  private async deliverPartially(generation: Generation, reason: EndReason): Promise<boolean> {
    const delivery = partialDelivery(generation, reason);
    if (!delivery) return false;
    const workDir = join(this.config.dataDir, 'work', `${generation.id}-partial`);
    await mkdir(workDir, { recursive: true });
    try {
      const files: string[] = [];
      for (const segment of delivery.segments) {
        const file = join(workDir, `segment-${segment.index}.mp4`);
        await download(this.storage, segment.s3Key!, file);
        files.push(file);
      }
      const video = await this.assembler.assemble(generation, files, workDir, {
        deliveredSeconds: delivery.deliveredSeconds,
      });
      return await this.succeed(generation, video, { capture: delivery.capture, reason: delivery.reason });
    } catch (error) {
      this.logger.warn(`generation ${generation.id}: partial result failed: ${(error as Error).message}`);
      return false;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  private async cancelAtProviders(generation: Generation): Promise<void> {
    for (const ref of providerCancels(generation)) {
      try {
        await this.providers.forRef(ref).cancel(ref);
      } catch (error) {
        this.logger.warn(
          `could not cancel ${ref.provider} job for ${generation.id}: ${(error as Error).message}`,
        );
      }
    }
  }

  private removeResult(generation: Generation): Promise<void> {
    return removeStoredResult(
      this.storage,
      { ...generation, segmentCount: generation.segments.length },
      this.logger,
    );
  }

  private finished(generation: Generation, outcome: GenerationOutcome): void {
    this.metrics.generationFinished(
      generation.model,
      kindLabel(generation.kind),
      outcome,
      secondsSince(generation.createdAt),
    );
  }
}
