import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { MediaError } from '../../media/media.error.js';
import { MediaService } from '../../media/media.service.js';
import type { ModelEntry } from '../../providers/model-catalog.types.js';
import type { GenerationInput, SourceImage, SourceVideo } from '../../providers/video-provider.js';
import { ObjectNotFoundError, ObjectStorage } from '../../storage/object-storage.js';
import { type Generation, isNativeExtension, type Segment } from '../generation.js';
import { GenerationsRepository } from '../generations.repository.js';
import { contentTypeOfFormat } from '../../media/image-types.js';
import { StorageKeys } from '../../storage/storage-keys.js';
import { GenerationFailure } from './job-failure.js';
import { download, storeLastFrame } from './work-files.js';

/**
 * What a segment is submitted with: the user's image for the first one, the previous segment's last frame for
 * the next ones of a chain, or the previous segment's video for a native extension.
 */
@Injectable()
export class SegmentInputs {
  private readonly logger = new Logger(SegmentInputs.name);

  constructor(
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Inject(MediaService) private readonly media: MediaService,
    @Inject(GenerationsRepository) private readonly generations: GenerationsRepository,
  ) {}

  async inputFor(
    generation: Generation,
    model: ModelEntry,
    segment: Segment,
    workDir: string,
  ): Promise<GenerationInput> {
    const { params } = generation;
    const previous = generation.segments.find((s) => s.index === segment.index - 1);
    if (isNativeExtension(params, segment)) {
      return {
        ...this.commonInput(generation, model, segment),
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
      ...this.commonInput(generation, model, segment),
      image,
      // Seed 000's frame index and crop apply to the user's image, i.e. the first segment only.
      frameIndex: segment.index === 0 ? params.frameIndex : undefined,
      crop: segment.index === 0 ? params.crop : undefined,
    };
  }

  private commonInput(generation: Generation, model: ModelEntry, segment: Segment): GenerationInput {
    const { params } = generation;
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
    previous: Segment | undefined,
    segment: Segment,
    workDir: string,
  ): Promise<SourceVideo> {
    if (!previous || previous.status !== 'SUCCEEDED' || !previous.s3Key) {
      throw new GenerationFailure('CHAIN_BROKEN', `Segment ${segment.index} has no video to extend`);
    }
    const source = join(workDir, `segment-${previous.index}.extend-source.mp4`);
    await download(this.storage, previous.s3Key, source);
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
      return { bytes, contentType: contentTypeOfFormat(info.format), width: info.width, height: info.height };
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
    generation: Generation,
    segment: Segment,
    workDir: string,
  ): Promise<string | undefined> {
    if (segment.lastFrameKey) return segment.lastFrameKey;
    if (segment.status !== 'SUCCEEDED' || !segment.s3Key) return undefined;
    const video = join(workDir, `segment-${segment.index}.source.mp4`);
    await download(this.storage, segment.s3Key, video);
    const key = StorageKeys.lastFrameOf(StorageKeys.segment(generation.userId, generation.id, segment.index));
    await storeLastFrame(this.media, this.storage, video, key);
    await this.generations.setSegmentLastFrame(segment.id, key);
    return key;
  }
}
