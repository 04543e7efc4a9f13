import { type Classified, failureOf, type OwnFailure } from '../common/failures/classified.js';
import { classifyFailure } from '../common/failures/failure.classifier.js';

/** The job cannot succeed however often it runs (bad input, a provider's content refusal): never retried. */
export class PermanentJobError extends Error implements Classified {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }

  [failureOf](): OwnFailure {
    return { class: 'permanent', code: 'INTERNAL', message: this.message };
  }
}

/** The job may succeed later (provider 5xx or 429, network trouble): retried with backoff. */
export class TransientJobError extends Error implements Classified {
  /** The earliest the work should be tried again, when the other side said so (Retry-After). */
  readonly retryAfterMs?: number;

  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.name = 'TransientJobError';
    this.retryAfterMs = options?.retryAfterMs;
  }

  [failureOf](): OwnFailure {
    // The wrapper decides that it is retried; what it wraps says what it was, for when the retries run out.
    const inner = this.cause === undefined ? undefined : classifyFailure(this.cause);
    return {
      class: 'retryable',
      code: inner && inner.code !== 'INTERNAL' ? inner.code : 'RETRIES_EXHAUSTED',
      message: inner?.message ?? this.message,
      retryAfterMs: this.retryAfterMs ?? inner?.retryAfterMs,
      unavailable: inner?.unavailable,
    };
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
