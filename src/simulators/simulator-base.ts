import type { ServerResponse } from 'node:http';
import type { Logger } from '@nestjs/common';
import { jobMarkers, timingFor, type JobMarkers, type PromptMarker } from './prompt-markers.js';
import {
  phaseOf,
  type Fault,
  type FaultOperation,
  type JobProgress,
  type JobTiming,
} from './simulator-faults.js';
import { LoopbackServer, type RecordedRequest } from './simulator-http.js';
import type { SimulatorStore } from './simulator-store.js';

/**
 * A generic extension point: something outside the simulator (for example a test's fault controller in
 * test/support) that sees each request, adds behaviours to it, or decides a job's progress. The simulator
 * ships no test controls of its own.
 */
export interface SimulatorHook {
  /** Every request, before it is answered. */
  observe?(request: RecordedRequest): void;
  /** Behaviours for one request of `operation`, applied after the prompt's markers. */
  behaviours?(operation: FaultOperation): Fault[];
  /** Where a job is, instead of the wall clock; undefined lets the wall clock decide. */
  progress?(job: { polls: number; ageMs: number }): JobProgress | undefined;
}

/** What every simulated job carries for its timeline. */
export interface TimedJob {
  id: string;
  createdAt: number;
  polls: number;
  markers?: JobMarkers;
}

export interface SimulatorBaseOptions {
  timing?: JobTiming;
  /** Where jobs persist; memory only when absent. */
  store?: SimulatorStore;
}

/** Wall-clock timing of simulators started without one (provider specs attach their own progress). */
const DEFAULT_TIMING: JobTiming = { queueMs: 1_000, runMs: 3_000 };

/**
 * What every provider simulator shares: a loopback HTTP server (or a mount on a shared one), the attached
 * hooks, the job timing, persistence, and the renders in flight. A simulator adds its routes and its jobs.
 */
export abstract class SimulatorBase<Job extends TimedJob> {
  /** Renders in flight, so stop() and idle() can wait for them. */
  private readonly renders = new Set<Promise<void>>();
  private readonly hooks: SimulatorHook[] = [];
  protected readonly jobs = new Map<string, Job>();
  protected abstract readonly logger: Logger;
  protected readonly timing: JobTiming;
  protected readonly store?: SimulatorStore;
  private server?: LoopbackServer;
  private mountedAt?: string;

  protected constructor(options: SimulatorBaseOptions) {
    this.timing = options.timing ?? DEFAULT_TIMING;
    this.store = options.store;
  }

  /** Starts serving on a loopback port (0 = any free one); subclasses call it from their static `start`. */
  protected async listen(port = 0, host = '127.0.0.1'): Promise<void> {
    this.server = await LoopbackServer.start(
      (request, res) => this.serve(request, res),
      (error) => this.logger.error(`simulator error: ${(error as Error).message}`),
      { port, host },
    );
  }

  /** Serves through a server shared with another simulator, at that server's base URL. */
  mount(baseUrl: string): (request: RecordedRequest, res: ServerResponse) => Promise<void> {
    this.mountedAt = baseUrl;
    return (request, res) => this.serve(request, res);
  }

  private async serve(request: RecordedRequest, res: ServerResponse): Promise<void> {
    for (const hook of this.hooks) hook.observe?.(request);
    await this.handle(request, res);
  }

  protected abstract handle(request: RecordedRequest, res: ServerResponse): Promise<void>;

  protected get baseUrlOfServer(): string {
    return this.mountedAt ?? this.server!.baseUrl;
  }

  /** Adds a hook; returns a function that removes it. */
  attach(hook: SimulatorHook): () => void {
    this.hooks.push(hook);
    return () => {
      const at = this.hooks.indexOf(hook);
      if (at >= 0) this.hooks.splice(at, 1);
    };
  }

  /** The behaviours for one request: the job's own (from its prompt) first, then the hooks'. */
  protected behaviours(operation: FaultOperation, own: Fault[] = []): Fault[] {
    return [...own, ...this.hooks.flatMap((hook) => hook.behaviours?.(operation) ?? [])];
  }

  /** The outcome and pace a job's prompt markers ask for, kept with the job. */
  protected markersOf(markers: Set<PromptMarker>): JobMarkers {
    return jobMarkers(markers);
  }

  /** Where a job is now: a hook's say first, then the wall clock (stretched for `[sim:slow]`/`[sim:timeout]`). */
  protected progressOf(job: Job): JobProgress {
    const ageMs = Date.now() - job.createdAt;
    for (const hook of this.hooks) {
      const progress = hook.progress?.({ polls: job.polls, ageMs });
      if (progress) return job.markers?.pace === 'never' && progress.phase === 'done' ? running() : progress;
    }
    return phaseOf(timingFor(this.timing, job.markers?.pace), ageMs);
  }

  /** Forgets jobs older than `ageMs` (all of them with 0), on disk too. */
  async prune(ageMs = 0): Promise<void> {
    const cutoff = Date.now() - ageMs;
    for (const job of [...this.jobs.values()]) {
      if (ageMs === 0 || job.createdAt < cutoff) {
        this.jobs.delete(job.id);
        await this.forget(job);
      }
    }
  }

  /** Removes a job's persisted traces (subclasses add their files). */
  protected async forget(job: Job): Promise<void> {
    await this.store?.deleteJob(job.id);
  }

  protected async persist(job: Job): Promise<void> {
    await this.store?.saveJob(job.id, this.record(job));
  }

  /** The job as stored: subclasses leave out buffers and promises. */
  protected abstract record(job: Job): unknown;

  protected track(render: Promise<void>): Promise<void> {
    this.renders.add(render);
    void render.finally(() => this.renders.delete(render));
    return render;
  }

  /** Resolves when every render started so far has finished. */
  async idle(): Promise<void> {
    await Promise.all([...this.renders]);
  }

  /** Stops answering, then lets renders in flight finish so nothing writes to DATA_DIR afterwards. */
  async stop(): Promise<void> {
    await this.server?.close();
    await this.idle();
  }
}

function running(): JobProgress {
  return { phase: 'running', fraction: 0.5, queueFraction: 1 };
}
