// Test controls for the provider simulators, attached through their generic SimulatorHook: fault rules,
// recorded requests, and poll-count timing (deterministic, no sleeping). None of this ships in src.
import type { SimulatorHook } from '../../src/simulators/simulator-base.js';
import type { Fault, FaultOperation, JobProgress } from '../../src/simulators/simulator-faults.js';
import type { RecordedRequest } from '../../src/simulators/simulator-http.js';

export interface FaultRule {
  on: FaultOperation | FaultOperation[];
  fault: Fault;
  /** How many matching requests it applies to; default: all of them. */
  times?: number;
}

/** Rules a test adds; each matching request consumes one use of each rule until it is used up. */
export class FaultPlan {
  private rules: Array<FaultRule & { remaining: number }> = [];

  add(...rules: FaultRule[]): void {
    for (const rule of rules) this.rules.push({ ...rule, remaining: rule.times ?? Infinity });
  }

  clear(): void {
    this.rules = [];
  }

  /** The faults for one request of `operation`, consuming one use of each. */
  take(operation: FaultOperation): Fault[] {
    const faults: Fault[] = [];
    for (const rule of this.rules) {
      const ops = Array.isArray(rule.on) ? rule.on : [rule.on];
      if (rule.remaining > 0 && ops.includes(operation)) {
        rule.remaining -= 1;
        faults.push(rule.fault);
      }
    }
    this.rules = this.rules.filter((rule) => rule.remaining > 0);
    return faults;
  }
}

/** Jobs advance by status polls: queued for `queuePolls` polls, then running for `runPolls`, then done. */
export interface PollTiming {
  queuePolls: number;
  runPolls: number;
}

/** Where a job is after `polls` status polls. Pure. */
export function progressByPolls(timing: PollTiming, polls: number): JobProgress {
  // One queue place per poll from the simulator's default position of 2 (2, 1, 0 ...).
  const queueFraction = Math.min(1, Math.max(0, polls - 1) / 2);
  if (polls <= timing.queuePolls) return { phase: 'queued', fraction: 0, queueFraction };
  const run = polls - timing.queuePolls;
  if (run <= timing.runPolls) {
    return { phase: 'running', fraction: run / (timing.runPolls + 1), queueFraction: 1 };
  }
  return { phase: 'done', fraction: 1, queueFraction: 1 };
}

interface Attachable {
  attach(hook: SimulatorHook): () => void;
  idle(): Promise<void>;
  prune(ageMs?: number): Promise<void>;
}

/** A test's handle on one simulator. */
export class SimulatorControls implements SimulatorHook {
  readonly faults = new FaultPlan();
  readonly requests: RecordedRequest[] = [];
  private timing?: PollTiming;
  readonly detach: () => void;

  private constructor(private readonly simulator: Attachable) {
    this.detach = simulator.attach(this);
  }

  /** Attaches controls to a simulator (once: later calls return the same controls). */
  static of(simulator: Attachable): SimulatorControls {
    let controls = attached.get(simulator);
    if (!controls) {
      controls = new SimulatorControls(simulator);
      attached.set(simulator, controls);
    }
    return controls;
  }

  /** Adds fault rules (see FaultRule). */
  inject(...rules: FaultRule[]): void {
    this.faults.add(...rules);
  }

  /** Poll-count timing from now on; undefined returns to the simulator's wall clock. */
  setTiming(timing: PollTiming | undefined): void {
    this.timing = timing;
  }

  /** Forgets the simulator's jobs, and the faults and recorded requests. */
  async reset(): Promise<void> {
    this.faults.clear();
    this.requests.length = 0;
    await this.simulator.prune(0);
  }

  /** Waits for every render started so far (the video exists before polling). */
  settle(): Promise<void> {
    return this.simulator.idle();
  }

  observe(request: RecordedRequest): void {
    this.requests.push(request);
  }

  behaviours(operation: FaultOperation): Fault[] {
    return this.faults.take(operation);
  }

  progress(job: { polls: number }): JobProgress | undefined {
    return this.timing ? progressByPolls(this.timing, job.polls) : undefined;
  }
}

const attached = new WeakMap<Attachable, SimulatorControls>();

/** Shorthand for SimulatorControls.of. */
export const controlsOf = (simulator: Attachable): SimulatorControls => SimulatorControls.of(simulator);
