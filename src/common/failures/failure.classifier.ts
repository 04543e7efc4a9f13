import { PermanentJobError, TransientJobError } from '../../jobs/job-errors.js';
import { MediaError } from '../../media/media.error.js';
import {
  ProviderAmbiguousSubmitError,
  ProviderError,
  ProviderFailedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  type FailureReason,
  type RejectionReason,
} from '../../providers/provider-errors.js';
import { StorageUnavailableError } from '../../storage/object-storage.js';
import type { FailureCode } from './failure-code.js';
import { GenerationFailure } from './generation-failure.js';

/**
 * - `retryable`: passes by itself (5xx, 429, a dropped connection, a database restart): do the same again later.
 * - `permanent`: doing it again fails again (bad input, a provider's refusal, a bug): fail and refund.
 * - `ambiguous`: a submission may or may not have been accepted: never resend blindly, look it up.
 * - `moderation`: the provider's content policy refused it: fail, refund, and tell the user what to change.
 */
export type FailureClass = 'retryable' | 'permanent' | 'ambiguous' | 'moderation';

export interface Failure {
  class: FailureClass;
  /** What a generation ended by this failure shows. A retryable failure never has INTERNAL. */
  code: FailureCode;
  message: string;
  /** The earliest to try again, when the other side said so (Retry-After). */
  retryAfterMs?: number;
  /** The outside system that is away, for a retryable failure the API answers with 503. */
  unavailable?: 'database' | 'storage';
  /** False when nothing in the error said what it is: it is treated as permanent (see retry-policy.ts). */
  known: boolean;
}

/**
 * The one answer to "is this failure retried, refunded or shown, and as what?". Walks the `cause` chain (and
 * Prisma's driver-adapter details); the nearest error that says what it is wins, so a wrapper can overrule
 * what it wraps. Pure.
 */
export function classifyFailure(error: unknown): Failure {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const found = classifyOne(current, error);
    if (found) return found;
    const { cause, meta } = current as { cause?: unknown; meta?: { driverAdapterError?: unknown } };
    pending.push(cause, meta?.driverAdapterError);
  }
  return {
    class: 'permanent',
    code: 'INTERNAL',
    message: (error as Error | undefined)?.message ?? String(error),
    known: false,
  };
}

/** The first `code` string along the cause chain (Node's network codes sit on a wrapped cause). */
export function errorCodeOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current && typeof current === 'object' && !seen.has(current);) {
    seen.add(current);
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    current = cause;
  }
  return undefined;
}

/** A connection that failed, dropped or timed out: the same request may work a moment later. */
export function isNetworkFailure(error: unknown): boolean {
  const code = errorCodeOf(error);
  return code !== undefined && NETWORK_CODES.has(code);
}

/**
 * The request certainly never reached the other side (refused, no such host, no route): it cannot have been
 * acted on, so sending it again cannot do the work twice. Any other transport failure leaves a submit
 * ambiguous.
 */
export function neverReachedServer(error: unknown): boolean {
  const code = errorCodeOf(error);
  return code !== undefined && NEVER_SENT_CODES.has(code);
}

const REJECTION_CODES: Record<RejectionReason, FailureCode> = {
  invalid_input: 'INVALID_INPUT',
  moderation: 'MODERATION',
};

const PROVIDER_FAILURE_CODES: Record<FailureReason, FailureCode> = {
  generation_failed: 'PROVIDER_GENERATION_FAILED',
  result_unavailable: 'PROVIDER_RESULT_UNAVAILABLE',
  unauthorized: 'PROVIDER_UNAUTHORIZED',
  not_found: 'PROVIDER_NOT_FOUND',
  misconfigured: 'PROVIDER_MISCONFIGURED',
  cancelled: 'PROVIDER_CANCELLED',
};

/** Shown when ffmpeg cannot read the user's image while preparing it: the input's fault, not ours. */
const UNPROCESSABLE_IMAGE =
  'The source image cannot be processed; upload another image. Your credits are refunded.';

