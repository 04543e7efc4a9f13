import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { MediaService } from '../../media/media.service.js';
import type { VideoInfo } from '../../media/media.types.js';
import { ObjectStorage } from '../../storage/object-storage.js';
import type { Generation } from '../generation.js';
import { GenerationsRepository, type StoredVideo } from '../generations.repository.js';
import { StorageKeys } from '../../storage/storage-keys.js';
import { checkLength, checkVideo } from './check-video.js';
import { GenerationGone } from './job-failure.js';
import { storeStills } from './work-files.js';

/** Length of each crossfade between chained segments. */
const CROSSFADE_SECONDS = 0.5;

/**
 * The segments' videos become the generation's result: stitched (when there are several), checked, stored
 * with a thumbnail and a last frame. Settling (capturing the credits) is the settlement's.
 */
@Injectable()
export class AssembleStep {
  private readonly logger = new Logger(AssembleStep.name);

  constructor(
    @Inject(GenerationsRepository) private readonly generations: GenerationsRepository,
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Inject(MediaService) private readonly media: MediaService,
  ) {}

  /**
   * `files`: the segments' videos in order. `partial`: a chain delivering only its first segments, of
   * `deliveredSeconds` in all. Throws GenerationGone when the generation was cancelled or ended meanwhile.
   */
  async assemble(
    generation: Generation,
    files: string[],
    workDir: string,
    partial?: { deliveredSeconds: number },
    /** What receiving the only segment found, when `files[0]` is that very file and its stills are stored. */
    checked?: VideoInfo,
  ): Promise<StoredVideo> {
    const { params } = generation;
    const keys = StorageKeys.generation(generation.userId, generation.id);
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
    if (!(await this.generations.claimStoring(generation.id))) throw new GenerationGone();
    // A single segment was stored under the final key as it arrived, unless this is a partial chain.
    if (files.length > 1 || partial) {
      await this.storage.uploadFile(keys.video, finalFile, 'video/mp4');
    }
    const planned = partial?.deliveredSeconds ?? params.durationSeconds;
    const joins = transition === 'crossfade' ? files.length - 1 : 0;
    const expected = planned - joins * CROSSFADE_SECONDS;
    // The only segment, checked and with its stills stored as it was received: not decoded a second time.
    const received = checked && files.length === 1 && !partial;
    const info = received
      ? checkLength(checked, expected, 'a video')
      : await checkVideo(this.media, finalFile, expected, 'a video');
    if (!received) {
      await storeStills(this.media, this.storage, finalFile, info, {
        thumbnail: { key: keys.thumbnail, file: join(workDir, 'thumbnail.jpg') },
        lastFrame: { key: keys.lastFrame, file: join(workDir, 'last-frame.png') },
      });
    }
    return {
      s3Key: keys.video,
      thumbnailKey: keys.thumbnail,
      lastFrameKey: keys.lastFrame,
      durationSeconds: info.durationSeconds,
      width: info.width,
      height: info.height,
      bytes: (await stat(finalFile)).size,
    };
  }
}
