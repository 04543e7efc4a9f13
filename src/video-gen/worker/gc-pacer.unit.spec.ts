import { constants, PerformanceObserver } from 'node:perf_hooks';
import { withGcPacing } from './gc-pacer.js';

describe('withGcPacing', () => {
  it("returns the work's result and passes its failure on, also when transfers overlap", async () => {
    let release!: () => void;
    const slow = withGcPacing(() => new Promise<string>((resolve) => (release = () => resolve('slow'))));
    await expect(withGcPacing(async () => 'quick')).resolves.toBe('quick');
    await expect(
      withGcPacing(async () => {
        throw new Error('download broke off');
      }),
    ).rejects.toThrow('download broke off');
    release();
    await expect(slow).resolves.toBe('slow');
  });

  it('runs young-generation collections while a transfer is under way, with nothing else allocating', async () => {
    let minor = 0;
    let seenTwo!: () => void;
    const twoSeen = new Promise<void>((resolve) => (seenTwo = resolve));
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MINOR && ++minor >= 2) seenTwo();
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      let timeout: NodeJS.Timeout | undefined;
      await withGcPacing(() =>
        Promise.race([
          twoSeen,
          new Promise((_, reject) => {
            timeout = setTimeout(() => reject(new Error(`${minor} young collections in 2 s`)), 2_000);
          }),
        ]),
      );
      clearTimeout(timeout);
      expect(minor).toBeGreaterThanOrEqual(2);
    } finally {
      observer.disconnect();
    }
  });
});
