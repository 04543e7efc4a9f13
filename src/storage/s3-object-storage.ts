import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
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
import { isNetworkFailure } from '../common/failures/failure.classifier.js';
import type { StorageConfig } from '../config/app-config.js';
import {
  ObjectNotFoundError,
  ObjectStorage,
  StorageUnavailableError,
  PresignedUpload,
  StoredObjectInfo,
  StoredObjectStream,
} from './object-storage.js';

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
    const { bucket } = this;
    try {
      if (size <= FILE_PART_BYTES) {
        await this.sendFilePart(size, () =>
          this.client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: createReadStream(path),
              ContentLength: size,
              ContentType: contentType,
            }),
          ),
        );
        return { key, contentType, bytes: size };
      }
      const { UploadId } = await this.client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }),
      );
      try {
        const count = Math.ceil(size / FILE_PART_BYTES);
        const parts: Array<{ ETag?: string; PartNumber: number }> = [];
        let next = 0;
        const sender = async () => {
          while (next < count) {
            const index = next++;
            const start = index * FILE_PART_BYTES;
            const end = Math.min(size, start + FILE_PART_BYTES) - 1;
            const sent = await this.sendFilePart(end - start + 1, () =>
              this.client.send(
                new UploadPartCommand({
                  Bucket: bucket,
                  Key: key,
                  UploadId,
                  PartNumber: index + 1,
                  Body: createReadStream(path, { start, end }),
                  ContentLength: end - start + 1,
                }),
              ),
            );
            parts[index] = { ETag: sent.ETag, PartNumber: index + 1 };
          }
        };
        await Promise.all(Array.from({ length: Math.min(FILE_PART_CONCURRENCY, count) }, sender));
        await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        );
      } catch (error) {
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }))
          .catch(() => undefined);
        throw error;
      }
      return { key, contentType, bytes: size };
    } catch (error) {
      throw translateUnavailable(error, 'upload', key);
    }
  }

  /**
   * The SDK cannot replay a stream body, so its own retry of a dropped part fails; each try here opens the
   * file afresh instead. Errors that will not pass (access denied, no such bucket) are not tried again.
   */
  private async sendFilePart<T>(bytes: number, send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const passing =
          translateUnavailable(error, 'upload', `${bytes} bytes`) instanceof StorageUnavailableError;
        if (!passing || attempt >= FILE_PART_ATTEMPTS) throw error;
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