/** `top`: the error as thrown, whose message a failure recognised only by a code deeper down keeps. */
function classifyOne(error: object, top: unknown): Failure | undefined {
  if (error instanceof GenerationFailure) {
    return { class: classOfCode(error.code), code: error.code, message: error.message, known: true };
  }
  if (error instanceof PermanentJobError) {
    return { class: 'permanent', code: 'INTERNAL', message: error.message, known: true };
  }
  if (error instanceof TransientJobError) {
    // The wrapper decides that it is retried; what it wraps says what it was, for when the retries run out.
    const inner = error.cause === undefined ? undefined : classifyFailure(error.cause);
    return {
      class: 'retryable',
      code: inner && inner.code !== 'INTERNAL' ? inner.code : 'RETRIES_EXHAUSTED',
      message: inner?.message ?? error.message,
      retryAfterMs: error.retryAfterMs ?? inner?.retryAfterMs,
      unavailable: inner?.unavailable,
      known: true,
    };
  }
  if (error instanceof ProviderError) return classifyProviderError(error);
  if (error instanceof StorageUnavailableError) {
    return {
      class: 'retryable',
      code: 'RETRIES_EXHAUSTED',
      message: error.message,
      unavailable: 'storage',
      known: true,
    };
  }
  if (error instanceof MediaError) {
    return error.code === 'INVALID_INPUT'
      ? { class: 'permanent', code: 'INVALID_INPUT', message: UNPROCESSABLE_IMAGE, known: true }
      : { class: 'permanent', code: 'INTERNAL', message: error.message, known: true };
  }
  const { code, kind, message } = error as { code?: unknown; kind?: unknown; message?: unknown };
  const text = (top as Error | undefined)?.message ?? String(top);
  if (
    (typeof code === 'string' && (NETWORK_CODES.has(code) || DATABASE_UNAVAILABLE_CODES.has(code))) ||
    (typeof kind === 'string' && DATABASE_UNAVAILABLE_KINDS.has(kind)) ||
    (typeof message === 'string' && DATABASE_UNAVAILABLE_MESSAGES.test(message))
  ) {
    // The bucket and the providers wrap their own network failures (StorageUnavailableError, ProviderError):
    // a bare one, or a driver's, is the database's.
    return {
      class: 'retryable',
      code: 'RETRIES_EXHAUSTED',
      message: text,
      unavailable: 'database',
      known: true,
    };
  }
  if (typeof code === 'string' && DATABASE_CONFLICT_CODES.has(code)) {
    return { class: 'retryable', code: 'RETRIES_EXHAUSTED', message: text, known: true };
  }
  return undefined;
}

function classifyProviderError(error: ProviderError): Failure {
  if (error instanceof ProviderRejectedError) {
    return {
      class: error.reason === 'moderation' ? 'moderation' : 'permanent',
      code: REJECTION_CODES[error.reason],
      message: error.userMessage,
      known: true,
    };
  }
  if (error instanceof ProviderFailedError) {
    return {
      class: 'permanent',
      code: PROVIDER_FAILURE_CODES[error.reason],
      message: error.message,
      known: true,
    };
  }
  if (error instanceof ProviderAmbiguousSubmitError) {
    return { class: 'ambiguous', code: 'SUBMIT_AMBIGUOUS', message: error.message, known: true };
  }
  return {
    class: error.retryable ? 'retryable' : 'permanent',
    code: 'PROVIDER_ERROR',
    message: error.message,
    retryAfterMs: error instanceof ProviderRateLimitedError ? error.retryAfterMs : undefined,
    known: true,
  };
}

function classOfCode(code: FailureCode): FailureClass {
  if (code === 'MODERATION') return 'moderation';
  if (code === 'SUBMIT_AMBIGUOUS') return 'ambiguous';
  return 'permanent';
}

/** Node (and undici, axios) network errors. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** PostgreSQL and Prisma codes of a database that is restarting, failing over or out of connections. */
const DATABASE_UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '08000', // connection_exception
  '08001',
  '08003',
  '08004',
  '08006',
  'P1001', // Prisma: can't reach database server
  'P1002', // Prisma: database server timed out
  'P1008', // Prisma: operations timed out
  'P1017', // Prisma: server closed the connection
  'P2024', // Prisma: timed out fetching a connection from the pool
]);

/** Prisma driver-adapter error kinds. */
const DATABASE_UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/** node-postgres reports a dropped or unobtainable connection by message only. */
const DATABASE_UNAVAILABLE_MESSAGES =
  /Connection terminated unexpectedly|Connection terminated due to connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Unable to start a transaction in the given time|Can't reach database server/i;

/** A transaction that lost a race with another one: running it again normally works. */
const DATABASE_CONFLICT_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  'P2034', // Prisma: transaction write conflict or deadlock
]);
