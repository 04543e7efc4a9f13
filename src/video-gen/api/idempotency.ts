import type { Response } from 'express';
import { IDEMPOTENCY_KEY_HEADER } from '../../common/idempotency-key.js';

/** Documentation of the request header, shared by every create endpoint. */
export const IDEMPOTENCY_HEADER = {
  name: IDEMPOTENCY_KEY_HEADER,
  required: false,
  description: 'Repeat a request safely: the same key returns the same generation and charges once',
};

export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** OpenAPI description of the response header, for `@ApiResponse({ headers: REPLAYED_RESPONSE_HEADERS })`. */
export const REPLAYED_RESPONSE_HEADERS = {
  [REPLAYED_HEADER]: {
    description:
      '`true` when this answer replays the result of an earlier request with the same Idempotency-Key ' +
      '(nothing new was created or charged); absent otherwise',
    schema: { type: 'string', enum: ['true'] },
  },
};

/** Says so when an answer replays an earlier request's result (same Idempotency-Key, same body). */
export function markReplayed(res: Response, replayed: boolean): void {
  if (replayed) res.setHeader(REPLAYED_HEADER, 'true');
}
