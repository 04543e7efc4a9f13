import { type Classified, type FailureClass, failureOf, type OwnFailure } from './classified.js';
import type { FailureCode } from './failure-code.js';

/** A failure that ends the generation: the user sees `message`, the credits not delivered are refunded. */
export class GenerationFailure extends Error implements Classified {
  constructor(
    readonly code: FailureCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GenerationFailure';
  }

  [failureOf](): OwnFailure {
    return { class: classOfCode(this.code), code: this.code, message: this.message };
  }
}

function classOfCode(code: FailureCode): FailureClass {
  if (code === 'MODERATION') return 'moderation';
  if (code === 'SUBMIT_AMBIGUOUS') return 'ambiguous';
  return 'permanent';
}
