import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { Credits } from '../credits/credit-amount.js';
import { CreditsService } from '../credits/credits.service.js';
import { partialCapture } from '../credits/pricing.js';
import { PrismaService } from '../database/prisma.service.js';
import type { GenerationSegment } from '../generated/prisma/client.js';
import { PermanentJobError, TransientJobError } from '../jobs/job-errors.js';
import { JobName } from '../jobs/job-definitions.js';
import type { JobContext } from '../jobs/job-queue.js';
import { OnJob } from '../jobs/on-job.decorator.js';
import { MediaError } from '../media/media.error.js';
import { MediaService } from '../media/media.service.js';
import type { VideoInfo } from '../media/media.types.js';
import { ModelCatalog } from '../providers/model-catalog.js';
import type { ModelEntry } from '../providers/model-catalog.types.js';
import {
  ProviderAmbiguousSubmitError,
  ProviderError,
  ProviderFailedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
} from '../providers/provider-errors.js';
import { ProviderRegistry } from '../providers/provider-registry.js';
import type { GenerationInput, ProviderRef, SourceImage, SourceVideo } from '../providers/video-provider.js';
import { kindLabel, MetricsService, secondsSince } from '../metrics/metrics.service.js';
import { ObjectNotFoundError, ObjectStorage, StorageUnavailableError } from '../storage/object-storage.js';
import { isDatabaseUnavailable } from '../database/database-errors.js';
import { GenerationEventsRepository } from './generation-events.repository.js';
import type { GenerationParams } from './generation-request.js';
import { GenerationWithSegments, isTerminal } from './generation-view.js';
import { lastFrameKey as lastFrameKeyOf, overallProgress, segmentKey, videoKeys } from './pipeline-plan.js';
import { pollDecision } from './poll-decision.js';
import { DueSegment, SegmentPollRepository } from './segment-poll.repository.js';
import { removeStoredResult } from './stored-result.js';
import { ResultIntake } from './worker/result-intake.js';

/** True for a segment made by the model's native extend endpoint from the previous segment's video. */
function isNativeExtension(params: GenerationParams, segment: Pick<GenerationSegment, 'index'>): boolean {
  return params.nativeExtendFrom !== undefined && segment.index >= params.nativeExtendFrom;
}

/** Length of each crossfade between chained segments. */
const CROSSFADE_SECONDS = 0.5;

/** A failure that ends the generation: the user sees `message`, the credits not delivered are refunded. */
export class GenerationFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GenerationFailure';
  }
}

/** The generation was cancelled or failed elsewhere while this worker had it: stop quietly. */
class GenerationGone extends Error {}

/**
 * The worker side of a generation: for each planned segment, submit to the provider (persisting the
 * provider's reference before anything else) and hand the segment to the ProviderPoller; when the poller
 * sees it done it sends this job again, which streams the result into S3, checks it is a real video, and
 * chains the next segment from its last frame; after the last one it stitches, thumbnails, and captures the
 * credits. No job is held while a provider works. Every step is resumable: a restarted worker continues
 * from the stored state and never submits a segment that the provider may already be making.
 */
