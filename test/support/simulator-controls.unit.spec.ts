import { FaultPlan, progressByPolls, SimulatorControls } from './simulator-controls.js';
import type { SimulatorHook } from '../../src/simulators/simulator-base.js';

describe('FaultPlan', () => {
  it('applies a rule to matching operations only, as many times as asked', () => {
    const plan = new FaultPlan();
    plan.add({ on: 'submit', fault: { kind: 'hang' }, times: 2 });
    expect(plan.take('status')).toEqual([]);
    expect(plan.take('submit')).toEqual([{ kind: 'hang' }]);
    expect(plan.take('submit')).toEqual([{ kind: 'hang' }]);
    expect(plan.take('submit')).toEqual([]);
  });

  it('applies every matching rule to one request; a rule without times lasts until cleared', () => {
    const plan = new FaultPlan();
    plan.add(
      { on: ['submit', 'status'], fault: { kind: 'latency', ms: 5 } },
      { on: 'status', fault: { kind: 'not-found' }, times: 1 },
    );
    expect(plan.take('status')).toEqual([{ kind: 'latency', ms: 5 }, { kind: 'not-found' }]);
    expect(plan.take('status')).toEqual([{ kind: 'latency', ms: 5 }]);
    plan.clear();
    expect(plan.take('submit')).toEqual([]);
  });
});

describe('progressByPolls', () => {
  it('queues for queuePolls polls with the queue position counting down, runs for runPolls, then is done', () => {
    const timing = { queuePolls: 3, runPolls: 1 };
    expect([1, 2, 3].map((polls) => progressByPolls(timing, polls))).toEqual([
      { phase: 'queued', fraction: 0, queueFraction: 0 },
      { phase: 'queued', fraction: 0, queueFraction: 0.5 },
      { phase: 'queued', fraction: 0, queueFraction: 1 },
    ]);
    expect(progressByPolls(timing, 4)).toEqual({ phase: 'running', fraction: 0.5, queueFraction: 1 });
    expect(progressByPolls(timing, 5).phase).toBe('done');
  });

  it('with no queue and no run is done on the first poll', () => {
    expect(progressByPolls({ queuePolls: 0, runPolls: 0 }, 1).phase).toBe('done');
  });
});

describe('SimulatorControls', () => {
  const fakeSimulator = () => {
    const hooks: SimulatorHook[] = [];
    return {
      hooks,
      pruned: [] as number[],
      attach(hook: SimulatorHook) {
        hooks.push(hook);
        return () => hooks.splice(hooks.indexOf(hook), 1);
      },
      idle: async () => undefined,
      async prune(ageMs = 0) {
        this.pruned.push(ageMs);
      },
    };
  };

  it('attaches once per simulator and detaches', () => {
    const simulator = fakeSimulator();
    const controls = SimulatorControls.of(simulator);
    expect(SimulatorControls.of(simulator)).toBe(controls);
    expect(simulator.hooks).toEqual([controls]);
    controls.detach();
    expect(simulator.hooks).toEqual([]);
  });

  it('records requests, hands out faults, and decides progress only when given poll timing', async () => {
    const simulator = fakeSimulator();
    const controls = SimulatorControls.of(simulator);
    controls.observe({ method: 'GET', path: '/x', query: {}, headers: {}, body: Buffer.alloc(0) });
    expect(controls.requests).toHaveLength(1);
    controls.inject({ on: 'submit', fault: { kind: 'moderation' }, times: 1 });
    expect(controls.behaviours('submit')).toEqual([{ kind: 'moderation' }]);
    expect(controls.progress({ polls: 1 })).toBeUndefined();
    controls.setTiming({ queuePolls: 0, runPolls: 0 });
    expect(controls.progress({ polls: 1 })?.phase).toBe('done');
    await controls.reset();
    expect(controls.requests).toHaveLength(0);
    expect(simulator.pruned).toEqual([0]);
  });
});
