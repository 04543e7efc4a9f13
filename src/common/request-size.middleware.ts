import { HttpException, HttpStatus, PayloadTooLargeException } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** The multipart image upload route (Express matches paths case-insensitively, with or without a final `/`). */
const UPLOAD_PATH = '/uploads/images';

/**
 * Room in a multipart upload for what surrounds the file: boundaries, part headers and the few small fields
 * multer accepts (10 of at most 1024 bytes). A body declaring more than MAX_IMAGE_BYTES plus this cannot
 * hold an image within the limit.
 */
export const MULTIPART_FRAMING_BYTES = 64 * 1024;

export interface RequestSizeLimits {
  bodyLimitBytes: number;
  maxImageBytes: number;
}

interface SizedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * What is wrong with a request's declared size, decided from its headers alone, before a byte of the body
 * is read: the body parser and multer enforce their limits only while reading and then read the rest of
 * the body anyway, so a 1 GB upload would be received in full just to be refused.
 * Uploads must declare their length (411 otherwise; browsers, curl and the CLI always do), so one that
 * passes here cannot carry more than the limit: HTTP framing stops the body at Content-Length.
 */
export function requestSizeProblem(request: SizedRequest, limits: RequestSizeLimits): HttpException | null {
  const declared = request.headers['content-length'];
  const length = typeof declared === 'string' && /^\d+$/.test(declared) ? Number(declared) : undefined;
  const path = request.path.toLowerCase().replace(/\/+$/, '');
  if (request.method === 'POST' && path === UPLOAD_PATH) {
    if (length === undefined) {
      return new HttpException(
        'Send the upload with a Content-Length header: multipart/form-data of a known size, not chunked',
        HttpStatus.LENGTH_REQUIRED,
      );
    }
    if (length > limits.maxImageBytes + MULTIPART_FRAMING_BYTES) {
      return new PayloadTooLargeException(
        `Images may be at most ${limits.maxImageBytes} bytes (MAX_IMAGE_BYTES); this upload declares ${length} bytes`,
      );
    }
    return null;
  }
  if (length !== undefined && length > limits.bodyLimitBytes) {
    return new PayloadTooLargeException(
      `Request bodies may be at most ${limits.bodyLimitBytes} bytes (BODY_LIMIT_BYTES); this one declares ${length} bytes`,
    );
  }
  return null;
}

/**
 * Refuses an oversized request before its body is read, and closes the connection after the answer, so the
 * rest of the body is never read (Node would otherwise read and discard it to keep the connection alive).
 * It runs before the body parser and before authentication: nobody's body is worth reading past the limit.
 */
export function refuseOversizedBodies(limits: RequestSizeLimits): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const problem = requestSizeProblem(request, limits);
    if (!problem) return next();
    response.setHeader('Connection', 'close');
    next(problem);
  };
}
