import { ApiError, ServiceUnreachableError } from './cli-errors.js';
import { isTerminal, type GenerationView } from './service-types.js';

/** Where a generation's state comes from: the service's event stream, and its plain GET. */
export interface GenerationSource {
  events(generationId: string, opts: { signal?: AbortSignal }): AsyncIterable<GenerationView>;
  getGeneration(generationId: string, signal?: AbortSignal): Promise<GenerationView>;
}

export interface FollowOptions {
  /** Called with every view received, in order. */
  onView(view: GenerationView): void;
  /** Told when the stream drops or is given up for polling (a line for the user). */
  onNotice?(message: string): void;
  signal?: AbortSignal;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Waits before each reconnection attempt; when they are used up, polling takes over. */
  reconnectDelaysMs: readonly number[];
  pollIntervalMs: number;
  /** Consecutive failed GETs (service restarting, network gone) tolerated before giving up. */
  maxGetFailures: number;
}

export const DEFAULT_FOLLOW_TIMING = {
  reconnectDelaysMs: [500, 1000, 2000, 4000],
  pollIntervalMs: 2000,
  maxGetFailures: 15,
} as const;

/**
 * Follows a generation to its end (succeeded, failed or cancelled) and returns the final view. Listens to the
 * event stream; when the stream drops or ends early it catches up with a GET (changes made while disconnected
 * are not replayed) and reconnects; after `reconnectDelaysMs.length` failed connections in a row it polls GET.
 * A refused token ends the wait at once; an abort of `signal` rejects with the abort reason.
 */
export async function followGeneration(
  generationId: string,
  source: GenerationSource,
  options: FollowOptions,
): Promise<GenerationView> {
  const { signal } = options;
  let failedConnections = 0;
  let getFailures = 0;

  /** A GET that tolerates a service that is briefly away; undefined when this attempt failed. */
  const catchUp = async (): Promise<GenerationView | undefined> => {
    try {
      const view = await source.getGeneration(generationId, signal);
      getFailures = 0;
      options.onView(view);
      return view;
    } catch (error) {
      signal?.throwIfAborted();
      if (!isPassing(error) || ++getFailures > options.maxGetFailures) throw error;
      return undefined;
    }
  };

  while (failedConnections < options.reconnectDelaysMs.length) {
    signal?.throwIfAborted();
    let received = false;
    try {
      for await (const view of source.events(generationId, { signal })) {
        received = true;
        options.onView(view);
        if (isTerminal(view)) return view;
      }
    } catch (error) {
      signal?.throwIfAborted();
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) throw error;
      options.onNotice?.(`event stream lost (${describe(error)}); reconnecting`);
    }
    // A connection that delivered something was healthy: only consecutive failures count.
    failedConnections = received ? 0 : failedConnections + 1;
    const view = await catchUp();
    if (view && isTerminal(view)) return view;
    if (failedConnections < options.reconnectDelaysMs.length) {
      await options.sleep(options.reconnectDelaysMs[Math.max(0, failedConnections - 1)], signal);
    }
  }

  options.onNotice?.(
    `the event stream keeps failing; checking every ${options.pollIntervalMs / 1000} s instead`,
  );
  for (;;) {
    await options.sleep(options.pollIntervalMs, signal);
    const view = await catchUp();
    if (view && isTerminal(view)) return view;
  }
}

/** Failures worth waiting out: no answer at all, or the service (or a proxy) failing for now. */
function isPassing(error: unknown): boolean {
  if (error instanceof ServiceUnreachableError) return true;
  return error instanceof ApiError && [502, 503, 504].includes(error.status);
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return `${error.status} ${error.statusText}`.trim();
  if (error instanceof ServiceUnreachableError) return error.code ?? 'no answer';
  return error instanceof Error ? error.message : String(error);
}
