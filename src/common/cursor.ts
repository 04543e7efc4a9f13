import { applyDecorators } from '@nestjs/common';
import { InvalidRequestError } from './domain-errors.js';
import { IsString, Matches, MaxLength } from 'class-validator';

/** One wording for a bad `cursor` on every paged endpoint, as an array like every validation message. */
export const INVALID_CURSOR = 'cursor is invalid';

export function invalidCursor(): InvalidRequestError {
  return new InvalidRequestError([`${INVALID_CURSOR}: pass nextCursor from the previous page, or omit it`]);
}

/** The query rules of an opaque base64url cursor; decoding it is each endpoint's own (it knows its keys). */
export function IsCursor(): PropertyDecorator {
  const message = `${INVALID_CURSOR}: pass nextCursor from the previous page, or omit it`;
  // Registered in this order and checked in it, stopping at the first failure.
  return applyDecorators(
    IsString({ message }),
    MaxLength(200, { message }),
    Matches(/^[A-Za-z0-9_-]+$/, { message }),
  );
}
