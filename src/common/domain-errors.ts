/**
 * What the domain throws when a request cannot be done. Services and pure helpers throw these and never an HTTP
 * exception; only the exception filter (all-exceptions.filter.ts) turns them into a status and a body. The
 * message is what the caller reads, so it says what to do next; a list is one problem per entry, as request
 * validation answers.
 */
export type DomainErrorKind =
  | 'invalid-request'
  | 'insufficient-credits'
  | 'access-denied'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'unsupported-type';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;

  constructor(readonly detail: string | string[]) {
    super(Array.isArray(detail) ? detail.join('; ') : detail);
    this.name = new.target.name;
  }
}

/** The request is well-formed but asks for something the rules do not allow. */
export class InvalidRequestError extends DomainError {
  readonly kind = 'invalid-request';
}

/** The account holds fewer credits than the request costs. */
export class InsufficientCreditsError extends DomainError {
  readonly kind = 'insufficient-credits';
}

/** The caller may not touch this (another user's object key, say). */
export class AccessDeniedError extends DomainError {
  readonly kind = 'access-denied';
}

/** No such thing, or not the caller's: the two answer the same so ids cannot be probed. */
export class NotFoundError extends DomainError {
  readonly kind = 'not-found';
}

/** The thing exists but its state does not allow this now (already finished, key reused, ...). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

/** An upload over its size limit. */
export class TooLargeError extends DomainError {
  readonly kind = 'too-large';
}

/** An upload of a type we do not take. */
export class UnsupportedTypeError extends DomainError {
  readonly kind = 'unsupported-type';
}
