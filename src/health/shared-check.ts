/**
 * One dependency check shared by every caller: concurrent callers wait for the same run, and its result
 * is reused for `ttlMs` after it completes. Readiness probes then cost the dependencies at most one check
 * per interval however many arrive, so probe traffic cannot make readiness fail. A run that throws is not
 * reused: the next caller starts a new one.
 */
export class SharedCheck<T> {
  private inFlight: Promise<T> | null = null;
  private last: { value: T; at: number } | null = null;

  constructor(
    private readonly run: () => Promise<T>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    if (this.inFlight) return this.inFlight;
    if (this.last && this.now() - this.last.at < this.ttlMs) return Promise.resolve(this.last.value);
    const run = this.run().then(
      (value) => {
        this.last = { value, at: this.now() };
        this.inFlight = null;
        return value;
      },
      (error: unknown) => {
        this.inFlight = null;
        throw error;
      },
    );
    this.inFlight = run;
    return run;
  }
}
