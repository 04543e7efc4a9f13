import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'minor' | 'major' }) => void;

/** How often a young-generation collection runs while a large transfer is under way. */
const EVERY_MS = 20;

let collect: Collect | null | undefined;
let active = 0;
let timer: NodeJS.Timeout | undefined;

/**
 * Keeps a worker's memory flat while it moves a large result. Every 64 KB socket read and file read is a new
 * buffer, dropped as soon as it is written; with Node's default young generation nothing collects them until
 * V8's external-memory limit (64 MB above the last collection) is reached, so a 500 MB result left 60-100 MB
 * of garbage in the process (measured). A young-generation collection every 20 ms (well under a millisecond
 * each) frees them as they go. Runs only while at least one transfer is in progress; a no-op where the
 * collector cannot be reached.
 */
export async function withGcPacing<T>(work: () => Promise<T>): Promise<T> {
  collect ??= collector();
  if (!collect) return work();
  if (active++ === 0) {
    timer = setInterval(() => collect!({ type: 'minor' }), EVERY_MS);
    timer.unref();
  }
  try {
    return await work();
  } finally {
    if (--active === 0) clearInterval(timer);
  }
}

/** V8's `gc`, made reachable from a fresh context; it stays out of the main context's globals. */
function collector(): Collect | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as Collect) : null;
  } catch {
    return null;
  }
}
