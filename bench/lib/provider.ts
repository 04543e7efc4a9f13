import { randomBytes } from 'node:crypto';
import { FalQueueSimulator } from '../../src/simulators/fal-queue.simulator.js';
import type { JobTiming } from '../../src/simulators/simulator-faults.js';
import type { RecordedRequest } from '../../src/simulators/simulator-http.js';
import { SimulatedVideoRenderer, type RenderRequest } from '../../src/simulators/simulated-video.renderer.js';
import {
  controlsOf,
  type PollTiming,
  type SimulatorControls,
} from '../../test/support/simulator-controls.js';

/** Wall-clock timing, or poll-count timing (through the test controls). */
export type BenchTiming = JobTiming | PollTiming;

/** Answers every render with the same prepared video: the benchmark decides the result's size, not ffmpeg. */
class PreparedVideoRenderer extends SimulatedVideoRenderer {
  constructor(private readonly video: () => Buffer) {
    super(undefined as never);
  }

  override async render(_request: RenderRequest): Promise<Buffer> {
    return this.video();
  }
}

export interface TimedRequest {
  at: number;
  method: string;
  path: string;
}

/**
 * The fal queue simulator, run in the benchmark's own process so that a worker under measurement (another
 * process, pointed at it with FAL_BASE_URL) holds none of its memory. Every request is timestamped.
 */
export class BenchProvider {
  readonly timed: TimedRequest[] = [];
  private constructor(
    readonly simulator: FalQueueSimulator,
    readonly controls: SimulatorControls,
    readonly key: string,
    private readonly result: { video: Buffer },
  ) {}

  static async start(timing: BenchTiming): Promise<BenchProvider> {
    const result = { video: Buffer.alloc(0) };
    const key = `bench-${randomBytes(8).toString('hex')}`;
    const simulator = await FalQueueSimulator.start({
      renderer: new PreparedVideoRenderer(() => result.video),
      key,
      timing: 'queueMs' in timing ? timing : undefined,
    });
    const controls = controlsOf(simulator);
    const provider = new BenchProvider(simulator, controls, key, result);
    provider.setTiming(timing);
    const timed = provider.timed;
    // Keep a timestamp and drop the body of each request (1,000 submits of images add up).
    controls.observe = (item: RecordedRequest) => {
      timed.push({ at: Date.now(), method: item.method, path: item.path });
      controls.requests.push({ ...item, body: Buffer.alloc(0) });
    };
    return provider;
  }

  /** Poll-count timing, or back to the wall-clock timing the simulator started with. */
  setTiming(timing: BenchTiming): void {
    this.controls.setTiming('queuePolls' in timing ? timing : undefined);
  }

  /** The video every job will produce from now on. */
  setVideo(video: Buffer): void {
    this.result.video = video;
  }

  get baseUrl(): string {
    return this.simulator.baseUrl;
  }

  /** Environment for a service process to use this simulator as fal (live mode, no in-process simulators). */
  env(): Record<string, string> {
    return { PROVIDERS_MODE: 'live', FAL_KEY: this.key, FAL_BASE_URL: this.baseUrl };
  }

  /** When the simulator accepted each job (its own clock, the same machine's). */
  jobCreatedAt(): Map<string, number> {
    const jobs = (this.simulator as unknown as { jobs: Map<string, { createdAt: number }> }).jobs;
    return new Map([...jobs].map(([id, job]) => [id, job.createdAt]));
  }

  async reset(): Promise<void> {
    await this.controls.reset();
    this.timed.length = 0;
  }

  stop(): Promise<void> {
    return this.simulator.stop();
  }
}
