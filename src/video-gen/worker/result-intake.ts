import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { MediaService } from '../../media/media.service.js';
import type { VideoInfo } from '../../media/media.types.js';
import { ObjectStorage } from '../../storage/object-storage.js';

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
}

/**
 * Receives a provider's finished video in one pass: the download is written to disk and stored at once
 * (each part goes up as soon as it is on disk), the complete file is decoded and measured while the last
 * parts are still going up, and a chained segment's last frame is taken meanwhile. Nothing is accepted
 * before the check passes and the upload is complete; a refused or broken result leaves nothing stored.
 */
@Injectable()
export class ResultIntake {
  constructor(
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Inject(MediaService) private readonly media: MediaService,
  ) {}

  async receive(request: IntakeRequest): Promise<VideoInfo> {
    const upload = this.storage.uploadWhileWriting(request.key, request.stream, request.file, 'video/mp4');
    try {
      await upload.written;
      const info = await request.check(request.file);
      // Both settle before either's failure is reported, so nothing lands after the clean-up below.
      const results = await Promise.allSettled([
        upload.stored,
        request.lastFrameKey && this.storeLastFrame(request),
      ]);
      for (const result of results) if (result.status === 'rejected') throw result.reason;
      return info;
    } catch (error) {
      await upload.cancel();
      if (request.lastFrameKey) await this.storage.delete(request.lastFrameKey).catch(() => undefined);
      throw error;
    }
  }

  private async storeLastFrame(request: IntakeRequest): Promise<void> {
    const frame = request.file.replace(/\.mp4$/, '-last.png');
    await this.media.extractLastFrame(request.file, frame);
    await this.storage.put(request.lastFrameKey!, await readFile(frame), 'image/png');
  }
}
