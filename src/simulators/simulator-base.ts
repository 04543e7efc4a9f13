import type { ServerResponse } from 'node:http';
import type { Logger } from '@nestjs/common';
import { FaultPlan, type FaultRule, type JobTiming } from './simulator-faults.js';
import { LoopbackServer, type RecordedRequest } from './simulator-http.js';

/**
 * What every provider simulator shares: a loopback HTTP server, the recorded requests, the fault plan,
 * the job timing, and the renders in flight. A simulator adds its routes (`handle`) and its jobs.
 */
export abstract class SimulatorBase<Job> {
  readonly faults = new FaultPlan();
  readonly requests: RecordedRequest[] = [];
  /** Renders in flight, kept across reset() so settle() can wait for them. */
  private readonly renders = new Set<Promise<void>>();
  protected readonly jobs = new Map<string, Job>();
  protected abstract readonly logger: Logger;
  private server?: LoopbackServer;

  protected constructor(protected timing: JobTiming) {}

  /** Starts serving on a free loopback port; subclasses call it from their static `start`. */
  protected async listen(): Promise<void> {
    this.server = await LoopbackServer.start(
      (request, res) => this.handle(request, res),
      (error) => this.logger.error(`simulator error: ${(error as Error).message}`),
    );
  }

  protected abstract handle(request: RecordedRequest, res: ServerResponse): Promise<void>;

  protected get baseUrlOfServer(): string {
    return this.server!.baseUrl;
  }

  /** Adds fault rules (see FaultRule). */
  inject(...rules: FaultRule[]): void {
    this.faults.add(...rules);
  }

  setTiming(timing: JobTiming): void {
    this.timing = timing;
  }

  /** Forgets jobs, faults and recorded requests. */
  reset(): void {
    this.jobs.clear();
    this.faults.clear();
    this.requests.length = 0;
  }

  /** Waits for every render started so far (tests that want the video to exist before polling). */
  async settle(): Promise<void> {
    await Promise.all([...this.renders]);
  }

  jobCount(): number {
    return this.jobs.size;
  }

  protected track(render: Promise<void>): Promise<void> {
    this.renders.add(render);
    void render.finally(() => this.renders.delete(render));
    return render;
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }
}
