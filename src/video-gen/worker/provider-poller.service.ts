import { setTimeout as sleep } from 'node:timers/promises';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { JobName, type ProviderLane, type SegmentHandover } from '../../jobs/job-definitions.js';
import { JobQueue } from '../../jobs/job-queue.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { ProviderRegistry } from '../../providers/provider-registry.js';
import type { PollResult } from '../../providers/video-provider.js';
import { pollDecision, verdictOf } from './poll-decision.js';
import { DueSegment, PollUpdate, SegmentPollRepository } from './segment-poll.repository.js';

/** How long a claimed segment stays this process's before another may poll it (a crashed poller's cost). */
const LEASE_MS = 20_000;
/** A segment waiting for room at its provider whose job was sent: when to send it again if nothing happened. */
const WAITING_LEASE_MS = 30_000;
/**
 * Jobs that carry on work already under way (a finished video to receive, a segment whose turn came) go
 * before new generations' first submissions: under a backlog, a made video must not wait behind new work.
 */
const RESUME_PRIORITY = 10;
/** Claimed segments waiting for a free request slot, per slot: enough to keep the slots busy between claims. */
const CLAIM_AHEAD = 4;

/**
 * Asks the providers how every submitted segment is doing, for all generations at once: one loop per worker
 * process claims the due segments in batches and polls them with at most PROVIDER_POLL_CONCURRENCY requests
 * in flight, writing the results back in batches. A generation holds no job while the provider works, so
 * 1,000 generations in flight cost 1,000 rows, not 1,000 job slots. When the provider is done (or has
 * failed), a generation job is sent to receive the video or fail and refund. Segments that found their
 * provider full (PROVIDER_MAX_IN_FLIGHT_*) are brought back to their jobs the same way.
 */
@Injectable()
export class ProviderPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ProviderPoller.name);
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waiting: Array<() => void> = [];
  private active = 0;
  private pending: PollUpdate[] = [];
  private flushing?: Promise<void>;

  constructor(
    @Inject(SegmentPollRepository) private readonly schedule: SegmentPollRepository,
    @Inject(ProviderRegistry) private readonly providers: ProviderRegistry,
    @Inject(JobQueue) private readonly jobs: JobQueue,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.jobs.runsWorkers) return;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await Promise.allSettled(this.inFlight);
    await this.flush();
  }

  private get concurrency(): number {
    return this.config.generation.pollConcurrency;
  }

  private async run(): Promise<void> {
    const { pollIntervalMs } = this.config.generation;
    // Idle wake-ups: often enough that a poll falls due at most this late.
    const idleMs = Math.min(500, Math.max(20, Math.floor(pollIntervalMs / 4)));
    let failures = 0;
    let waitingCheckedAt = 0;
    while (!this.stopping.signal.aborted) {
      if (Date.now() - waitingCheckedAt >= pollIntervalMs) {
        waitingCheckedAt = Date.now();
        await this.resumeWaiting();
      }
      const room = this.concurrency * CLAIM_AHEAD - this.inFlight.size;
      let claimed: DueSegment[] = [];
      if (room > 0) {
        try {
          claimed = await this.schedule.claimDue(room, LEASE_MS);
          failures = 0;
        } catch (error) {
          failures++;
          // The database is away: keep trying, more slowly; the segments wait in the table.
          if (failures === 1 || failures % 20 === 0) {
            this.logger.warn(`cannot claim due polls: ${(error as Error).message}`);
          }
        }
        for (const segment of claimed) this.track(this.pollOne(segment));
      }
      // Full: more may be due; take them as soon as a claimed one is done.
      if (room <= 0 || claimed.length === room) {
        await Promise.race(this.inFlight);
        continue;
      }
      await sleep(failures > 0 ? Math.min(5_000, idleMs * 2 ** failures) : idleMs, undefined, {
        signal: this.stopping.signal,
      }).catch(() => undefined);
    }
  }

  /** Segments that found their provider full: their jobs try again (and wait again if it still is). */
  private async resumeWaiting(): Promise<void> {
    try {
      const waiting = await this.schedule.claimWaiting(100, WAITING_LEASE_MS);
      for (const { generationId, provider } of waiting) {
        await this.jobs.send(
          JobName.GenerationRun,
          { generationId, provider: provider as ProviderLane },
          { priority: RESUME_PRIORITY },
        );
      }
    } catch (error) {
      this.logger.warn(`cannot resume segments waiting for a provider: ${(error as Error).message}`);
    }
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async pollOne(segment: DueSegment): Promise<void> {
    await this.slot();
    let answer: { result: PollResult } | { error: unknown };
    try {
      const ref = segment.providerRef;
      const provider = this.providers.forRef(ref);
      answer = {
        result: await this.metrics.timeProviderCall(ref.provider, 'status', () => provider.poll(ref)),
      };
    } catch (error) {
      answer = { error };
    } finally {
      this.release();
    }
    const decision = pollDecision(segment, answer, this.config.generation);
    if (decision.kind === 'again') {
      this.pending.push(decision.update);
      void this.flush();
      return;
    }
    await this.handOff(segment, verdictOf(segment, answer)).catch((error: unknown) => {
      // The lease runs out and the segment is polled (and handed off) again.
      this.logger.warn(`cannot hand generation ${segment.generationId} back: ${(error as Error).message}`);
    });
  }

  /**
   * The provider is done with the segment: a generation job takes over, with the verdict in its data (it
   * never asks the provider again). The lease is renewed first, so the job (which clears it) is never
   * overwritten. If the job never takes the segment (a job for this
   * generation was already queued and is retrying, or was just finishing), the lease runs out and the
   * segment is polled and handed off again; while a backlog of results waits for job slots, that costs one
   * status request per segment per lease, not per poll interval.
   */
  private async handOff(segment: DueSegment, handover: SegmentHandover): Promise<void> {
    await this.schedule.schedule(segment.id, LEASE_MS, segment.pollAttempts + 1);
    await this.jobs.send(
      JobName.GenerationRun,
      { generationId: segment.generationId, provider: segment.providerRef.provider, handover },
      { priority: RESUME_PRIORITY },
    );
  }

  /** Writes what the polls found, many at a time; one write runs at a time and takes whatever piled up. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.schedule.record(batch);
        } catch (error) {
          // Not written: the leases run out and these segments are simply polled again.
          this.logger.warn(`cannot record ${batch.length} poll result(s): ${(error as Error).message}`);
        }
      }
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async slot(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
