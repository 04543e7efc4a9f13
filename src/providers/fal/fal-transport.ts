import type { RequestMiddleware } from '@fal-ai/client';
import { errorCodeOf, neverReachedServer } from '../../common/failures/network-errors.js';
import { parseRetryAfter } from '../provider-errors.js';

/**
 * The fal client's transport hooks. Two deliberate choices:
 *
 * 1. Our response handler throws FalHttpFailure / FalUnreadableReply, which are not the client's
 *    ApiError, and the fetch wrapper throws FalTransportFailure, which is not a TypeError with a network
 *    code. So submit, status and cancel are not retried inside the client: its retries ignore Retry-After
 *    and would resubmit a job after a gateway 502/504 or a reset connection, when the first submit may
 *    already have been accepted and billed. queue.result() is the exception: it installs the client's own
 *    response handler and retries 429 and 5xx by itself (fal-js 1.10.1), so the adapter fetches results
 *    with its own GET through this transport instead. The pipeline retries, knowing which calls are safe.
 * 2. Every request has a deadline, so a provider that stops answering cannot hang a worker.
 */
export class FalHttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly retryAfterMs: number | undefined,
    /** fal's X-Fal-Error-Type, e.g. `request_timeout`, `runner_scheduling_failure`. */
    readonly errorType: string | undefined,
  ) {
    super(`fal answered HTTP ${status}${describeBody(body)}`);
    this.name = 'FalHttpFailure';
  }
}

/** A 2xx whose body could not be read as the JSON it claims to be. */
export class FalUnreadableReply extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(`fal answered HTTP ${status} with an unreadable body: ${reason}`);
    this.name = 'FalUnreadableReply';
  }
}

/**
 * The request never got an answer. `reachedServer` is false only when the connection itself was refused
 * or the host did not resolve, i.e. when fal certainly never saw the request.
 */
export class FalTransportFailure extends Error {
  constructor(
    readonly timedOut: boolean,
    readonly reachedServer: boolean,
    /** Kept out of `cause`: the client walks the cause chain looking for network codes to retry on. */
    readonly original: unknown,
  ) {
    super(timedOut ? 'fal did not answer in time' : `fal could not be reached: ${errorCode(original)}`);
    this.name = 'FalTransportFailure';
  }
}

export function createFalFetch(timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      return await fetch(input, { ...init, signal });
    } catch (error) {
      if (init?.signal?.aborted) throw error; // the caller's own abort stays an AbortError
      throw new FalTransportFailure(deadline.aborted, !neverReachedServer(error), error);
    }
  };
}

export async function falResponseHandler<T>(response: Response): Promise<T> {
  const contentType = response.headers.get('content-type') ?? '';
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new FalTransportFailure((error as Error).name === 'TimeoutError', true, error);
  }
  const isJson = contentType.includes('application/json');
  if (!response.ok) {
    let body: unknown = text;
    if (isJson) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    throw new FalHttpFailure(
      response.status,
      body,
      parseRetryAfter(response.headers),
      response.headers.get('x-fal-error-type') ?? undefined,
    );
  }
  if (!isJson) return text as T;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new FalUnreadableReply(response.status, (error as Error).message);
  }
}

/**
 * Sends every request the client makes (queue.fal.run, rest.fal.ai) to `baseUrl` instead, keeping the
 * path and query. Used for the in-process simulator and for an HTTP proxy in front of fal.
 */
export function redirectTo(baseUrl: string): RequestMiddleware {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/$/, '');
  return async (request) => {
    const original = new URL(request.url);
    const target = new URL(base.toString());
    target.pathname = `${prefix}${original.pathname}`;
    target.search = original.search;
    return {
      ...request,
      url: target.toString(),
      headers: { ...request.headers, 'x-fal-target-host': original.host },
    };
  };
}

function errorCode(error: unknown): string {
  return errorCodeOf(error) ?? (error as Error)?.name ?? 'unknown error';
}

function describeBody(body: unknown): string {
  if (body === undefined || body === '') return '';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `: ${text.length > 300 ? `${text.slice(0, 300)}...` : text}`;
}
