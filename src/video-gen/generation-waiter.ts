import { setTimeout as sleep } from 'node:timers/promises';
import type { GenerationWithSegments } from './generation-view.js';
import { isTerminal } from './generation-view.js';

/**
 * Follows a generation by reading its row: the worker may be another process, so the database is the one
 * source of truth. Yields the row whenever it changed, and stops at a terminal state, on `signal`, or at
 * `deadline` (ms since epoch).
 */
export async function* followGeneration(
  load: () => Promise<GenerationWithSegments>,
  options: { intervalMs: number; signal?: AbortSignal; deadline?: number },
): AsyncGenerator<GenerationWithSegments> {
  let last = '';
  for (;;) {
    const generation = await load();
    const fingerprint = `${generation.status}|${generation.progress}|${generation.queuePosition}|${generation.updatedAt.getTime()}|${generation.segments
      .map((s) => `${s.status}:${s.progress}`)
      .join(',')}`;
    if (fingerprint !== last) {
      last = fingerprint;
      yield generation;
    }
    if (isTerminal(generation)) return;
    if (options.signal?.aborted) return;
    if (options.deadline !== undefined && Date.now() >= options.deadline) return;
    const wait =
      options.deadline === undefined
        ? options.intervalMs
        : Math.min(options.intervalMs, options.deadline - Date.now());
    try {
      await sleep(Math.max(0, wait), undefined, { signal: options.signal });
    } catch {
      return;
    }
  }
}
