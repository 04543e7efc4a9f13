import type { FailureCode } from './failure-code.js';

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

/** What an error says about itself; the classifier marks it known. */
export type OwnFailure = Omit<Failure, 'known'>;

/**
 * The key of the method by which an error says what it is. A symbol, so that no foreign object with a
 * method of an ordinary name is taken for one of ours.
 */
export const failureOf = Symbol('failureOf');

/**
 * An error that says what it is. The error classes of the features (providers, storage, media, jobs)
 * implement it, so the classifier asks them instead of importing them: this folder stays at the bottom of
 * the import graph.
 */
export interface Classified {
  [failureOf](): OwnFailure;
}

export function isClassified(value: object): value is Classified {
  return typeof (value as Partial<Classified>)[failureOf] === 'function';
}
