import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, type DomainErrorKind } from './domain-errors.js';
import { classifyFailure } from './failures/failure.classifier.js';

/** The one place a domain error becomes an HTTP status. */
const DOMAIN_STATUS: Record<DomainErrorKind, HttpStatus> = {
  'invalid-request': HttpStatus.BAD_REQUEST,
  'insufficient-credits': HttpStatus.BAD_REQUEST,
  'access-denied': HttpStatus.FORBIDDEN,
  'not-found': HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  'too-large': HttpStatus.PAYLOAD_TOO_LARGE,
  'unsupported-type': HttpStatus.UNSUPPORTED_MEDIA_TYPE,
};

/** What a 503 for an unavailable database tells clients to wait before retrying. */
const RETRY_AFTER_SECONDS = 5;

export interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error: string;
  errorId?: string;
  [extra: string]: unknown;
}

/**
 * Maps domain errors (domain-errors.ts) to their status. Keeps NestJS's standard error body for every error,
 * always in the seed's key order `{ statusCode, message, error }` (clients and snapshots compare raw JSON),
 * and gives each 5xx an `errorId` after those three, logged with the cause, so a user's report can be matched
 * to the log line.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(exception);
    if (body.statusCode >= 500) {
      body.errorId = randomUUID();
      this.logger.error(
        { errorId: body.errorId, err: exception },
        `${body.statusCode} ${Array.isArray(body.message) ? body.message.join('; ') : body.message}`,
      );
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    if (body.statusCode === HttpStatus.SERVICE_UNAVAILABLE && !response.getHeader('Retry-After')) {
      response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    }
    response.status(body.statusCode).json(body);
  }
}

export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof DomainError) {
    const status = DOMAIN_STATUS[exception.kind];
    return { statusCode: status, message: exception.detail, error: defaultErrorName(status) };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const payload = exception.getResponse();
    if (typeof payload === 'object' && payload !== null) {
      // Nest builds `{ message, error, statusCode }`; the seed's order (statusCode first) is what every body
      // here has, so the three come first and anything else a payload carries after them.
      const { statusCode: _status, message, error, ...extra } = payload as Partial<ErrorBody>;
      return {
        statusCode: status,
        message: message ?? exception.message,
        error: error ?? defaultErrorName(status),
        ...extra,
      };
    }
    return { statusCode: status, message: String(payload), error: defaultErrorName(status) };
  }
  // Express's body parser reports oversized or malformed bodies with a status of its own.
  const status = (exception as { status?: unknown; type?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      statusCode: status,
      message: (exception as Error).message,
      error: defaultErrorName(status),
    };
  }
  const { unavailable } = classifyFailure(exception);
  // A database restart or failover. The request most likely changed nothing, but a connection lost right after
  // a commit cannot tell: retrying with the same Idempotency-Key is safe either way.
  if (unavailable === 'database') {
    return {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      message:
        'The database is unavailable right now. Retry shortly, with the same Idempotency-Key for a request that creates something.',
      error: 'Service Unavailable',
    };
  }
  if (unavailable === 'storage') {
    return {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      message: 'The file storage is unavailable right now. Retry shortly.',
      error: 'Service Unavailable',
    };
  }
  return {
    statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
    message: 'Internal server error',
    error: 'Internal Server Error',
  };
}

function defaultErrorName(status: number): string {
  const name = HttpStatus[status];
  if (!name) return status >= 500 ? 'Internal Server Error' : 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