@Injectable()
export class GenerationRunner {
  private readonly logger = new Logger(GenerationRunner.name);

  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(CreditsService) private readonly credits: CreditsService,
    @Inject(ModelCatalog) private readonly catalog: ModelCatalog,
    @Inject(ProviderRegistry) private readonly providers: ProviderRegistry,
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Inject(MediaService) private readonly media: MediaService,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(SegmentPollRepository) private readonly polls: SegmentPollRepository,
    @Inject(GenerationEventsRepository) private readonly events: GenerationEventsRepository,
    @Inject(ResultIntake) private readonly intake: ResultIntake,
  ) {}

  @OnJob(JobName.GenerationRun)
  handleGenerationRun(job: JobContext<typeof JobName.GenerationRun>): Promise<void> {
    return this.run(job.data.generationId, job.signal, job.attempt >= job.maxAttempts);
  }

  /** `lastAttempt`: the queue will not retry this run, so a passing failure must settle the generation now. */
  async run(generationId: string, signal?: AbortSignal, lastAttempt = false): Promise<void> {
    const workDir = join(this.config.dataDir, 'work', generationId);
    try {
      await this.advance(generationId, workDir, signal ?? new AbortController().signal);
    } catch (error) {
      if (error instanceof GenerationGone) return;
      // The bucket or the database is away for a moment: retry the job, which resumes from the stored state
      // (the provider's reference, finished segments) instead of failing a generation the provider made.
      const passing =
        error instanceof TransientJobError ||
        error instanceof StorageUnavailableError ||
        isDatabaseUnavailable(error);
      if (passing && (!lastAttempt || signal?.aborted)) {
        throw error instanceof TransientJobError
          ? error
          : new TransientJobError((error as Error).message, { cause: error });
      }
      // Retries ran out: fail and refund now rather than leave the credits reserved until the deadline sweep.
      const failure = passing ? exhausted(error) : toFailure(error);
      this.logger.warn(`generation ${generationId} failed (${failure.code}): ${failure.message}`);
      await this.fail(generationId, failure);
    } finally {
      await rm(workDir, { recursive: true, force: true });
      // Whatever this run stored before the generation was cancelled or failed under it goes too: a cancel
      // that committed while an upload was in flight removed the objects before this one landed.
      await this.removeResultIfEnded(generationId);
    }
  }

  private async removeResultIfEnded(generationId: string): Promise<void> {
    try {
      const generation = await this.prisma.generation.findUnique({
        where: { id: generationId },
        select: { id: true, userId: true, status: true, _count: { select: { segments: true } } },
      });
      if (generation && (generation.status === 'CANCELLED' || generation.status === 'FAILED')) {
        await removeStoredResult(
          this.storage,
          { ...generation, segmentCount: generation._count.segments },
          this.logger,
        );
      }
    } catch (error) {
      this.logger.warn(`generation ${generationId}: could not check for objects to remove: ${String(error)}`);
    }
  }

  private async advance(generationId: string, workDir: string, signal: AbortSignal): Promise<void> {
    let generation = await this.load(generationId);
    if (isTerminal(generation)) return;
    if (generation.status === 'QUEUED') {
      await this.prisma.$transaction(async (tx) => {
        const started = await tx.generation.updateMany({
          where: { id: generationId, status: 'QUEUED' },
          data: { status: 'RUNNING', startedAt: new Date() },
        });
        if (started.count === 1) await this.events.append(tx, [generationId], 'running');
      });
      generation = await this.load(generationId);
    }
    await mkdir(workDir, { recursive: true });
    const model = this.catalog.find(generation.model);
    if (!model)
      throw new GenerationFailure('MODEL_REMOVED', `Model ${generation.model} is no longer offered`);
    const params = generation.params as unknown as GenerationParams;
    const count = generation.segments.length;
    // Segments received by this run, already on disk; the others are fetched from the bucket at the end.
    const received = new Map<number, Received>();
    for (let index = 0; index < count; index++) {
      if (signal.aborted) throw new TransientJobError('worker stopping');
      const segment = generation.segments.find((s) => s.index === index)!;
      if (segment.status === 'SUCCEEDED' && segment.s3Key) continue;
      const done = await this.runSegment(generation, model, params, segment, count, workDir);
      // The provider is still at work: the poller sends this job again when it is done.
      if (!done) return;
      received.set(index, done);
      // Fresh state: the segment just stored the frame the next one starts from.
      generation = await this.load(generationId);
    }
    const files: string[] = [];
    for (const segment of [...generation.segments].sort((a, b) => a.index - b.index)) {
      let file = received.get(segment.index)?.file;
      if (!file) {
        file = join(workDir, `segment-${segment.index}.mp4`);
        await this.download(segment.s3Key!, file);
      }
      files.push(file);
    }
    await this.finish(generation, params, files, workDir, undefined, received.get(0)?.checked);
  }

  /**
   * Moves one segment forward: submits it, or, once the provider has made it, receives it. Returns its
   * video as a local file, or undefined while the provider is still at work (the poller has it then).
   */
  private async runSegment(
    generation: GenerationWithSegments,
    model: ModelEntry,
    params: GenerationParams,
    initial: GenerationSegment,
    segmentCount: number,
    workDir: string,
  ): Promise<Received | undefined> {
    const local = join(workDir, `segment-${initial.index}.mp4`);
    let segment = initial;
    if (segment.status === 'FAILED' || segment.status === 'CANCELLED') throw new GenerationGone();
    if (
      segment.status === 'PENDING' ||
      segment.status === 'SUBMITTING' ||
      segment.status === 'SUBMIT_AMBIGUOUS'
    ) {
      const input = await this.inputFor(generation, model, params, segment, workDir);
      if (segment.status === 'PENDING') segment = await this.submit(generation, segment, model, input);
      if (segment.status === 'PENDING') return undefined;
      if (segment.status === 'SUBMITTING' || segment.status === 'SUBMIT_AMBIGUOUS') {
        segment = await this.resolveAmbiguous(generation, segment, model, input);
      }
      // Another worker holds the submission (a retried job racing its stuck predecessor): try again later.
      if (!segment.providerRef) {
        throw new TransientJobError(`segment ${segment.index} has no provider reference yet`);
      }
      // Just accepted: nothing to ask yet.
      await this.polls.schedule(segment.id, this.config.generation.pollIntervalMs, 0);
      return undefined;
    }
    const ref = segment.providerRef as unknown as ProviderRef;
    if (!(await this.providerFinished(segment, ref, segmentCount))) return undefined;
    const checked = await this.receive(generation, segment, ref, local, segmentCount, workDir);
    return { file: local, checked };
  }

  private async inputFor(
    generation: GenerationWithSegments,
    model: ModelEntry,
    params: GenerationParams,
    segment: GenerationSegment,
    workDir: string,
  ): Promise<GenerationInput> {
    const previous = generation.segments.find((s) => s.index === segment.index - 1);
    if (isNativeExtension(params, segment)) {
      return {
        ...this.commonInput(model, params, segment),
        video: await this.extensionSource(model, previous, segment, workDir),
      };
    }
    let image: SourceImage | undefined;
    const imageKey =
      segment.index === 0
        ? params.sourceImageKey
        : previous && (await this.lastFrameOf(generation, previous, workDir));
    if (segment.index > 0 && !imageKey) {
      throw new GenerationFailure('CHAIN_BROKEN', `Segment ${segment.index} has no frame to start from`);
    }
    if (imageKey) image = await this.readImage(imageKey, segment.index === 0);
    return {
      ...this.commonInput(model, params, segment),
      image,
      // Seed 000's frame index and crop apply to the user's image, i.e. the first segment only.
      frameIndex: segment.index === 0 ? params.frameIndex : undefined,
      crop: segment.index === 0 ? params.crop : undefined,
    };
  }

  private commonInput(
    model: ModelEntry,
    params: GenerationParams,
    segment: GenerationSegment,
  ): GenerationInput {
    return {
      model,
      prompt: segment.prompt,
      durationSeconds: Number(segment.durationSeconds),
      aspectRatio: params.aspectRatio,
      resolution: params.resolution,
      size: params.size,
      generateAudio: params.generateAudio,
      negativePrompt: params.negativePrompt,
      seed: params.seed,
    };
  }

  /**
   * The video a native extension continues: the previous segment (for an extended generation, the original
   * video), cut to its last seconds when the extend endpoint takes shorter inputs (Veo 3.1 on fal: 8 s).
   */
  private async extensionSource(
    model: ModelEntry,
    previous: GenerationSegment | undefined,
    segment: GenerationSegment,
    workDir: string,
  ): Promise<SourceVideo> {
    if (!previous || previous.status !== 'SUCCEEDED' || !previous.s3Key) {
      throw new GenerationFailure('CHAIN_BROKEN', `Segment ${segment.index} has no video to extend`);
    }
    const source = join(workDir, `segment-${previous.index}.extend-source.mp4`);
    await this.download(previous.s3Key, source);
    const info = await this.media.probe(source);
    const limit = model.fal?.extendMaxInputSeconds;
    let file = source;
    let durationSeconds = info.durationSeconds;
    if (limit && info.durationSeconds > limit) {
      file = join(workDir, `segment-${previous.index}.extend-tail.mp4`);
      const tail = await this.media.trim(source, limit, file, { fromSeconds: info.durationSeconds - limit });
      durationSeconds = tail.durationSeconds;
    }
    return { bytes: await readFile(file), contentType: 'video/mp4', durationSeconds };
  }

  /**
   * An image from the bucket, with its size. The user's own source image that is gone or does not read as an
   * image is the caller's input, not our failure: INVALID_INPUT (a frame we stored ourselves stays INTERNAL).
   */
  private async readImage(key: string, fromUser: boolean): Promise<SourceImage> {
    try {
      const bytes = await this.storage.getBuffer(key);
      const info = await this.media.imageInfo(bytes);
      return { bytes, contentType: contentTypeOf(info.format), width: info.width, height: info.height };
    } catch (error) {
      const unreadable =
        error instanceof ObjectNotFoundError ||
        (error instanceof MediaError && error.code === 'INVALID_INPUT');
      if (!fromUser || !unreadable) throw error;
      this.logger.warn(`source image ${key} unreadable: ${(error as Error).message}`);
      throw new GenerationFailure(
        'INVALID_INPUT',
        'The source image is missing or cannot be read as an image; upload it again with POST /uploads/images ' +
          'and start a new generation. Your credits are refunded.',
        { cause: error },
      );
    }
  }

  /**
   * The stored last frame of a finished segment. An extended video's first segment is the original
   * generation, delivered before; its frame is taken now, once, and stored like any other.
   */
  private async lastFrameOf(
    generation: GenerationWithSegments,
    segment: GenerationSegment,
    workDir: string,
  ): Promise<string | undefined> {
    if (segment.lastFrameKey) return segment.lastFrameKey;
    if (segment.status !== 'SUCCEEDED' || !segment.s3Key) return undefined;
    const video = join(workDir, `segment-${segment.index}.source.mp4`);
    const frame = join(workDir, `segment-${segment.index}-last.png`);
    await this.download(segment.s3Key, video);
    await this.media.extractLastFrame(video, frame);
    const key = lastFrameKeyOf(segmentKey(generation.userId, generation.id, segment.index));
    await this.storage.put(key, await readFile(frame), 'image/png');
    await this.prisma.generationSegment.update({ where: { id: segment.id }, data: { lastFrameKey: key } });
    return key;
  }

  /** Marks the segment SUBMITTING before the call and stores the provider's reference right after it. */
  private async submit(
    generation: GenerationWithSegments,
    segment: GenerationSegment,
    model: ModelEntry,
    input: GenerationInput,
  ): Promise<GenerationSegment> {
    const claim = await this.polls.claimSubmission(
      segment.id,
      model.provider,
      this.config.generation.maxInFlight[model.provider],
      this.config.generation.pollIntervalMs,
    );
    // The provider is at its limit: the segment waits (PENDING), and the poller sends this job again.
    if (claim === 'full') return segment;
    if (claim === 'lost') return this.reloadSegment(segment.id);
    await this.assertActive(generation.id);
    const provider = this.providers.forModel(model);
    try {
      const ref = await this.metrics.timeProviderCall(model.provider, 'submit', () => provider.submit(input));
      return await this.prisma.generationSegment.update({
        where: { id: segment.id },
        data: { status: 'SUBMITTED', providerRef: ref as never },
      });
    } catch (error) {
      if (error instanceof ProviderAmbiguousSubmitError) {
        await this.prisma.generationSegment.update({
          where: { id: segment.id },
          data: { status: 'SUBMIT_AMBIGUOUS' },
        });
        return this.reloadSegment(segment.id);
      }
      // Not accepted (rate limited, transient, rejected): safe to submit again later.
      await this.prisma.generationSegment.update({ where: { id: segment.id }, data: { status: 'PENDING' } });
      throw asJobError(error);
    }
  }

  /**
   * A submit whose outcome is unknown (or a worker that died between sending and storing the reference):
   * look it up at the provider. Never resubmit blindly: that can pay the provider twice.
   */
  private async resolveAmbiguous(
    generation: GenerationWithSegments,
    segment: GenerationSegment,
    model: ModelEntry,
    input: GenerationInput,
  ): Promise<GenerationSegment> {
    const provider = this.providers.forModel(model);
    const lookup = await provider
      .findSubmission(input, segment.submittedAt ?? generation.createdAt)
      .catch((error: unknown) => ({ unknown: (error as Error).message }));
    if ('found' in lookup) {
      return this.prisma.generationSegment.update({
        where: { id: segment.id },
        data: { status: 'SUBMITTED', providerRef: lookup.found as never },
      });
    }
    if ('absent' in lookup) {
      await this.prisma.generationSegment.update({ where: { id: segment.id }, data: { status: 'PENDING' } });
      return this.submit(generation, await this.reloadSegment(segment.id), model, input);
    }
    throw new GenerationFailure(
      'SUBMIT_AMBIGUOUS',
      `The provider did not confirm whether it accepted segment ${segment.index + 1} (${lookup.unknown}); ` +
        'it was not resubmitted, to avoid paying twice. Your credits for it are refunded.',
    );
  }

  /**
   * One status poll for a segment handed back by the poller (or met by a restarted job): true when the
   * provider has the video ready. Still at work, or a passing error: the segment goes back to the poller,
   * by the poller's own rule. Failed or cancelled at the provider: throws, and the generation fails.
   */
  private async providerFinished(
    segment: GenerationSegment,
    ref: ProviderRef,
    segmentCount: number,
  ): Promise<boolean> {
    await this.polls.release(segment.id);
    const provider = this.providers.forRef(ref);
    const answer = await this.metrics
      .timeProviderCall(ref.provider, 'status', () => provider.poll(ref))
      .then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
    const due: DueSegment = {
      id: segment.id,
      generationId: segment.generationId,
      index: segment.index,
      segmentCount,
      providerRef: ref,
      progress: segment.progress,
      queuePosition: segment.queuePosition,
      pollAttempts: segment.pollAttempts,
    };
    const decision = pollDecision(due, answer, this.config.generation);
    if (decision.kind === 'again') {
      await this.polls.record([decision.update]);
      return false;
    }
    if ('error' in answer) throw answer.error;
    if (answer.result.state === 'succeeded') return true;
    if (answer.result.state === 'failed')
      throw answer.result.error ?? new GenerationFailure('PROVIDER_FAILED', 'The provider failed');
    throw new GenerationFailure('PROVIDER_CANCELLED', 'The provider cancelled the job');
  }

  /**
   * Streams the provider's video to disk and into S3 at once, checks it and keeps its last frame. Returns
   * what the check found when the stored file is the one checked (not trimmed or cut afterwards); a single
   * segment's thumbnail and last frame are then stored too.
   */
  private async receive(
    generation: GenerationWithSegments,
    segment: GenerationSegment,
    ref: ProviderRef,
    local: string,
    segmentCount: number,
    workDir: string,
  ): Promise<VideoInfo | undefined> {
    const provider = this.providers.forRef(ref);
    const result = await this.metrics
      .timeProviderCall(ref.provider, 'result', () => provider.fetchResult(ref))
      .catch((error: unknown) => {
        throw asJobError(error);
      });
    const keys = videoKeys(generation.userId, generation.id);
    const s3Key =
      segmentCount === 1 ? keys.video : segmentKey(generation.userId, generation.id, segment.index);
    const lastFrameKey = segment.index < segmentCount - 1 ? lastFrameKeyOf(s3Key) : undefined;
    const expected = Number(segment.durationSeconds);
    const what = `segment ${segment.index + 1}`;
    const nativeExtension = isNativeExtension(generation.params as unknown as GenerationParams, segment);
    let checked: VideoInfo | undefined;
    if (segment.trimToSeconds === null && !nativeExtension) {
      checked = await this.intake
        .receive({
          stream: result.stream,
          key: s3Key,
          file: local,
          check: (file) => this.checkVideo(file, expected, what),
          lastFrameKey,
          // The only segment, untrimmed, is the final video: its stills are made now, not after a second read.
          stills:
            segmentCount === 1
              ? {
                  thumbnail: { key: keys.thumbnail, file: join(workDir, 'thumbnail.jpg') },
                  lastFrame: { key: keys.lastFrame, file: join(workDir, 'last-frame.png') },
                }
              : undefined,
        })
        .catch((error: unknown) => {
          throw asJobError(error);
        });
    } else {
      // The file changes after the download (trimmed, or cut to its new part): one step after another.
      const raw = join(workDir, `segment-${segment.index}.raw.mp4`);
      try {
        await pipeline(result.stream, createWriteStream(raw));
      } catch (error) {
        throw asJobError(error);
      }
      if (nativeExtension) await this.keepNewPart(raw, expected, workDir, segment.index);
      await this.checkVideo(raw, expected, what);
      if (segment.trimToSeconds !== null) await this.media.trim(raw, Number(segment.trimToSeconds), local);
      else await rename(raw, local);
      await this.storage.uploadFile(s3Key, local, 'video/mp4');
      if (lastFrameKey) {
        const frame = join(workDir, `segment-${segment.index}-last.png`);
        await this.media.extractLastFrame(local, frame);
        await this.storage.put(lastFrameKey, await readFile(frame), 'image/png');
      }
    }
    const overall = overallProgress(segment.index, 100, segmentCount);
    await this.prisma.$transaction(async (tx) => {
      await tx.generationSegment.update({
        where: { id: segment.id },
        data: {
          status: 'SUCCEEDED',
          s3Key,
          lastFrameKey,
          progress: 100,
          queuePosition: null,
          completedAt: new Date(),
        },
      });
      await tx.generation.updateMany({
        where: { id: generation.id, status: 'RUNNING' },
        data: { progress: overall ?? null, queuePosition: null },
      });
      await this.events.append(tx, [generation.id], 'segment');
    });
    return checked;
  }

  /**
   * A native extension may come back as the input followed by the new seconds (Veo's extend does this on
   * Google's APIs) rather than the new seconds alone: then only the tail is kept, in place.
   */
  private async keepNewPart(raw: string, seconds: number, workDir: string, index: number): Promise<void> {
    let info: VideoInfo;
    try {
      info = await this.media.probe(raw);
    } catch {
      return; // checkVideo reports an unreadable file
    }
    if (info.durationSeconds <= seconds + Math.max(0.5, seconds * 0.1)) return;
    const tail = join(workDir, `segment-${index}.new-part.mp4`);
    await this.media.trim(raw, seconds, tail, { fromSeconds: info.durationSeconds - seconds });
    await rename(tail, raw);
  }

  /** A provider's file must be a playable video of about the planned length; anything else fails the generation. */
  private async checkVideo(file: string, expectedSeconds: number, what: string): Promise<VideoInfo> {
    let info: VideoInfo;
    try {
      // verify() decodes every packet: a result cut off after its index fails here, not in the user's player.
      info = await this.media.verify(file);
    } catch (error) {
      throw new GenerationFailure(
        'INVALID_RESULT',
        `The provider returned ${what} that is not a playable video`,
        {
          cause: error,
        },
      );
    }
    return checkLength(info, expectedSeconds, what);
  }

  /** Stitches the segments (when there are several), stores the thumbnail, captures the credits. */
  private async finish(
    generation: GenerationWithSegments,
    params: GenerationParams,
    files: string[],
    workDir: string,
    partial?: { capture: Credits; failure: GenerationFailure; deliveredSeconds: number },
    /**
     * What receiving the only segment found, when `files[0]` is that very file and its stills are stored:
     * no need to decode it again.
     */
    checked?: VideoInfo,
  ): Promise<boolean> {
    const keys = videoKeys(generation.userId, generation.id);
    const transition = params.transition ?? 'cut';
    let finalFile = files[0];
    if (files.length > 1) {
      finalFile = join(workDir, 'final.mp4');
      const result = await this.media.concat(files, finalFile, {
        transition,
        crossfadeSeconds: CROSSFADE_SECONDS,
      });
      this.logger.log(`generation ${generation.id}: ${files.length} segments joined by ${result.method}`);
    }
    // From here on the generation is being stored and cannot be cancelled (cancel answers 409): claiming it is
    // one atomic update, and so is cancelling, so exactly one of them wins.
    const claimed = await this.prisma.generation.updateMany({
      where: { id: generation.id, status: 'RUNNING' },
      data: { storingAt: new Date() },
    });
    if (claimed.count === 0) throw new GenerationGone();
    // A single segment was stored under the final key as it arrived, unless this is a partial chain.
    if (files.length > 1 || partial) {
      await this.storage.uploadFile(keys.video, finalFile, 'video/mp4');
    }
    const planned = partial?.deliveredSeconds ?? params.durationSeconds;
    const joins = transition === 'crossfade' ? files.length - 1 : 0;
    const expected = planned - joins * CROSSFADE_SECONDS;
    const received = checked && files.length === 1 && !partial;
    const info = received
      ? checkLength(checked, expected, 'a video')
      : await this.checkVideo(finalFile, expected, 'a video');
    if (!received) {
      // The last frame is kept for GET /content?variant=last-frame: where a client continues the video from.
      const thumbnail = join(workDir, 'thumbnail.jpg');
      const lastFrame = join(workDir, 'last-frame.png');
      await this.media.stills(finalFile, info, { thumbnail, lastFrame });
      await Promise.all([
        readFile(thumbnail).then((bytes) => this.storage.put(keys.thumbnail, bytes, 'image/jpeg')),
        readFile(lastFrame).then((bytes) => this.storage.put(keys.lastFrame, bytes, 'image/png')),
      ]);
    }
    const bytes = (await stat(finalFile)).size;
    const succeeded = await this.prisma.$transaction(async (tx) => {
      const updated = await tx.generation.updateMany({
        where: { id: generation.id, status: 'RUNNING' },
        data: {
          status: 'SUCCEEDED',
          s3Key: keys.video,
          thumbnailKey: keys.thumbnail,
          lastFrameKey: keys.lastFrame,
          durationSeconds: info.durationSeconds.toFixed(3),
          width: info.width,
          height: info.height,
          bytes: BigInt(bytes),
          progress: 100,
          queuePosition: null,
          completedAt: new Date(),
          ...(partial ? { errorCode: 'PARTIAL_RESULT', error: partial.failure.message } : {}),
        },
      });
      if (updated.count === 0) return false;
      if (partial) {
        await tx.generationSegment.updateMany({
          where: { generationId: generation.id, status: { not: 'SUCCEEDED' } },
          data: { status: 'FAILED', error: partial.failure.message, errorCode: partial.failure.code },
        });
      }
      // Capturing less than the reservation refunds the rest in the same transaction.
      await this.credits.capture(generation.id, partial?.capture, tx);
      await this.events.append(tx, [generation.id], 'succeeded');
      return true;
    });
    if (succeeded) {
      this.logger.log(`generation ${generation.id} succeeded${partial ? ' (partial)' : ''}: ${keys.video}`);
      this.metrics.generationFinished(
        generation.model,
        kindLabel(generation.kind),
        partial ? 'partial' : 'succeeded',
        secondsSince(generation.createdAt),
      );
    }
    return succeeded;
  }

  /**
   * A chain whose later segment failed for good still delivers what was made: the finished segments are
   * stitched and charged, the rest refunded. Returns false when there is nothing to deliver.
   */
  private async finishPartially(
    generation: GenerationWithSegments,
    failure: GenerationFailure,
  ): Promise<boolean> {
    const made = [...generation.segments]
      .filter((s) => s.status === 'SUCCEEDED' && s.s3Key)
      .sort((a, b) => a.index - b.index);
    const contiguous = made.filter((s, i) => s.index === i);
    if (generation.kind !== 'CHAIN' || contiguous.length === 0 || failure.code === 'CANCELLED') return false;
    const workDir = join(this.config.dataDir, 'work', `${generation.id}-partial`);
    await mkdir(workDir, { recursive: true });
    try {
      const files: string[] = [];
      for (const segment of contiguous) {
        const file = join(workDir, `segment-${segment.index}.mp4`);
        await this.download(segment.s3Key!, file);
        files.push(file);
      }
      const params = generation.params as unknown as GenerationParams;
      const capture = partialCapture(
        generation.creditsReserved,
        contiguous.length,
        generation.segments.length,
      );
      const deliveredSeconds = contiguous.reduce(
        (sum, s) => sum + Number(s.trimToSeconds ?? s.durationSeconds),
        0,
      );
      const message =
        `Segment ${contiguous.length + 1} of ${generation.segments.length} failed (${failure.message}); ` +
        `the first ${contiguous.length} are delivered and the rest refunded`;
      return await this.finish(generation, params, files, workDir, {
        capture,
        failure: new GenerationFailure(failure.code, message),
        deliveredSeconds,
      });
    } catch (error) {
      this.logger.warn(`generation ${generation.id}: partial result failed: ${(error as Error).message}`);
      return false;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  /** Fails the generation and refunds its reservation, once, whichever process gets here first. */
  async fail(generationId: string, failure: GenerationFailure): Promise<void> {
    const generation = await this.prisma.generation.findUnique({
      where: { id: generationId },
      include: { segments: true },
    });
    if (!generation || isTerminal(generation)) return;
    if (await this.finishPartially(generation, failure)) return;
    const failed = await this.prisma.$transaction(async (tx) => {
      const updated = await tx.generation.updateMany({
        where: { id: generationId, status: { in: ['QUEUED', 'RUNNING'] } },
        data: {
          status: 'FAILED',
          errorCode: failure.code,
          error: failure.message,
          queuePosition: null,
          completedAt: new Date(),
        },
      });
      if (updated.count === 0) return false;
      await tx.generationSegment.updateMany({
        where: { generationId, status: { notIn: ['SUCCEEDED'] } },
        data: { status: 'FAILED', error: failure.message, errorCode: failure.code },
      });
      await this.credits.refund(generationId, generation.creditsReserved, failure.message, tx);
      await this.events.append(tx, [generationId], 'failed');
      return true;
    });
    if (failed) {
      this.metrics.generationFinished(
        generation.model,
        kindLabel(generation.kind),
        'failed',
        secondsSince(generation.createdAt),
      );
      await removeStoredResult(
        this.storage,
        { ...generation, segmentCount: generation.segments.length },
        this.logger,
      );
    }
    for (const segment of generation.segments) {
      if (segment.providerRef && segment.status === 'SUBMITTED') {
        const ref = segment.providerRef as unknown as ProviderRef;
        await this.providers
          .forRef(ref)
          .cancel(ref)
          .catch(() => undefined);
      }
    }
  }

  private async assertActive(generationId: string): Promise<void> {
    const current = await this.prisma.generation.findUnique({
      where: { id: generationId },
      select: { status: true },
    });
    if (!current || isTerminal(current)) throw new GenerationGone();
  }

  private load(id: string): Promise<GenerationWithSegments> {
    return this.prisma.generation.findUniqueOrThrow({ where: { id }, include: { segments: true } });
  }

  private reloadSegment(id: string): Promise<GenerationSegment> {
    return this.prisma.generationSegment.findUniqueOrThrow({ where: { id } });
  }

  private async download(key: string, file: string): Promise<void> {
    const { body } = await this.storage.get(key);
    await pipeline(body as Readable, createWriteStream(file));
  }
}

/** A segment received by this run: its local file, and what its check found when that is the same file. */
interface Received {
  file: string;
  checked?: VideoInfo;
}

/** A video of about the planned length passes; anything else fails the generation. */
function checkLength(info: VideoInfo, expectedSeconds: number, what: string): VideoInfo {
  const tolerance = Math.max(0.5, expectedSeconds * 0.1);
  if (!(info.durationSeconds > 0) || Math.abs(info.durationSeconds - expectedSeconds) > tolerance) {
    throw new GenerationFailure(
      'INVALID_RESULT',
      `The provider returned ${what} of ${info.durationSeconds.toFixed(2)}s instead of ${expectedSeconds}s`,
    );
  }
  return info;
}

function contentTypeOf(format: string): string {
  return format === 'png' ? 'image/png' : format === 'webp' ? 'image/webp' : 'image/jpeg';
}

/** Retryable provider trouble becomes a TransientJobError (the queue retries with backoff); the rest fails. */
function asJobError(error: unknown): Error {
  if (error instanceof ProviderError && error.retryable) {
    return new TransientJobError(error.message, {
      cause: error,
      retryAfterMs: error instanceof ProviderRateLimitedError ? error.retryAfterMs : undefined,
    });
  }
  if (error instanceof TransientJobError || error instanceof PermanentJobError) return error;
  return error as Error;
}

function exhausted(error: unknown): GenerationFailure {
  const cause = error instanceof TransientJobError && error.cause !== undefined ? error.cause : error;
  const base = toFailure(cause);
  const code = base.code === 'INTERNAL' ? 'RETRIES_EXHAUSTED' : base.code;
  return new GenerationFailure(code, `Gave up after the last retry: ${base.message}`, { cause: error });
}

function toFailure(error: unknown): GenerationFailure {
  if (error instanceof GenerationFailure) return error;
  if (error instanceof ProviderRejectedError)
    return new GenerationFailure(error.reason.toUpperCase(), error.userMessage, { cause: error });
  if (error instanceof ProviderFailedError)
    return new GenerationFailure(`PROVIDER_${error.reason.toUpperCase()}`, error.message, { cause: error });
  if (error instanceof ProviderError)
    return new GenerationFailure('PROVIDER_ERROR', error.message, { cause: error });
  // ffmpeg refusing what it was given while preparing the input (the image): the input's fault, not ours.
  if (error instanceof MediaError && error.code === 'INVALID_INPUT')
    return new GenerationFailure(
      'INVALID_INPUT',
      'The source image cannot be processed; upload another image. Your credits are refunded.',
      { cause: error },
    );
  return new GenerationFailure('INTERNAL', (error as Error)?.message ?? String(error), { cause: error });
}
