import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import { MediaService } from '../../media/media.service.js';
import type { VideoInfo } from '../../media/media.types.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { ProviderRegistry } from '../../providers/provider-registry.js';
import type { ProviderRef } from '../../providers/video-provider.js';
import { ObjectStorage } from '../../storage/object-storage.js';
import { type Generation, isNativeExtension, type Segment } from '../generation.js';
import { GenerationsRepository } from '../generations.repository.js';
import { StorageKeys } from '../../storage/storage-keys.js';
import { overallProgress } from './poll-timing.js';
import { SegmentPollRepository } from './segment-poll.repository.js';
import { checkVideo } from './check-video.js';
import { ResultIntake } from './result-intake.js';
import { asJobError, GenerationGone } from './job-failure.js';
import { storeLastFrame } from './work-files.js';

/**
 * A segment the poller says the provider made: streams the provider's video to disk and into S3, checks it,
 * trims it and keeps its last frame (the next segment of a chain starts from it).
 */
@Injectable()
export class ReceiveStep {
  constructor(
    @Inject(GenerationsRepository) private readonly generations: GenerationsRepository,
    @Inject(SegmentPollRepository) private readonly polls: SegmentPollRepository,
    @Inject(ProviderRegistry) private readonly providers: ProviderRegistry,
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Inject(MediaService) private readonly media: MediaService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(ResultIntake) private readonly intake: ResultIntake,
  ) {}

  /**
   * Receives the segment into `local` (the trimmed video, kept for assembling): streamed to disk and into S3
   * at once, checked, and its last frame kept. Returns what the check found when the stored file is the one
   * checked (not trimmed or cut afterwards); a single segment's thumbnail and last frame are then stored too.
   */
  async receive(
    generation: Generation,
    segment: Segment,
    local: string,
    workDir: string,
  ): Promise<VideoInfo | undefined> {
    // This job has the segment now: the pollers leave it alone.
    await this.polls.release(segment.id);
    const ref = segment.providerRef as ProviderRef;
    const segmentCount = generation.segments.length;
    const provider = this.providers.forRef(ref);
    const result = await this.metrics
      .timeProviderCall(ref.provider, 'result', () => provider.fetchResult(ref))
      .catch((error: unknown) => {
        throw asJobError(error);
      });
    const keys = StorageKeys.generation(generation.userId, generation.id);
    const s3Key =
      segmentCount === 1 ? keys.video : StorageKeys.segment(generation.userId, generation.id, segment.index);
    const lastFrameKey = segment.index < segmentCount - 1 ? StorageKeys.lastFrameOf(s3Key) : undefined;
    const expected = Number(segment.durationSeconds);
    const what = `segment ${segment.index + 1}`;
    const nativeExtension = isNativeExtension(generation.params, segment);
    let checked: VideoInfo | undefined;
    if (segment.trimToSeconds === null && !nativeExtension) {
      checked = await this.intake
        .receive({
          stream: result.stream,
          key: s3Key,
          file: local,
          check: (file) => checkVideo(this.media, file, expected, what),
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
      await checkVideo(this.media, raw, expected, what);
      if (segment.trimToSeconds !== null) await this.media.trim(raw, Number(segment.trimToSeconds), local);
      else await rename(raw, local);
      await this.storage.uploadFile(s3Key, local, 'video/mp4');
      if (lastFrameKey) await storeLastFrame(this.media, this.storage, local, lastFrameKey);
    }
    const overall = overallProgress(segment.index, 100, segmentCount);
    const stored = await this.generations.segmentReceived(segment, {
      s3Key,
      lastFrameKey,
      generationProgress: overall ?? null,
    });
    // Cancelled or failed while this was being received: what was uploaded goes with the settlement's cleanup.
    if (!stored) throw new GenerationGone();
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
}
