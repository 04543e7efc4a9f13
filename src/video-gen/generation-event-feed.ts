import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DatabaseConnection } from '../database/database-connection.js';
import { GENERATION_EVENTS_CHANNEL } from './generation-events.js';
import { GenerationEventsRepository, StoredEvent } from './generation-events.repository.js';

const TERMINAL_EVENTS = new Set(['succeeded', 'failed', 'cancelled']);
const PAGE = 500;

export function isTerminalEvent(event: { type: string }): boolean {
  return TERMINAL_EVENTS.has(event.type);
}

/**
 * The process's one change feed: a single LISTEN (PostgreSQL) or in-process listener (PGlite) on the events
 * channel. Watchers (SSE streams, sync requests) sleep until a notification names their generation, then
 * read only the events after the last one they saw; watchers of the same generation share that read. With
 * nothing changing, watching costs the database nothing.
 */
@Injectable()
export class GenerationEventFeed implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(GenerationEventFeed.name);
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly outboxWatchers = new Set<() => void>();
  private readonly reads = new Map<string, Promise<StoredEvent[]>>();
  private stopListening?: () => Promise<void>;
  private stopped = false;

  constructor(
    @Inject(DatabaseConnection) private readonly connection: DatabaseConnection,
    @Inject(GenerationEventsRepository) private readonly events: GenerationEventsRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    this.stopListening = await this.connection.listen(
      GENERATION_EVENTS_CHANNEL,
      (payload) => this.onNotification(payload),
      () => this.resync(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.stopListening?.();
    this.resync(); // wakes every watcher so it ends: nothing would wake it any more
  }

  /** Current watchers, for metrics and tests. */
  get watcherCount(): number {
    let count = 0;
    for (const set of this.watchers.values()) count += set.size;
    return count;
  }

  /** Called on every notification that says a webhook delivery was written. */
  onOutbox(listener: () => void): () => void {
    this.outboxWatchers.add(listener);
    return () => this.outboxWatchers.delete(listener);
  }

  /**
   * Yields the events of `generationId` after `afterSeq` as they are appended, in order, and stops after a
   * terminal event, when `signal` aborts, or at `deadline` (ms since epoch).
   */
  async *follow(
    generationId: string,
    afterSeq: number,
    options: { signal?: AbortSignal; deadline?: number } = {},
  ): AsyncGenerator<StoredEvent> {
    let last = afterSeq;
    let dirty = true;
    let wake: (() => void) | undefined;
    const notify = () => {
      dirty = true;
      wake?.();
    };
    const set = this.watchers.get(generationId) ?? new Set();
    set.add(notify);
    this.watchers.set(generationId, set);
    const onAbort = () => wake?.();
    options.signal?.addEventListener('abort', onAbort);
    try {
      for (;;) {
        if (options.signal?.aborted || this.stopped) return;
        if (options.deadline !== undefined && Date.now() >= options.deadline) return;
        if (dirty) {
          dirty = false;
          const batch = await this.read(generationId, last);
          for (const event of batch) {
            last = event.seq;
            yield event;
            if (isTerminalEvent(event)) return;
          }
          if (batch.length === PAGE) dirty = true;
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer =
            options.deadline === undefined
              ? undefined
              : setTimeout(resolve, Math.max(0, options.deadline - Date.now()));
          wake = () => {
            if (timer) clearTimeout(timer);
            wake = undefined;
            resolve();
          };
          if (dirty || options.signal?.aborted || this.stopped) wake();
        });
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      set.delete(notify);
      if (set.size === 0 && this.watchers.get(generationId) === set) this.watchers.delete(generationId);
    }
  }

  /** One read per generation and position, however many watchers are waiting for it. */
  private read(generationId: string, afterSeq: number): Promise<StoredEvent[]> {
    const key = `${generationId}:${afterSeq}`;
    let pending = this.reads.get(key);
    if (!pending) {
      pending = this.events.after(generationId, afterSeq, PAGE).finally(() => this.reads.delete(key));
      this.reads.set(key, pending);
    }
    return pending;
  }

  private onNotification(payload: string): void {
    const [generationId, , outbox] = payload.split(':');
    if (generationId) for (const notify of this.watchers.get(generationId) ?? []) notify();
    if (outbox) for (const listener of this.outboxWatchers) listener();
  }

  /** Notifications may have been missed (the listener reconnected): everyone re-reads once. */
  private resync(): void {
    for (const set of this.watchers.values()) for (const notify of set) notify();
    for (const listener of this.outboxWatchers) listener();
    if (this.watchers.size > 0) this.logger.log('change feed (re)connected: watchers re-read their events');
  }
}
