import { PermanentJobError, TransientJobError } from '../../jobs/job-errors.js';
import { MediaError } from '../../media/media.error.js';
import {
  ProviderError,
  ProviderFailedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
} from '../../providers/provider-errors.js';

/** A failure that ends the generation: the user sees `message`, the credits not delivered are refunded. */
export class GenerationFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GenerationFailure';
  }
}

/** The generation was cancelled or failed elsewhere while this worker had it: stop quietly. */
export class GenerationGone extends Error {}

export function contentTypeOf(format: string): string {
  return format === 'png' ? 'image/png' : format === 'webp' ? 'image/webp' : 'image/jpeg';
}

/** Retryable provider trouble becomes a TransientJobError (the queue retries with backoff); the rest fails. */
export function asJobError(error: unknown): Error {
  if (error instanceof ProviderError && error.retryable) {
    return new TransientJobError(error.message, {
      cause: error,
      retryAfterMs: error instanceof ProviderRateLimitedError ? error.retryAfterMs : undefined,
    });
  }
  if (error instanceof TransientJobError || error instanceof PermanentJobError) return error;
  return error as Error;
}

export function exhausted(error: unknown): GenerationFailure {
  const cause = error instanceof TransientJobError && error.cause !== undefined ? error.cause : error;
  const base = toFailure(cause);
  const code = base.code === 'INTERNAL' ? 'RETRIES_EXHAUSTED' : base.code;
  return new GenerationFailure(code, `Gave up after the last retry: ${base.message}`, { cause: error });
}

export function toFailure(error: unknown): GenerationFailure {
  if (error instanceof GenerationFailure) return error;
  if (error instanceof ProviderRejectedError)
    return new GenerationFailure(error.reason.toUpperCase(), error.userMessage, { cause: error });
  if (error instanceof ProviderFailedError)
    return new GenerationFailure(`PROVIDER_${error.reason.toUpperCase()}`, error.message, { cause: error });
  if (error instanceof ProviderError)
    return new GenerationFailure('PROVIDER_ERROR', error.message, { cause: error });
  // ffmpeg refusing what it was given while preparing the input (the image): the input's fault, not ours.
  if (error instanceof MediaError && error.code === 'INVALID_INPUT')
    return new GenerationFailure(
      'INVALID_INPUT',
      'The source image cannot be processed; upload another image. Your credits are refunded.',
      { cause: error },
    );
  return new GenerationFailure('INTERNAL', (error as Error)?.message ?? String(error), { cause: error });
}
