import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/**
 * A file being written by a stream that others may read behind the writer: `reach(n)` resolves once the
 * first `n` bytes are on disk (or the stream has ended short of them), so a reader can send finished parts
 * of the file while the rest is still arriving. Chunks go to disk as they come and are not kept.
 */
export class GrowingFile extends Writable {
  /** Bytes written to disk so far. */
  size = 0;
  /** True once every byte is on disk and the file is closed. */
  ended = false;
  private failure: Error | undefined;
  /** Why writing stopped before the end, if it did. */
  get error(): Error | undefined {
    return this.failure;
  }
  private handle: FileHandle | undefined;
  private waiters: Array<{ bytes: number; resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(readonly path: string) {
    super();
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, 'w').then(
      (handle) => {
        this.handle = handle;
        callback();
      },
      (error: Error) => callback(error),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll([chunk]).then(() => callback(), callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.writeAll(chunks.map((item) => item.chunk)).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.handle!.close().then(() => {
      this.handle = undefined;
      this.ended = true;
      this.wake();
      callback();
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A reader must not wait for bytes that will never come.
    this.failure = error ?? (this.ended ? undefined : new Error(`writing ${this.path} stopped early`));
    this.wake();
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return callback(error);
    handle.close().then(
      () => callback(error),
      () => callback(error),
    );
  }

  /** Resolves once `bytes` are on disk or the file is complete (check `size`); rejects if writing failed. */
  reach(bytes: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.size >= bytes || this.ended) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ bytes, resolve, reject }));
  }

  private async writeAll(chunks: Buffer[]): Promise<void> {
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.length) {
        const { bytesWritten } = await this.handle!.write(chunk, offset, chunk.length - offset, null);
        offset += bytesWritten;
      }
      this.size += chunk.length;
    }
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (this.failure) waiter.reject(this.failure);
      else if (this.size >= waiter.bytes || this.ended) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }
}
