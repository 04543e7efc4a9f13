import { createWriteStream, openAsBlob } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Balance } from '../common/api-contract.js';
import {
  ApiError,
  CommandFailedError,
  errorMessagesFromBody,
  networkErrorCode,
  ServiceUnreachableError,
} from './cli-errors.js';
import type {
  ChainBody,
  CreateGenerationBody,
  ExtendBody,
  GenerationView,
  UploadedImage,
} from './service-types.js';
import { SseParser } from './sse-parser.js';
import { contentTypeOfExtension } from '../media/image-types.js';
import { IDEMPOTENCY_KEY_HEADER } from '../common/idempotency-key.js';

/** The event stream sends a keep-alive comment every 15 s: three missed ones mean the connection is dead. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 45_000;

interface RequestOptions {
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** The service's HTTP API over Node's fetch, answering the project's own types and errors. */
export class ServiceClient {
  constructor(private readonly config: { serviceUrl: string; token: string }) {}

  get serviceUrl(): string {
    return this.config.serviceUrl;
  }

  /** Streams the file from disk as multipart field `file` (never read into memory whole). */
  async uploadImage(path: string, signal?: AbortSignal): Promise<UploadedImage> {
    let file: Blob;
    try {
      if (!(await stat(path)).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      file = await openAsBlob(path, {
        type: contentTypeOfExtension(extname(path)) ?? 'application/octet-stream',
      });
    } catch (error) {
      throw localFileError(path, error);
    }
    const form = new FormData();
    form.append('file', file, basename(path));
    return this.json<UploadedImage>('POST', '/uploads/images', { form, signal });
  }

  createGeneration(body: CreateGenerationBody, idempotencyKey: string): Promise<GenerationView> {
    return this.json('POST', '/video-gen/generations', {
      json: body,
      headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey },
    });
  }

  extend(generationId: string, body: ExtendBody, idempotencyKey: string): Promise<GenerationView> {
    return this.json('POST', `/video-gen/generations/${encodeURIComponent(generationId)}/extend`, {
      json: body,
      headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey },
    });
  }

  createChain(body: ChainBody, idempotencyKey: string): Promise<GenerationView> {
    return this.json('POST', '/video-gen/chains', {
      json: body,
      headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey },
    });
  }

  getGeneration(generationId: string, signal?: AbortSignal): Promise<GenerationView> {
    return this.json('GET', `/video-gen/generations/${encodeURIComponent(generationId)}`, { signal });
  }

  cancel(generationId: string): Promise<GenerationView> {
    return this.json('POST', `/video-gen/generations/${encodeURIComponent(generationId)}/cancel`, {});
  }

  balance(): Promise<Balance> {
    return this.json('GET', '/credits/balance', {});
  }

  /**
   * One connection to the generation's event stream: yields each `status` view, returns at `end` or when the
   * server closes the stream. Throws when it cannot connect, when the connection drops, or when nothing (not
   * even a keep-alive) arrives for `idleTimeoutMs`.
   */
  async *events(
    generationId: string,
    opts: { signal?: AbortSignal; idleTimeoutMs?: number } = {},
  ): AsyncGenerator<GenerationView> {
    const connection = new AbortController();
    const stopOnAbort = () => connection.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', stopOnAbort, { once: true });
    const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
    let idle: NodeJS.Timeout | undefined;
    const armIdleTimer = () => {
      clearTimeout(idle);
      idle = setTimeout(
        () => connection.abort(new Error(`no data on the event stream for ${idleTimeoutMs / 1000} s`)),
        idleTimeoutMs,
      );
    };
    try {
      armIdleTimer();
      const path = `/video-gen/generations/${encodeURIComponent(generationId)}/events`;
      const response = await this.send('GET', path, {
        headers: { Accept: 'text/event-stream' },
        signal: connection.signal,
      });
      const type = response.headers.get('content-type') ?? '';
      if (!type.startsWith('text/event-stream') || !response.body) {
        throw new Error(`GET ${path} answered ${type || 'no content type'}, not an event stream`);
      }
      const parser = new SseParser();
      try {
        for await (const chunk of response.body) {
          armIdleTimer();
          for (const event of parser.push(chunk)) {
            if (event.event === 'status') yield JSON.parse(event.data) as GenerationView;
            else if (event.event === 'end') return;
          }
        }
      } catch (error) {
        // The body's error is a bare "terminated"/AbortError; the reason we aborted with says more.
        throw connection.signal.aborted && !opts.signal?.aborted ? connection.signal.reason : error;
      }
      for (const event of parser.end()) {
        if (event.event === 'status') yield JSON.parse(event.data) as GenerationView;
      }
    } finally {
      clearTimeout(idle);
      opts.signal?.removeEventListener('abort', stopOnAbort);
      connection.abort(); // closes the connection when the caller stops early
    }
  }

  /**
   * Streams a video to `path` through a temporary file renamed into place, so an interrupted download never
   * leaves a truncated video under the real name. The URL is presigned: it carries its own authorization, so
   * the token is not sent (S3 refuses a second authorization, and the token must not leak to storage). Returns
   * the size written.
   */
  async download(
    url: string,
    path: string,
    opts: { signal?: AbortSignal; expectedBytes?: number } = {},
  ): Promise<number> {
    const target = new URL(url, `${this.config.serviceUrl}/`);
    let response: Response;
    try {
      response = await fetch(target, { signal: opts.signal });
    } catch (error) {
      throw networkFailure(error, target.origin, opts.signal);
    }
    if (!response.ok || !response.body) {
      const { messages } = errorMessagesFromBody(await response.text().catch(() => ''));
      throw new ApiError(response.status, response.statusText, messages, 'GET the video');
    }
    const temporary = `${path}.download`;
    try {
      await pipeline(
        Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>),
        createWriteStream(temporary),
        { signal: opts.signal },
      );
      const { size } = await stat(temporary);
      if (opts.expectedBytes !== undefined && size !== opts.expectedBytes) {
        throw new CommandFailedError(
          `the download of ${target.origin}${target.pathname} stopped at ${size} of ${opts.expectedBytes} bytes`,
        );
      }
      await rename(temporary, path);
      return size;
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  private async json<T>(method: string, path: string, opts: RequestOptions): Promise<T> {
    const response = await this.send(method, path, opts);
    return (await response.json()) as T;
  }

  /** Sends one request; answers only a 2xx response, else throws ApiError or ServiceUnreachableError. */
  private async send(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.config.token}`,
      Accept: 'application/json',
      ...opts.headers,
    };
    let body: string | FormData | undefined = opts.form;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    let response: Response;
    try {
      response = await fetch(`${this.config.serviceUrl}${path}`, {
        method,
        headers,
        body,
        signal: opts.signal,
      });
    } catch (error) {
      throw networkFailure(error, this.config.serviceUrl, opts.signal);
    }
    if (!response.ok) {
      const { messages, errorId } = errorMessagesFromBody(await response.text().catch(() => ''));
      throw new ApiError(response.status, response.statusText, messages, `${method} ${path}`, errorId);
    }
    return response;
  }
}

/** A fetch that failed without an HTTP answer; an abort the caller asked for stays an abort. */
function networkFailure(error: unknown, url: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return error;
  if (error instanceof TypeError || networkErrorCode(error)) {
    return new ServiceUnreachableError(url, networkErrorCode(error), { cause: error });
  }
  return error;
}

function localFileError(path: string, error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'it is a folder, not an image'
        : code === 'EACCES'
          ? 'permission denied'
          : (error as Error).message;
  return new CommandFailedError(`cannot read ${path}: ${reason}`);
}
