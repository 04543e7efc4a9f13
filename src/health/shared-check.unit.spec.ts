import { SharedCheck } from './shared-check.js';

/** A check whose runs the test settles by hand, counting how many were started. */
function controlledCheck() {
  const runs: Array<{ resolve: (value: string) => void; reject: (error: Error) => void }> = [];
  const run = () =>
    new Promise<string>((resolve, reject) => {
      runs.push({ resolve, reject });
    });
  return { runs, run };
}

describe('SharedCheck', () => {
  let clock: number;
  const now = () => clock;
  beforeEach(() => {
    clock = 10_000;
  });

  it('shares one in-flight run among concurrent callers', async () => {
    const { runs, run } = controlledCheck();
    const check = new SharedCheck(run, 1000, now);
    const callers = Array.from({ length: 50 }, () => check.get());
    expect(runs).toHaveLength(1);
    runs[0].resolve('up');
    expect(await Promise.all(callers)).toEqual(Array(50).fill('up'));
  });

  it('reuses the result until ttl after it completed, then checks again', async () => {
    const { runs, run } = controlledCheck();
    const check = new SharedCheck(run, 1000, now);
    const first = check.get();
    clock += 400; // the run itself took 400 ms
    runs[0].resolve('up');
    await first;

    clock += 999;
    expect(await check.get()).toBe('up');
    expect(runs).toHaveLength(1);

    clock += 1;
    const second = check.get();
    expect(runs).toHaveLength(2);
    runs[1].resolve('down');
    expect(await second).toBe('down');
  });

  it('does not reuse a run that threw: its waiters see the error, the next caller starts anew', async () => {
    const { runs, run } = controlledCheck();
    const check = new SharedCheck(run, 1000, now);
    const a = check.get();
    const b = check.get();
    runs[0].reject(new Error('connection refused'));
    await expect(a).rejects.toThrow('connection refused');
    await expect(b).rejects.toThrow('connection refused');

    const c = check.get();
    expect(runs).toHaveLength(2);
    runs[1].resolve('up');
    expect(await c).toBe('up');
  });
});
