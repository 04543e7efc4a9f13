import { Inject, Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JobQueue, type QueueStats } from '../jobs/job-queue.js';

/** `partial`: a chain delivered with some segments missing (and those refunded). */
export type GenerationOutcome = 'succeeded' | 'partial' | 'failed' | 'cancelled';
export type CreditMovement = 'reserved' | 'captured' | 'refunded';
export type ProviderCallOutcome = 'ok' | 'error';

/** `IMAGE_TO_VIDEO` (the database's kind) as the API spells it: `image-to-video`. */
export function kindLabel(kind: string): string {
  return kind.toLowerCase().replaceAll('_', '-');
}

/** Seconds from `since` to now. */
export function secondsSince(since: Date): number {
  return (Date.now() - since.getTime()) / 1000;
}

/** Something with a numeric value: a number, a Decimal (credits), or a decimal string. */
export type Amount = number | string | { toNumber(): number };

// Generations take from seconds (simulated) to tens of minutes (a long chain on a busy provider).
const GENERATION_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 180, 300, 600, 900, 1800, 3600];
// One provider HTTP call: submit, status, result, cancel; downloads of results go up to minutes.
const PROVIDER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The service's Prometheus metrics, on a registry of its own per application instance (not prom-client's
 * global one, so several apps in one process, as in the tests, never share or collide on series).
 * The pipeline and the credits ledger report through the small methods below; queue gauges are read from
 * the job table at scrape time, so they are current in every process, whichever one did the work.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger('Metrics');
  readonly registry = new Registry();
  private readonly generations: Counter<'model' | 'kind' | 'outcome'>;
  private readonly generationSeconds: Histogram<'model' | 'kind' | 'outcome'>;
  private readonly providerSeconds: Histogram<'provider' | 'operation' | 'outcome'>;
  private readonly credits: Counter<'type'>;
  private readonly httpSeconds: Histogram<'method' | 'route' | 'status'>;

  constructor(@Inject(JobQueue) queue: JobQueue) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.generations = new Counter({
      name: 'videogen_generations_total',
      help: 'Generations that reached a terminal state, by model, kind and outcome.',
      labelNames: ['model', 'kind', 'outcome'],
      registers,
    });
    this.generationSeconds = new Histogram({
      name: 'videogen_generation_duration_seconds',
      help: 'From accepting a generation to its terminal state.',
      labelNames: ['model', 'kind', 'outcome'],
      buckets: GENERATION_BUCKETS,
      registers,
    });
    this.providerSeconds = new Histogram({
      name: 'videogen_provider_request_duration_seconds',
      help: 'One call to a video provider (submit, status, result, download, cancel).',
      labelNames: ['provider', 'operation', 'outcome'],
      buckets: PROVIDER_BUCKETS,
      registers,
    });
    this.credits = new Counter({
      name: 'videogen_credits_total',
      help: 'Credits moved by the ledger: reserved for generations, captured on success, refunded on failure.',
      labelNames: ['type'],
      registers,
    });
    this.httpSeconds = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });

    // Both queue gauges are filled from one JobQueue.stats() per scrape (the registry collects metrics
    // concurrently, so they share the in-flight read). A database that does not answer leaves them empty
    // rather than failing the whole scrape.
    const logger = this.logger;
    let inFlight: Promise<QueueStats[]> | undefined;
    const readStats = () =>
      (inFlight ??= queue
        .stats()
        .catch((error: unknown) => {
          logger.warn(`queue statistics unavailable: ${(error as Error).message}`);
          return [];
        })
        .finally(() => (inFlight = undefined)));
    new Gauge({
      name: 'videogen_queue_jobs',
      help: 'Jobs per queue and state (ready = due and waiting, deferred = waiting for a later start).',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        const stats = await readStats();
        this.reset();
        for (const entry of stats) {
          for (const state of ['ready', 'deferred', 'active', 'failed'] as const) {
            this.set({ queue: entry.queue, state }, entry[state]);
          }
        }
      },
    });
    new Gauge({
      name: 'videogen_queue_oldest_ready_age_seconds',
      help: 'How long the longest-waiting due job of each queue has waited.',
      labelNames: ['queue'],
      registers,
      async collect() {
        const stats = await readStats();
        this.reset();
        for (const entry of stats) this.set({ queue: entry.queue }, entry.oldestReadyAgeMs / 1000);
      },
    });
  }

  generationFinished(model: string, kind: string, outcome: GenerationOutcome, seconds: number): void {
    this.generations.inc({ model, kind, outcome });
    this.generationSeconds.observe({ model, kind, outcome }, seconds);
  }

  providerCall(provider: string, op: string, seconds: number, outcome: ProviderCallOutcome = 'ok'): void {
    this.providerSeconds.observe({ provider, operation: op, outcome }, seconds);
  }

  /** Times `call` as one provider call, recording its outcome; returns or throws what it does. */
  async timeProviderCall<T>(provider: string, op: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome: ProviderCallOutcome = 'error';
    try {
      const result = await call();
      outcome = 'ok';
      return result;
    } finally {
      this.providerCall(provider, op, (performance.now() - started) / 1000, outcome);
    }
  }

  creditsMoved(type: CreditMovement, amount: Amount): void {
    const value = typeof amount === 'object' ? amount.toNumber() : Number(amount);
    // Counters only go up; a zero or negative movement (a capture of nothing) changes nothing.
    if (value > 0) this.credits.inc({ type }, value);
  }

  httpRequest(method: string, route: string, status: string, seconds: number): void {
    this.httpSeconds.observe({ method, route, status }, seconds);
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
