import { Transform, TransformCallback } from 'node:stream';
import axios, { AxiosError } from 'axios';
import {
  ProviderError,
  ProviderFailedError,
  ProviderName,
  ProviderRateLimitedError,
  ProviderTransientError,
  parseRetryAfter,
} from './provider-errors.js';
import type { VideoResult } from './video-provider.js';

export interface DownloadOptions {
  headers?: Record<string, string>;
  /** Until the response headers arrive, and the longest silence between two chunks after that. */
  timeoutMs: number;
  /** What to call the thing in messages: "fal result URL", "Azure video content". */
  what: string;
}

/**
 * Opens a provider's video as a stream without buffering it. Checks what can be checked before the
 * first byte reaches the caller (status, content type, the container's magic bytes) and turns anything
 * that goes wrong later (a cut connection, fewer bytes than announced) into a ProviderTransientError on
 * the stream.
 */
export async function openVideoStream(
  provider: ProviderName,
  url: string,
  options: DownloadOptions,
): Promise<VideoResult> {
  let response;
  try {
    response = await axios.get(url, {
      headers: { Accept: 'video/mp4, video/*;q=0.9, application/octet-stream;q=0.5', ...options.headers },
      responseType: 'stream',
      timeout: options.timeoutMs,
      validateStatus: () => true,
      maxRedirects: 5,
      decompress: false,
    });
  } catch (error) {
    throw new ProviderTransientError(
      provider,
      `${options.what} could not be fetched: ${(error as AxiosError).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  const { status } = response;
  const stream = response.data as NodeJS.ReadableStream & { destroy(): void };
  if (status < 200 || status >= 300) {
    stream.destroy();
    const message = `${options.what} answered HTTP ${status}`;
    if (status === 404 || status === 410) {
      throw new ProviderFailedError(
        provider,
        'result_unavailable',
        `${message}: the video is gone or expired`,
      );
    }
    if (status === 401 || status === 403) throw new ProviderFailedError(provider, 'unauthorized', message);
    if (status === 429) {
      throw new ProviderRateLimitedError(provider, message, parseRetryAfter(headerGetter(response.headers)));
    }
    throw new ProviderTransientError(provider, message);
  }
  const contentType = String(response.headers['content-type'] ?? 'application/octet-stream')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (
    !contentType.startsWith('video/') &&
    contentType !== 'application/octet-stream' &&
    contentType !== 'binary/octet-stream'
  ) {
    stream.destroy();
    throw new ProviderTransientError(
      provider,
      `${options.what} is not a video (Content-Type ${contentType})`,
    );
  }
  const length = Number(response.headers['content-length']);
  const bytes = Number.isFinite(length) && length >= 0 ? length : undefined;
  const checked = new VideoStreamCheck(provider, options.what, bytes);
  stream.on('error', (error: Error) =>
    checked.destroy(
      error instanceof ProviderError
        ? error
        : new ProviderTransientError(provider, `${options.what} download broke off: ${error.message}`, {
            cause: error,
          }),
    ),
  );
  // The socket can also just close early; `aborted` is how Node reports that for a response body.
  stream.on('aborted', () =>
    checked.destroy(
      new ProviderTransientError(provider, `${options.what} download broke off (connection closed)`),
    ),
  );
  stream.pipe(checked);
  checked.on('close', () => stream.destroy());
  return {
    stream: checked,
    contentType: contentType.startsWith('video/') ? contentType : 'video/mp4',
    bytes,
  };
}

/** ISO BMFF (`ftyp` at offset 4: MP4, MOV) or Matroska/WebM (EBML magic). */
export function looksLikeVideo(head: Buffer): boolean {
  if (head.length >= 8 && head.subarray(4, 8).toString('latin1') === 'ftyp') return true;
  return head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3;
}

/** Passes bytes through, failing fast on a non-video start and at the end on a short body. */
class VideoStreamCheck extends Transform {
  private head: Buffer | null = Buffer.alloc(0);
  private received = 0;

  constructor(
    private readonly provider: ProviderName,
    private readonly what: string,
    private readonly expectedBytes: number | undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (this.head === null) return callback(null, chunk);
    this.head = Buffer.concat([this.head, chunk]);
    if (this.head.length < 12) return callback();
    const head = this.head;
    this.head = null;
    if (!looksLikeVideo(head)) {
      return callback(
        new ProviderTransientError(this.provider, `${this.what} is not a video (unrecognised bytes)`),
      );
    }
    callback(null, head);
  }

  override _flush(callback: TransformCallback): void {
    if (this.head !== null && (this.head.length === 0 || !looksLikeVideo(this.head))) {
      return callback(new ProviderTransientError(this.provider, `${this.what} is empty or not a video`));
    }
    if (this.expectedBytes !== undefined && this.received < this.expectedBytes) {
      return callback(
        new ProviderTransientError(
          this.provider,
          `${this.what} was cut short: ${this.received} of ${this.expectedBytes} bytes`,
        ),
      );
    }
    callback(null, this.head ?? undefined);
  }
}

export function headerGetter(headers: Record<string, unknown>): { get(name: string): string | undefined } {
  return {
    get: (name: string) => {
      const value = headers[name.toLowerCase()];
      return value === undefined || value === null ? undefined : String(value);
    },
  };
}
