import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { MediaService } from '../../media/media.service.js';
import type { VideoInfo } from '../../media/media.types.js';
import { ObjectStorage } from '../../storage/object-storage.js';
import { withGcPacing } from './gc-pacer.js';
import { type StillTarget, storeLastFrame, storeStills } from './work-files.js';

export type { StillTarget };

export interface IntakeRequest {
  /** The provider's video as it arrives. */
  stream: Readable;
  /** Where the video is stored. */
  key: string;
  /** Where it is kept on disk for the steps after this one. */
  file: string;
  /** Decodes the complete file and checks its length; throws to refuse it. */
  check: (file: string) => Promise<VideoInfo>;
  /** Set for a segment that another one continues: its last frame is stored there. */
  lastFrameKey?: string;
  /**
   * Set when this video is the final result as it is (a single, untrimmed segment): its thumbnail and
   * last frame are made from the file and stored alongside, while it is checked and its upload finishes.
   */
  stills?: { thumbnail: StillTarget; lastFrame: StillTarget };
}

/**
 * Receives a provider's finished video in one pass: the download is written to disk and stored at once
 * (each part goes up as soon as it is on disk); the complete file is decoded and measured while the last
 * parts are still going up, and its stills (a chained segment's last frame, or a final video's thumbnail
 * and last frame) are made meanwhile. Nothing is accepted before the check passes and every upload is
 * complete; a refused or broken result leaves nothing stored.
 */
@Injectable()
export class ResultIntake {
  constructor(
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Inject(MediaService) private readonly media: MediaService,
  ) {}

  async receive(request: IntakeRequest): Promise<VideoInfo> {
    return withGcPacing(() => this.receiveNow(request));
  }

  private async receiveNow(request: IntakeRequest): Promise<VideoInfo> {
    const upload = this.storage.uploadWhileWriting(request.key, request.stream, request.file, 'video/mp4');
    try {
      await upload.written;
      // Everything that reads the complete file runs at once; all of it settles before a failure is
      // reported, so nothing lands after the clean-up below.
      const results = await Promise.allSettled([
        request.check(request.file),
        upload.stored,
        request.lastFrameKey && storeLastFrame(this.media, this.storage, request.file, request.lastFrameKey),
        request.stills && this.storeStills(request.file, request.stills),
      ]);
      for (const result of results) if (result.status === 'rejected') throw result.reason;
      return (results[0] as PromiseFulfilledResult<VideoInfo>).value;
    } catch (error) {
      await upload.cancel();
      const extra = [request.lastFrameKey, request.stills?.thumbnail.key, request.stills?.lastFrame.key];
      await Promise.all(extra.map((key) => key && this.storage.delete(key).catch(() => undefined)));
      throw error;
    }
  }

  private async storeStills(file: string, stills: { thumbnail: StillTarget; lastFrame: StillTarget }) {
    // Its own probe: the stills start while the check (which probes too) is still running.
    await storeStills(this.media, this.storage, file, await this.media.probe(file), stills);
  }
}
