import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto.js';

export type DocumentedErrorStatus = 400 | 401 | 403 | 404 | 409 | 411 | 413 | 415 | 429 | 503;

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
};

const DEFAULTS: Record<DocumentedErrorStatus, string> = {
  400: 'Invalid input; nothing was charged or changed',
  401: 'Missing, expired or invalid bearer token',
  403: 'Not allowed: a key outside your own prefix, or a role you do not have',
  404: 'Not found, or not yours',
  409: 'Conflicts with the current state (see the message)',
  411: 'The upload did not declare its Content-Length',
  413: 'The body is larger than allowed (see the message for the limit)',
  415: 'Not a JPEG, PNG or WebP image',
  429: 'Too many requests; retry after Retry-After seconds',
  503: 'A dependency (database, storage, key set) is unavailable; retry after Retry-After seconds',
};

/**
 * Documents error responses with the standard error body. Use on a controller for what every route of it can
 * answer (401, 429, 503) and on a method for its own; pass `[status, description]` to say more than the default.
 */
export function ApiErrors(
  ...errors: Array<DocumentedErrorStatus | [DocumentedErrorStatus, string]>
): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ...errors.map((entry) => {
      const [status, description] = Array.isArray(entry) ? entry : [entry, DEFAULTS[entry]];
      return ApiResponse({
        status,
        description,
        type: ErrorResponseDto,
        ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
      });
    }),
  );
}
