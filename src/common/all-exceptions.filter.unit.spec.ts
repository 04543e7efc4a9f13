import { BadRequestException, HttpException, HttpStatus, PayloadTooLargeException } from '@nestjs/common';
import { StorageUnavailableError } from '../storage/object-storage.js';
import { toErrorBody } from './all-exceptions.filter.js';
import {
  AccessDeniedError,
  ConflictError,
  InsufficientCreditsError,
  InvalidRequestError,
  NotFoundError,
  TooLargeError,
  UnsupportedTypeError,
} from './domain-errors.js';

describe('toErrorBody', () => {
  it('keeps the validation body NestJS produces', () => {
    const body = toErrorBody(
      new BadRequestException(['id should not be empty', 'prompt should not be empty']),
    );
    expect(body).toEqual({
      statusCode: 400,
      message: ['id should not be empty', 'prompt should not be empty'],
      error: 'Bad Request',
    });
  });

  it('puts statusCode, message and error first, in that order, whatever order the payload had', () => {
    const order = (exception: unknown) => Object.keys(toErrorBody(exception));
    expect(order(new BadRequestException(['prompt should not be empty']))).toEqual([
      'statusCode',
      'message',
      'error',
    ]);
    expect(order(new BadRequestException('Insufficient credits'))).toEqual([
      'statusCode',
      'message',
      'error',
    ]);
    expect(order(new HttpException({ error: 'Conflict', retryable: false, message: 'busy' }, 409))).toEqual([
      'statusCode',
      'message',
      'error',
      'retryable',
    ]);
    expect(order(new Error('boom'))).toEqual(['statusCode', 'message', 'error']);
  });

  it('keeps a plain message', () => {
    expect(
      toErrorBody(new BadRequestException('Insufficient credits. Required: 750, Available: 100.0')),
    ).toEqual({
      statusCode: 400,
      message: 'Insufficient credits. Required: 750, Available: 100.0',
      error: 'Bad Request',
    });
  });

  it('names the error for string payloads', () => {
    expect(toErrorBody(new HttpException('slow down', HttpStatus.TOO_MANY_REQUESTS))).toEqual({
      statusCode: 429,
      message: 'slow down',
      error: 'Too Many Requests',
    });
    expect(toErrorBody(new PayloadTooLargeException()).error).toBe('Payload Too Large');
  });

  it('turns body-parser errors into their 4xx', () => {
    const parserError = Object.assign(new Error('request entity too large'), {
      status: 413,
      type: 'entity.too.large',
    });
    expect(toErrorBody(parserError)).toEqual({
      statusCode: 413,
      message: 'request entity too large',
      error: 'Payload Too Large',
    });
  });

  it('hides the details of unexpected errors', () => {
    expect(toErrorBody(new Error('connection string postgresql://u:p@h/db refused'))).toEqual({
      statusCode: 500,
      message: 'Internal server error',
      error: 'Internal Server Error',
    });
  });

  it('answers 503 when the database cannot be reached, without its details', () => {
    const dropped = new Error('outer', { cause: new Error('Connection terminated unexpectedly') });
    expect(toErrorBody(dropped)).toEqual({
      statusCode: 503,
      message:
        'The database is unavailable right now. Retry shortly, with the same Idempotency-Key for a request that creates something.',
      error: 'Service Unavailable',
    });
  });

  it('answers 503 when the object storage refuses for a while', () => {
    const refused = new StorageUnavailableError('upload', 'videos/u/g.mp4', { cause: new Error('SlowDown') });
    expect(toErrorBody(refused)).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    // The bucket's own network failure names the bucket, not the database.
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(toErrorBody(new StorageUnavailableError('get', 'k', { cause: reset })).message).toBe(
      'The file storage is unavailable right now. Retry shortly.',
    );
  });

  it.each([
    [
      new InvalidRequestError(['prompt should not be empty']),
      400,
      'Bad Request',
      ['prompt should not be empty'],
    ],
    [
      new InsufficientCreditsError('Insufficient credits. Required: 750, Available: 100.0'),
      400,
      'Bad Request',
      'Insufficient credits. Required: 750, Available: 100.0',
    ],
    [new AccessDeniedError('Object key refused'), 403, 'Forbidden', 'Object key refused'],
    [new NotFoundError('Generation not found'), 404, 'Not Found', 'Generation not found'],
    [
      new ConflictError('Generation g is already succeeded'),
      409,
      'Conflict',
      'Generation g is already succeeded',
    ],
    [
      new TooLargeError('Images may be at most 10 bytes'),
      413,
      'Payload Too Large',
      'Images may be at most 10 bytes',
    ],
    [new UnsupportedTypeError('Send a JPEG'), 415, 'Unsupported Media Type', 'Send a JPEG'],
  ])(
    'maps the domain error %p to the body NestJS would give its HTTP twin',
    (error, statusCode, name, message) => {
      const body = toErrorBody(error);
      expect(body).toEqual({ statusCode, message, error: name });
      expect(Object.keys(body)).toEqual(['statusCode', 'message', 'error']);
    },
  );
});
