import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { isNetworkFailure } from '../common/failures/network-errors.js';
import type { StorageConfig } from '../config/app-config.js';
import {
  ObjectNotFoundError,
  ObjectStorage,
  StorageUnavailableError,
  PresignedUpload,
  StoredObjectInfo,
  StoredObjectStream,
  TeeUpload,
} from './object-storage.js';
import { GrowingFile } from './growing-file.js';

export interface S3Connection {
  bucket: string;
  endpoint?: string;
  /** Where clients reach the bucket (S3_PUBLIC_ENDPOINT): presigned URLs are signed for it. */
  publicEndpoint?: string;
  region: string;
  forcePathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  presignTtlSeconds: number;
}

/** Files up to this size go up in one PUT; larger ones in parts of this size (S3 allows 5 MiB to 5 GiB). */
export const FILE_PART_BYTES = 16 * 1024 * 1024;
/** Parts of one file sent at once. */
const FILE_PART_CONCURRENCY = 2;
/** Tries per part: a file part can be read again, unlike a stream. */
const FILE_PART_ATTEMPTS = 3;

export class S3ObjectStorage extends ObjectStorage {
  readonly bucket: string;
  private readonly client: S3Client;
  /**
   * Signs presigned URLs. A URL's host is part of its signature, so one meant for a browser must be signed
   * for the address the browser uses (a compose file's `localhost:9000`), not the service's internal one.
   */
  private readonly presigner: S3Client;
  private readonly presignTtlSeconds: number;

  constructor(connection: S3Connection) {
    super();
    this.bucket = connection.bucket;
    this.presignTtlSeconds = connection.presignTtlSeconds;
    this.client = S3ObjectStorage.client(connection, connection.endpoint);
    this.presigner = connection.publicEndpoint
      ? S3ObjectStorage.client(connection, connection.publicEndpoint)
      : this.client;
  }

