import { StorageKeys } from '../../storage/storage-keys.js';
import { isTerminal } from '../generation.js';

export const CONTENT_VARIANTS = ['video', 'thumbnail', 'last-frame'] as const;
export type ContentVariant = (typeof CONTENT_VARIANTS)[number];

interface StoredResult {
  id: string;
  userId: string;
  status: string;
  s3Key: string | null;
  thumbnailKey: string | null;
  lastFrameKey: string | null;
  segments: Array<{ index: number; s3Key: string | null; lastFrameKey: string | null }>;
}

/** The stored object behind a variant of a finished generation, or undefined when there is none. Pure. */
export function contentKey(generation: StoredResult, variant: ContentVariant): string | undefined {
  if (generation.status !== 'SUCCEEDED') return undefined;
  const key =
    variant === 'video'
      ? generation.s3Key
      : variant === 'thumbnail'
        ? generation.thumbnailKey
        : generation.lastFrameKey;
  return key ?? undefined;
}

/**
 * Every object a generation may have written: its video, thumbnail and last frame, and each segment's video
 * and frame, whether or not the row got to record them (a worker can die between upload and update). Only
 * keys under this generation's own name: an extension's first segment is its parent's video, which stays.
 * Pure.
 */
export function resultObjectKeys(generation: StoredResult): string[] {
  const own = StorageKeys.generationBase(generation.userId, generation.id);
  const keys = new Set(
    StorageKeys.generationObjects(generation.userId, generation.id, generation.segments.length),
  );
  const recorded = [
    generation.s3Key,
    generation.thumbnailKey,
    generation.lastFrameKey,
    ...generation.segments.flatMap((s) => [s.s3Key, s.lastFrameKey]),
  ];
  for (const key of recorded) {
    if (key && ['.', '/', '-'].some((next) => key.startsWith(own + next))) keys.add(key);
  }
  return [...keys].sort();
}

/**
 * Results finished before this instant are expired under RESULT_RETENTION_DAYS; undefined (keep forever) when
 * no retention is set. Pure.
 */
export function retentionCutoff(now: Date, days: number | undefined): Date | undefined {
  if (days === undefined) return undefined;
  return new Date(now.getTime() - days * 86_400_000);
}

/** Whether a generation's results are past retention: ended, not already deleted, and finished before the cutoff. Pure. */
export function isExpired(
  generation: { status: string; completedAt: Date | null; deletedAt: Date | null },
  cutoff: Date | undefined,
): boolean {
  return (
    cutoff !== undefined &&
    generation.deletedAt === null &&
    isTerminal(generation) &&
    generation.completedAt !== null &&
    generation.completedAt < cutoff
  );
}
