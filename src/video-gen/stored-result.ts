import type { Logger } from '@nestjs/common';
import type { ObjectStorage } from '../storage/object-storage.js';
import { StorageKeys } from '../storage/storage-keys.js';

/**
 * A cancelled or failed generation keeps no stored result: its video, thumbnail and segment objects are removed.
 * Best effort (deleting a missing key is fine, and a bucket away for a moment only leaves orphans, logged).
 */
export async function removeStoredResult(
  storage: ObjectStorage,
  generation: { id: string; userId: string; segmentCount: number },
  logger: Logger,
): Promise<void> {
  const keys = StorageKeys.generationObjects(generation.userId, generation.id, generation.segmentCount);
  const results = await Promise.allSettled(keys.map((key) => storage.delete(key)));
  const failed = results.filter((result) => result.status === 'rejected');
  if (failed.length > 0) {
    logger.warn(
      `generation ${generation.id}: ${failed.length} stored object(s) not removed: ${String(failed[0].reason)}`,
    );
  }
}
