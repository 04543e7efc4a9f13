/**
 * Every `errorCode` a generation (or one of its segments) can show. The values are part of the API: clients,
 * the web page and the CLI branch on them, so a new one is added here and never renamed.
 */
export const FAILURE_CODES = [
  /** The user's input cannot be used (unreadable image, refused by the provider as invalid). */
  'INVALID_INPUT',
  /** The provider's content policy refused the prompt, the image or the result. */
  'MODERATION',
  /** The provider returned something that is not a playable video of the planned length. */
  'INVALID_RESULT',
  /** The generation's model was taken out of the catalog before it ran. */
  'MODEL_REMOVED',
  /** A chained segment has no frame or video from the segment before it. */
  'CHAIN_BROKEN',
  /** The provider did not confirm a submission; it was not resubmitted, to avoid paying twice. */
  'SUBMIT_AMBIGUOUS',
  /** The provider kept answering with passing errors (5xx, 429, timeouts) until the retries ran out. */
  'PROVIDER_ERROR',
  /** The provider said the job failed, without a reason. */
  'PROVIDER_FAILED',
  'PROVIDER_GENERATION_FAILED',
  'PROVIDER_RESULT_UNAVAILABLE',
  'PROVIDER_UNAUTHORIZED',
  'PROVIDER_NOT_FOUND',
  'PROVIDER_MISCONFIGURED',
  'PROVIDER_CANCELLED',
  /** A chain delivered its first segments only (the generation succeeded; the rest was refunded). */
  'PARTIAL_RESULT',
  /** The user cancelled it. */
  'CANCELLED',
  /** It did not finish before its deadline. */
  'TIMED_OUT',
  /** Our side (the bucket, the database, the network) kept failing until the retries ran out. */
  'RETRIES_EXHAUSTED',
  /** Anything nobody classified: a bug or an unexpected answer. */
  'INTERNAL',
] as const;

export type FailureCode = (typeof FAILURE_CODES)[number];