  private static client(connection: S3Connection, endpoint: string | undefined): S3Client {
    return new S3Client({
      region: connection.region,
      endpoint,
      forcePathStyle: connection.forcePathStyle,
      credentials:
        connection.accessKeyId && connection.secretAccessKey
          ? { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey }
          : undefined,
      // Newer SDKs add CRC checksums and aws-chunked bodies by default; MinIO, R2 and s3rver do not all
      // accept them, and S3 itself does not require them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  static fromConfig(config: StorageConfig, endpointOverride?: string): S3ObjectStorage {
    return new S3ObjectStorage({ ...config, endpoint: endpointOverride ?? config.endpoint });
  }

  async put(key: string, body: Buffer | string, contentType: string): Promise<StoredObjectInfo> {
    await this.client
      .send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }))
      .catch((error: unknown) => {
        throw translateUnavailable(error, 'put', key);
      });
    return { key, contentType, bytes: Buffer.byteLength(body) };
  }

  async upload(key: string, body: Readable, contentType: string): Promise<StoredObjectInfo> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      queueSize: 2,
      partSize: 8 * 1024 * 1024,
      leavePartsOnError: false,
    });
    let bytes = 0;
    upload.on('httpUploadProgress', (progress) => {
      bytes = Math.max(bytes, progress.loaded ?? 0);
    });
    await upload.done().catch((error: unknown) => {
      throw translateUnavailable(error, 'upload', key);
    });
    const info = await this.head(key);
    return info ?? { key, contentType, bytes };
  }

  async uploadFile(key: string, path: string, contentType: string): Promise<StoredObjectInfo> {
    const { size } = await stat(path);
    try {
      if (size <= FILE_PART_BYTES) return await this.putFile(key, path, size, contentType);
      const count = Math.ceil(size / FILE_PART_BYTES);
      return await this.sendParts(key, path, contentType, async (index) =>
        index < count ? partRange(index, size) : undefined,
      );
    } catch (error) {
      throw translateUnavailable(error, 'upload', key);
    }
  }

  uploadWhileWriting(key: string, body: Readable, path: string, contentType: string): TeeUpload {
    const file = new GrowingFile(path);
    const stop = new AbortController();
    let storedWhole = false;
    const written = pipeline(body, file).then(() => file.size);
    const stored = this.sendGrowingFile(key, file, contentType, stop.signal).then(
      (info) => {
        storedWhole = true;
        return info;
      },
      (error: unknown) => {
        // The body's own failure is reported as it is (a provider's error); a bucket failure also stops the
        // download, since that object will not be stored anyway.
        if (file.error) throw file.error;
        const failure = translateUnavailable(error, 'upload', key) as Error;
        file.destroy(failure);
        throw failure;
      },
    );
    // Callers await `written` first: neither promise may count as unhandled while the other is awaited.
    written.catch(() => undefined);
    stored.catch(() => undefined);
    return {
      written,
      stored,
      cancel: async () => {
        stop.abort();
        file.destroy();
        await stored.catch(() => undefined);
        if (storedWhole) await this.delete(key).catch(() => undefined);
      },
    };
  }

  /** One PUT for a file that turned out small; otherwise parts, each sent once it is on disk. */
  private async sendGrowingFile(
    key: string,
    file: GrowingFile,
    contentType: string,
    signal: AbortSignal,
  ): Promise<StoredObjectInfo> {
    await file.reach(FILE_PART_BYTES + 1);
    signal.throwIfAborted();
    if (file.ended && file.size <= FILE_PART_BYTES) {
      return this.putFile(key, file.path, file.size, contentType, signal);
    }
    return this.sendParts(
      key,
      file.path,
      contentType,
      async (index) => {
        const start = index * FILE_PART_BYTES;
        await file.reach(start + FILE_PART_BYTES);
        if (file.ended && start >= file.size) return undefined;
        return partRange(index, file.ended ? file.size : start + FILE_PART_BYTES);
      },
      signal,
    );
  }

  private async putFile(
    key: string,
    path: string,
    size: number,
    contentType: string,
    signal?: AbortSignal,
  ): Promise<StoredObjectInfo> {
    await this.sendFilePart(size, signal, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: createReadStream(path),
          ContentLength: size,
          ContentType: contentType,
        }),
        { abortSignal: signal },
      ),
    );
    return { key, contentType, bytes: size };
  }

  /**
   * A multipart upload of `path`, FILE_PART_CONCURRENCY parts at a time, each read from disk as it is sent.
   * `part(index)` resolves with the part's byte range once it can be read, or undefined after the last one.
   */
  private async sendParts(
    key: string,
    path: string,
    contentType: string,
    part: (index: number) => Promise<{ start: number; end: number } | undefined>,
    signal?: AbortSignal,
  ): Promise<StoredObjectInfo> {
    const { bucket } = this;
    // One failed part stops the others at once, rather than letting them run on into an aborted upload.
    const failed = new AbortController();
    signal = signal ? AbortSignal.any([signal, failed.signal]) : failed.signal;
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }),
      { abortSignal: signal },
    );
    try {
      const parts: Array<{ ETag?: string; PartNumber: number }> = [];
      let next = 0;
      let bytes = 0;
      const sender = async () => {
        for (;;) {
          const index = next++;
          const range = await part(index);
          if (!range) return;
          signal.throwIfAborted();
          const length = range.end - range.start + 1;
          const sent = await this.sendFilePart(length, signal, () =>
            this.client.send(
              new UploadPartCommand({
                Bucket: bucket,
                Key: key,
                UploadId,
                PartNumber: index + 1,
                Body: createReadStream(path, range),
                ContentLength: length,
              }),
              { abortSignal: signal },
            ),
          );
          parts[index] = { ETag: sent.ETag, PartNumber: index + 1 };
          bytes += length;
        }
      };
      await Promise.all(Array.from({ length: FILE_PART_CONCURRENCY }, sender));
      signal.throwIfAborted();
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
        { abortSignal: signal },
      );
      return { key, contentType, bytes };
    } catch (error) {
      failed.abort();
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }))
        .catch(() => undefined);
      throw error;
    }
  }

  /**
   * The SDK cannot replay a stream body, so its own retry of a dropped part fails; each try here opens the
   * file afresh instead. Errors that will not pass (access denied, no such bucket) are not tried again.
   */
  private async sendFilePart<T>(
    bytes: number,
    signal: AbortSignal | undefined,
    send: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const passing =
          translateUnavailable(error, 'upload', `${bytes} bytes`) instanceof StorageUnavailableError;
        if (!passing || attempt >= FILE_PART_ATTEMPTS || signal?.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  async get(key: string): Promise<StoredObjectStream> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        contentType: result.ContentType,
        bytes: result.ContentLength ?? 0,
        body: result.Body as Readable,
      };
    } catch (error) {
      throw translateUnavailable(translateNotFound(error, key), 'get', key);
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    const { body } = await this.get(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async head(key: string): Promise<StoredObjectInfo | undefined> {
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, contentType: result.ContentType, bytes: result.ContentLength ?? 0 };
    } catch (error) {
      if (translateNotFound(error, key) instanceof ObjectNotFoundError) return undefined;
      throw translateUnavailable(error, 'head', key);
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async presignGet(key: string, ttlSeconds = this.presignTtlSeconds): Promise<string> {
    return getSignedUrl(this.presigner, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: ttlSeconds,
    });
  }

  async presignPut(
    key: string,
    contentType: string,
    bytes: number,
    ttlSeconds = this.presignTtlSeconds,
  ): Promise<PresignedUpload> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ContentType: contentType,
      ContentLength: bytes,
    });
    // Content type and length become signed headers: an upload with other values is refused by S3.
    const url = await getSignedUrl(this.presigner, command, {
      expiresIn: ttlSeconds,
      signableHeaders: new Set(['content-type', 'content-length']),
    });
    return {
      url,
      method: 'PUT',
      headers: { 'Content-Type': contentType, 'Content-Length': String(bytes) },
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    };
  }

  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  destroy(): void {
    this.client.destroy();
    if (this.presigner !== this.client) this.presigner.destroy();
  }
}

