import type { FailureCode } from './failure-code.js';

/** A failure that ends the generation: the user sees `message`, the credits not delivered are refunded. */
export class GenerationFailure extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GenerationFailure';
  }
}
