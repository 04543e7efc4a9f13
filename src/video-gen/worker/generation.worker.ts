import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { classifyFailure } from '../../common/failures/failure.classifier.js';
import { TransientJobError } from '../../jobs/job-errors.js';
import { JobName, type SegmentHandover } from '../../jobs/job-definitions.js';
import type { JobContext } from '../../jobs/job-queue.js';
import { OnJob } from '../../jobs/on-job.decorator.js';
import type { VideoInfo } from '../../media/media.types.js';
import { ModelCatalog } from '../../providers/model-catalog.js';
import { ObjectStorage } from '../../storage/object-storage.js';
import { GenerationSettlement } from '../generation-settlement.service.js';
import { GenerationsRepository } from '../generations.repository.js';
import { SegmentPollRepository } from './segment-poll.repository.js';
import { AssembleStep } from './assemble.step.js';
import { exhausted, GenerationFailure, GenerationGone, toFailure } from './job-failure.js';
import { nextStep } from './next-step.js';
import { ReceiveStep } from './receive.step.js';
import { SubmitStep } from './submit.step.js';
import { download } from './work-files.js';

/**
 * The worker side of a generation, as a pipeline: start → submit each segment → (the poller watches the
 * provider and hands its verdict back in this job's data) → receive → ... → assemble → settle. Each run asks
 * `nextStep` what to do with the stored state, does it, and asks again, until the generation is in someone
 * else's hands (the poller's, a full provider's queue) or has ended. No job is held while a provider works,
 * and every step resumes: a restarted worker never submits a segment that the provider may already be making.
 */
@Injectable()
export class GenerationWorker {
  private readonly logger = new Logger(GenerationWorker.name);

  constructor(
    @Inject(GenerationsRepository) private readonly generations: GenerationsRepository,
    @Inject(SegmentPollRepository) private readonly polls: SegmentPollRepository,
    @Inject(GenerationSettlement) private readonly settlement: GenerationSettlement,
    @Inject(SubmitStep) private readonly submitStep: SubmitStep,
    @Inject(ReceiveStep) private readonly receiveStep: ReceiveStep,
    @Inject(AssembleStep) private readonly assembleStep: AssembleStep,
    @Inject(ModelCatalog) private readonly catalog: ModelCatalog,
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  @OnJob(JobName.GenerationRun)
  handleGenerationRun(job: JobContext<typeof JobName.GenerationRun>): Promise<void> {
    return this.run(job.data.generationId, {
      signal: job.signal,
      lastAttempt: job.attempt >= job.maxAttempts,
      handover: job.data.handover,
    });
  }

  /** `lastAttempt`: the queue will not retry this run, so a passing failure must settle the generation now. */
  async run(
    generationId: string,
    options: { signal?: AbortSignal; lastAttempt?: boolean; handover?: SegmentHandover } = {},
  ): Promise<void> {
    const { signal = new AbortController().signal, lastAttempt = false, handover } = options;
    const workDir = join(this.config.dataDir, 'work', generationId);
    try {
      await this.advance(generationId, workDir, signal, handover);
    } catch (error) {
      if (error instanceof GenerationGone) return;
      // The bucket or the database is away for a moment: retry the job, which resumes from the stored state
      // (the provider's reference, finished segments) instead of failing a generation the provider made.
      const { class: kind, retryAfterMs } = classifyFailure(error);
      const passing = kind === 'retryable';
      if (passing && (!lastAttempt || signal.aborted)) {
        throw error instanceof TransientJobError
          ? error
          : new TransientJobError((error as Error).message, { cause: error, retryAfterMs });
      }
      // Retries ran out: fail and refund now rather than leave the credits reserved until the deadline sweep.
      const failure = passing ? exhausted(error) : toFailure(error);
      this.logger.warn(`generation ${generationId} failed (${failure.code}): ${failure.message}`);
      await this.settlement.fail(generationId, failure);
    } finally {
      await rm(workDir, { recursive: true, force: true });
      await this.settlement.removeResultIfEnded(generationId);
    }
  }

  private async advance(
    generationId: string,
    workDir: string,
    signal: AbortSignal,
    handover: SegmentHandover | undefined,
  ): Promise<void> {
    // Segments received by this run, already on disk; the others are fetched from the bucket to assemble.
    const received = new Map<number, { file: string; checked?: VideoInfo }>();
    let steps = 0;
    for (;;) {
      if (signal.aborted) throw new TransientJobError('worker stopping');
      const generation = await this.generations.load(generationId);
      const step = nextStep(generation, handover);
      // Each step moves a segment forward; more than a few per segment means the state keeps bouncing.
      if (++steps > 4 * generation.segments.length + 4) {
        throw new TransientJobError(`generation ${generationId} made no progress (at ${step.kind})`);
      }
      switch (step.kind) {
        case 'ended':
        case 'stop':
          return;
        case 'start':
          await this.generations.start(generationId);
          continue;
        case 'wait':
          // No verdict for it in this job (a restarted or duplicate job): the poller has it again.
          await this.polls.schedule(step.segment.id, this.config.generation.pollIntervalMs);
          return;
        case 'fail':
          throw new GenerationFailure(step.code, step.message);
      }
      await mkdir(workDir, { recursive: true });
      const model = this.catalog.find(generation.model);
      if (!model) {
        throw new GenerationFailure('MODEL_REMOVED', `Model ${generation.model} is no longer offered`);
      }
      switch (step.kind) {
        case 'submit':
        case 'resolve': {
          const outcome =
            step.kind === 'submit'
              ? await this.submitStep.submit(generation, model, step.segment, workDir)
              : await this.submitStep.resolve(generation, model, step.segment, workDir);
          if (outcome === 'again') continue;
          return;
        }
        case 'receive': {
          const file = join(workDir, `segment-${step.segment.index}.mp4`);
          const checked = await this.receiveStep.receive(generation, step.segment, file, workDir);
          received.set(step.segment.index, { file, checked });
          continue;
        }
        case 'assemble': {
          const files: string[] = [];
          for (const segment of generation.segments) {
            let file = received.get(segment.index)?.file;
            if (!file) {
              file = join(workDir, `segment-${segment.index}.mp4`);
              await download(this.storage, segment.s3Key!, file);
            }
            files.push(file);
          }
          const video = await this.assembleStep.assemble(
            generation,
            files,
            workDir,
            undefined,
            received.get(0)?.checked,
          );
          await this.settlement.succeed(generation, video);
          return;
        }
      }
    }
  }
}
