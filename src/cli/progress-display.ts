import { describeState, formatPlainLine, formatProgressBar } from './progress.js';
import type { GenerationView } from './service-types.js';

/** Without a terminal, progress is logged in steps of this many percent (status changes always show). */
const PLAIN_PERCENT_STEP = 10;

export interface DisplayTarget {
  err(text: string): void;
  /** Redraw one line in place (a terminal) or print a line per change (a log). */
  live: boolean;
  columns(): number;
}

/** Progress of one generation on stderr: a live bar on a terminal, a plain line per change elsewhere. */
export class ProgressDisplay {
  private readonly startedAt = Date.now();
  private view: GenerationView | undefined;
  private lastPlain = '';
  private drawn = false;
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly target: DisplayTarget) {
    if (target.live) {
      // The elapsed time moves even when the service has nothing new to say.
      this.ticker = setInterval(() => this.draw(), 1000);
      this.ticker.unref();
    }
  }

  update(view: GenerationView): void {
    this.view = view;
    if (this.target.live) {
      this.draw();
      return;
    }
    const state = describeState(view, { percentStep: PLAIN_PERCENT_STEP });
    if (state !== this.lastPlain) {
      this.lastPlain = state;
      this.target.err(`${formatPlainLine(view, Date.now() - this.startedAt, PLAIN_PERCENT_STEP)}\n`);
    }
  }

  /** A message between progress updates, on its own line. */
  notice(message: string): void {
    this.endLine();
    this.target.err(`${message}\n`);
    if (this.target.live) this.draw();
  }

  /** Leaves the last state on screen and stops redrawing. */
  stop(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.endLine();
  }

  private draw(): void {
    if (!this.view) return;
    const line = formatProgressBar(this.view, {
      columns: this.target.columns(),
      elapsedMs: Date.now() - this.startedAt,
    });
    this.target.err(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  private endLine(): void {
    if (this.drawn) this.target.err('\n');
    this.drawn = false;
  }
}
