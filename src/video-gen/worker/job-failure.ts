import { classifyFailure } from '../../common/failures/failure.classifier.js';
import { GenerationFailure } from '../../common/failures/generation-failure.js';
import { TransientJobError } from '../../jobs/job-errors.js';

export { GenerationFailure };

/** The generation was cancelled or failed elsewhere while this worker had it: stop quietly. */
export class GenerationGone extends Error {}

/** A retryable failure becomes a TransientJobError (the queue retries with backoff); the rest fails. */
export function asJobError(error: unknown): Error {
  const failure = classifyFailure(error);
  if (failure.class === 'retryable' && !(error instanceof TransientJobError)) {
    return new TransientJobError((error as Error).message, {
      cause: error,
      retryAfterMs: failure.retryAfterMs,
    });
  }
  return error as Error;
}

/** The last retry failed too: the generation ends with what the cause says. */
export function exhausted(error: unknown): GenerationFailure {
  const failure = classifyFailure(error);
  return new GenerationFailure(failure.code, `Gave up after the last retry: ${failure.message}`, {
    cause: error,
  });
}

/** Any error, as the failure the user reads. */
export function toFailure(error: unknown): GenerationFailure {
  if (error instanceof GenerationFailure) return error;
  const failure = classifyFailure(error);
  return new GenerationFailure(failure.code, failure.message, { cause: error });
}