/** The byte range (inclusive) of part `index` of a file of at least `size` bytes known so far. */
function partRange(index: number, size: number): { start: number; end: number } {
  const start = index * FILE_PART_BYTES;
  return { start, end: Math.min(size, start + FILE_PART_BYTES) - 1 };
}

/**
 * A server-side (5xx), throttling or network failure becomes StorageUnavailableError; anything else is kept.
 * Looks through `cause`s, and at messages too: the SDK sometimes wraps a network error into a plain Error
 * ("AWS SDK error wrapper for TimeoutError: read ECONNRESET").
 */
export function translateUnavailable(error: unknown, operation: string, key: string): unknown {
  const seen = new Set<unknown>();
  for (let current = error; current && typeof current === 'object' && !seen.has(current);) {
    seen.add(current);
    const e = current as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
      $fault?: unknown;
      $metadata?: { httpStatusCode?: number };
      $retryable?: unknown;
    };
    const status = e.$metadata?.httpStatusCode;
    if (
      e.$fault === 'server' ||
      (typeof status === 'number' && (status >= 500 || status === 429)) ||
      !!e.$retryable ||
      isNetworkFailure(current) ||
      e.name === 'TimeoutError' ||
      e.name === 'RequestTimeout' ||
      (typeof e.message === 'string' && NETWORK_MESSAGE.test(e.message))
    ) {
      return new StorageUnavailableError(operation, key, { cause: error });
    }
    current = e.cause;
  }
  return error;
}

const NETWORK_MESSAGE = /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up|TimeoutError/;

function translateNotFound(error: unknown, key: string): unknown {
  if (error instanceof NoSuchKey || error instanceof NotFound) return new ObjectNotFoundError(key);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 404 ? new ObjectNotFoundError(key) : error;
}
