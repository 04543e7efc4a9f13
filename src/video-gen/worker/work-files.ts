import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MediaService } from '../../media/media.service.js';
import type { VideoInfo } from '../../media/media.types.js';
import type { ObjectStorage } from '../../storage/object-storage.js';

/** Copies a stored object to a local work file. */
export async function download(storage: ObjectStorage, key: string, file: string): Promise<void> {
  const { body } = await storage.get(key);
  await pipeline(body as Readable, createWriteStream(file));
}

/** Stores the last frame of a local video (an `.mp4` work file) as a PNG at `key`: where a chain continues. */
export async function storeLastFrame(
  media: MediaService,
  storage: ObjectStorage,
  video: string,
  key: string,
): Promise<void> {
  const frame = video.replace(/\.mp4$/, '') + '-last.png';
  await media.extractLastFrame(video, frame);
  await storage.put(key, await readFile(frame), 'image/png');
}

/** A still made into a local `file` and stored at `key`. */
export interface StillTarget {
  key: string;
  file: string;
}

/**
 * Stores a final video's thumbnail (JPEG) and last frame (PNG, for GET /content?variant=last-frame: where a
 * client continues the video from), both made in one ffmpeg run.
 */
export async function storeStills(
  media: MediaService,
  storage: ObjectStorage,
  video: string,
  info: VideoInfo,
  stills: { thumbnail: StillTarget; lastFrame: StillTarget },
): Promise<void> {
  await media.stills(video, info, { thumbnail: stills.thumbnail.file, lastFrame: stills.lastFrame.file });
  await Promise.all([
    readFile(stills.thumbnail.file).then((bytes) => storage.put(stills.thumbnail.key, bytes, 'image/jpeg')),
    readFile(stills.lastFrame.file).then((bytes) => storage.put(stills.lastFrame.key, bytes, 'image/png')),
  ]);
}
