import type { Readable } from 'node:stream';
import { type Classified, failureOf, type OwnFailure } from '../common/failures/classified.js';

export interface StoredObjectInfo {
  key: string;
  contentType?: string;
  bytes: number;
}

export interface StoredObjectStream extends StoredObjectInfo {
  body: Readable;
}

/** A stream being written to a local file and stored at once (`ObjectStorage.uploadWhileWriting`). */
export interface TeeUpload {
  /** The byte count, once the whole body is in the local file; parts may still be going up. */
  readonly written: Promise<number>;
  /** Once the object is stored. Rejects, leaving no object, when the body or the upload failed. */
  readonly stored: Promise<StoredObjectInfo>;
  /** Stops the upload and removes whatever of it was stored (e.g. the file failed a check). */
  cancel(): Promise<void>;
}

export interface PresignedUpload {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: Date;
}

/**
 * Object storage as the rest of the service sees it. The only implementation talks S3 (AWS, MinIO, R2, or
 * the embedded s3rver), so there is one code path; services never import @aws-sdk themselves.
 */
export abstract class ObjectStorage {
  abstract readonly bucket: string;
  abstract put(key: string, body: Buffer | string, contentType: string): Promise<StoredObjectInfo>;
  /** Streams `body` into storage with a multipart upload; the body is never held in memory whole. */
  abstract upload(key: string, body: Readable, contentType: string): Promise<StoredObjectInfo>;
  /**
   * Stores a local file. Large files go up in parts read straight from disk as they are sent, so memory
   * stays flat whatever the size (a video of hundreds of MB costs a few stream buffers, not parts in RAM).
   */
  abstract uploadFile(key: string, path: string, contentType: string): Promise<StoredObjectInfo>;
  /**
   * Writes `body` to the local file `path` and stores it under `key` in the same pass: each part goes up as
   * soon as it is on disk, read back from the file, so a slow bucket never holds the body in memory and a
   * dropped part is sent again from disk. `written` resolves when the file is complete, usually before
   * `stored`, so the caller can check the file while the last parts are in flight.
   */
  abstract uploadWhileWriting(key: string, body: Readable, path: string, contentType: string): TeeUpload;
  abstract get(key: string): Promise<StoredObjectStream>;
  abstract getBuffer(key: string): Promise<Buffer>;
  /** `undefined` when there is no such object. */
  abstract head(key: string): Promise<StoredObjectInfo | undefined>;
  abstract delete(key: string): Promise<void>;
  abstract presignGet(key: string, ttlSeconds?: number): Promise<string>;
  abstract presignPut(
    key: string,
    contentType: string,
    bytes: number,
    ttlSeconds?: number,
  ): Promise<PresignedUpload>;
  /** Throws when the bucket cannot be reached (used by the readiness check). */
  abstract check(): Promise<void>;
}

/**
 * The object store refused or dropped a request for a reason that passes (a 5xx, throttling, a connection
 * lost or refused): the same request may well succeed a little later.
 */
export class StorageUnavailableError extends Error implements Classified {
  constructor(operation: string, key: string, options: { cause: unknown }) {
    super(
      `Object storage unavailable (${operation} ${key}): ${(options.cause as Error)?.message ?? options.cause}`,
      options,
    );
    this.name = 'StorageUnavailableError';
  }

  [failureOf](): OwnFailure {
    return { class: 'retryable', code: 'RETRIES_EXHAUSTED', message: this.message, unavailable: 'storage' };
  }
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No object at ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}
