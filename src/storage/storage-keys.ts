import { isUsableUserId } from '../common/user-id.js';

/** Each user's objects live under `<area>/<userId>/`: source images under `images/`, results under `videos/`. */
export type StorageArea = 'images' | 'videos';

/**
 * Every object key the service writes, in one place: the uploads, the pipeline, cleanup and retention build
 * keys only through these. (Whether a key a caller sends is theirs is auth/ownership.ts.) Each throws for a
 * user id that could change the path, which a verified token never carries.
 */
export const StorageKeys = {
  /** `<area>/<userId>/`. */
  prefix(area: StorageArea, userId: string): string {
    if (!isUsableUserId(userId)) throw new Error(`Not a usable user id for a storage prefix: ${userId}`);
    return `${area}/${userId}/`;
  },
  imagePrefix(userId: string): string {
    return StorageKeys.prefix('images', userId);
  },
  videoPrefix(userId: string): string {
    return StorageKeys.prefix('videos', userId);
  },
  /** `images/<userId>/<fileName>`; `fileName` is ours (a uuid plus extension), never the caller's. */
  image(userId: string, fileName: string): string {
    return StorageKeys.prefix('images', userId) + fileName;
  },
  /**
   * `videos/<userId>/<generationId>`: every object of a generation starts with it, followed by `.`, `-` or
   * `/`. An extension's first segment is its parent's video, under the parent's name.
   */
  generationBase(userId: string, generationId: string): string {
    return StorageKeys.prefix('videos', userId) + generationId;
  },
  /** A generation's delivered files: the video, its thumbnail and the last frame a client continues from. */
  generation(userId: string, generationId: string): { video: string; thumbnail: string; lastFrame: string } {
    const base = StorageKeys.generationBase(userId, generationId);
    return { video: `${base}.mp4`, thumbnail: `${base}.jpg`, lastFrame: `${base}-last.png` };
  },
  /** One segment's video of a generation made of several. */
  segment(userId: string, generationId: string, index: number): string {
    return `${StorageKeys.generationBase(userId, generationId)}/segment-${index}.mp4`;
  },
  /** The last frame kept of a segment's (or a single-segment generation's) video: the next segment starts from it. */
  lastFrameOf(videoKey: string): string {
    return `${videoKey.replace(/\.mp4$/, '')}-last.png`;
  },
  /**
   * Every object the pipeline may have stored for a generation: the video, thumbnail and last frame, and each
   * segment's video and last frame. Derived from the keys' pattern, never from a segment's `s3Key`: an
   * extension's first segment is its parent's video, which must outlive it.
   */
  generationObjects(userId: string, generationId: string, segmentCount: number): string[] {
    const { video, thumbnail, lastFrame } = StorageKeys.generation(userId, generationId);
    const keys = [video, thumbnail, lastFrame];
    for (let index = 0; index < segmentCount; index++) {
      const segment = StorageKeys.segment(userId, generationId, index);
      keys.push(segment, StorageKeys.lastFrameOf(segment));
    }
    return keys;
  },
};
