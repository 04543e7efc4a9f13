/**
 * What can go wrong at a video provider, classified so the pipeline can act without knowing the provider:
 *
 * | class                          | permanent | pipeline action                                              |
 * | ------------------------------ | --------- | ------------------------------------------------------------ |
 * | ProviderRejectedError          | yes       | fail, show `userMessage`, refund                             |
 * | ProviderFailedError            | yes       | fail (provider-side failure or misconfiguration), refund     |
 * | ProviderRateLimitedError       | no        | retry the same call after `retryAfterMs` (or backoff)        |
 * | ProviderTransientError         | no        | retry the same call with backoff                             |
 * | ProviderAmbiguousSubmitError   | unknown   | never resubmit blindly: look the submission up or hold it    |
 */
import { type Classified, failureOf, type OwnFailure } from '../common/failures/classified.js';
import type { FailureCode } from '../common/failures/failure-code.js';

export type ProviderName = 'fal' | 'azure' | 'local';

export abstract class ProviderError extends Error implements Classified {
  abstract readonly retryable: boolean;

  protected constructor(
    readonly provider: ProviderName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** A passing or unexplained failure; the subclasses with a reason say more. */
  [failureOf](): OwnFailure {
    return {
      class: this.retryable ? 'retryable' : 'permanent',
      code: 'PROVIDER_ERROR',
      message: this.message,
    };
  }
}

export type RejectionReason = 'invalid_input' | 'moderation';

/** What every adapter tells the user when the provider's content policy refused the request. */
export const MODERATION_MESSAGE =
  'The video provider refused this prompt or image under its content policy. Change them and try again.';

/** The provider refused the input or its output (moderation). Resubmitting the same input fails again. */
export class ProviderRejectedError extends ProviderError {
  readonly retryable = false;

  constructor(
    provider: ProviderName,
    readonly reason: RejectionReason,
    /** Safe to show to the end user: says what to change, never carries keys or internal URLs. */
    readonly userMessage: string,
    /** The provider's own words, for logs and support. */
    readonly providerDetail?: string,
    options?: { cause?: unknown },
  ) {
    super(
      provider,
      `${provider} rejected the request (${reason}): ${providerDetail ?? userMessage}`,
      options,
    );
  }

  override [failureOf](): OwnFailure {
    return {
      class: this.reason === 'moderation' ? 'moderation' : 'permanent',
      code: REJECTION_CODES[this.reason],
      message: this.userMessage,
    };
  }
}

const REJECTION_CODES: Record<RejectionReason, FailureCode> = {
  invalid_input: 'INVALID_INPUT',
  moderation: 'MODERATION',
};

export type FailureReason =
  'generation_failed' | 'result_unavailable' | 'unauthorized' | 'not_found' | 'misconfigured' | 'cancelled';

/** The provider failed for a reason that is not the user's input and that retrying the call will not fix. */
export class ProviderFailedError extends ProviderError {
  readonly retryable = false;

  constructor(
    provider: ProviderName,
    readonly reason: FailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(provider, message, options);
  }

  override [failureOf](): OwnFailure {
    return { class: 'permanent', code: PROVIDER_FAILURE_CODES[this.reason], message: this.message };
  }
}

const PROVIDER_FAILURE_CODES: Record<FailureReason, FailureCode> = {
  generation_failed: 'PROVIDER_GENERATION_FAILED',
  result_unavailable: 'PROVIDER_RESULT_UNAVAILABLE',
  unauthorized: 'PROVIDER_UNAUTHORIZED',
  not_found: 'PROVIDER_NOT_FOUND',
  misconfigured: 'PROVIDER_MISCONFIGURED',
  cancelled: 'PROVIDER_CANCELLED',
};

/** Too many requests: retry the same call, not before `retryAfterMs` when the provider said so. */
export class ProviderRateLimitedError extends ProviderError {
  readonly retryable = true;

  constructor(
    provider: ProviderName,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(provider, message, options);
  }

  override [failureOf](): OwnFailure {
    return { ...super[failureOf](), retryAfterMs: this.retryAfterMs };
  }
}

/** A network failure, timeout, 5xx or unreadable reply on a call that is safe to repeat. */
export class ProviderTransientError extends ProviderError {
  readonly retryable = true;

  constructor(provider: ProviderName, message: string, options?: { cause?: unknown }) {
    super(provider, message, options);
  }
}

/**
 * A submit whose outcome is unknown: the request was sent but no usable answer came back (timeout, reset
 * connection, 5xx from a gateway, unreadable body). The provider may have accepted and be billing for it,
 * so resubmitting could charge twice. Use `VideoProvider.findSubmission` or fail and refund.
 */
export class ProviderAmbiguousSubmitError extends ProviderError {
  readonly retryable = false;

  constructor(
    provider: ProviderName,
    message: string,
    /** When the request was sent, for looking it up at the provider. */
    readonly submittedAt: Date,
    options?: { cause?: unknown },
  ) {
    super(provider, message, options);
  }

  override [failureOf](): OwnFailure {
    return { class: 'ambiguous', code: 'SUBMIT_AMBIGUOUS', message: this.message };
  }
}

/**
 * Milliseconds to wait from a Retry-After header (seconds or HTTP date) or Azure's `retry-after-ms`.
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null | undefined },
  now: number = Date.now(),
): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
