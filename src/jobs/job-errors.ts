/** The job cannot succeed however often it runs (bad input, a provider's content refusal): never retried. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** The job may succeed later (provider 5xx or 429, network trouble): retried with backoff. */
export class TransientJobError extends Error {
  /** The earliest the work should be tried again, when the other side said so (Retry-After). */
  readonly retryAfterMs?: number;

  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.name = 'TransientJobError';
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A worker process was started without a handler for a job it is expected to run. */
export class MissingJobHandlersError extends Error {
  constructor(readonly jobNames: string[]) {
    super(
      `No handler registered for job(s) ${jobNames.join(', ')}; a worker process must handle every job it is expected to run`,
    );
    this.name = 'MissingJobHandlersError';
  }
}
