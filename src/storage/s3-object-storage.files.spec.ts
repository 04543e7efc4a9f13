import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { EmbeddedS3Server } from './embedded-s3.server.js';
import { StorageUnavailableError } from './object-storage.js';
import { FILE_PART_BYTES, S3ObjectStorage } from './s3-object-storage.js';

// Real S3 protocol (the embedded s3rver), real files: uploadFile must store exactly the file's bytes,
// whether it goes up in one PUT or in parts read from disk.
describe('S3ObjectStorage.uploadFile', () => {
  let dir: string;
  let server: EmbeddedS3Server;
  let storage: S3ObjectStorage;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vg-s3-files-'));
    server = await EmbeddedS3Server.start({ directory: join(dir, 's3'), port: 0, bucket: 'files' });
    storage = new S3ObjectStorage({
      bucket: 'files',
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: EmbeddedS3Server.accessKeyId,
      secretAccessKey: EmbeddedS3Server.secretAccessKey,
      presignTtlSeconds: 60,
    });
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it.each([
    ['an empty file', 0],
    ['a small file, one PUT', 1234],
    ['exactly one part', FILE_PART_BYTES],
    ['two parts and a short third', 2 * FILE_PART_BYTES + 777],
  ])('stores %s byte for byte', async (_name, size) => {
    const bytes = randomBytes(size);
    const path = join(dir, `file-${size}.bin`);
    await writeFile(path, bytes);
    const key = `videos/u/${size}.mp4`;
    const info = await storage.uploadFile(key, path, 'video/mp4');
    expect(info).toEqual({ key, contentType: 'video/mp4', bytes: size });
    const stored = await storage.getBuffer(key);
    expect(stored.length).toBe(size);
    expect(sha(stored)).toBe(sha(bytes));
    expect(await storage.head(key)).toMatchObject({ bytes: size, contentType: 'video/mp4' });
  });

  it('reports an unreachable store as StorageUnavailableError, so the job is retried', async () => {
    const path = join(dir, 'unreachable.bin');
    await writeFile(path, randomBytes(100));
    const away = new S3ObjectStorage({
      bucket: 'files',
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'x',
      secretAccessKey: 'y',
      presignTtlSeconds: 60,
    });
    await expect(away.uploadFile('k', path, 'video/mp4')).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});

// The same, for a body still arriving: the file and the object must both end up byte for byte the body,
// and a broken body, a refused check or an unreachable bucket must leave no object.
describe('S3ObjectStorage.uploadWhileWriting', () => {
  let dir: string;
  let server: EmbeddedS3Server;
  let storage: S3ObjectStorage;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vg-s3-tee-'));
    server = await EmbeddedS3Server.start({ directory: join(dir, 's3'), port: 0, bucket: 'tee' });
    storage = new S3ObjectStorage({
      bucket: 'tee',
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: EmbeddedS3Server.accessKeyId,
      secretAccessKey: EmbeddedS3Server.secretAccessKey,
      presignTtlSeconds: 60,
    });
  });
  afterAll(async () => {
    storage.destroy();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  /** `bytes` in 64 KiB chunks, as a download delivers them; optionally failing after `failAfter` bytes. */
  function arriving(bytes: Buffer, failAfter?: number): Readable {
    async function* chunks() {
      for (let offset = 0; offset < bytes.length; offset += 65536) {
        if (failAfter !== undefined && offset >= failAfter) throw new Error('download broke off');
        yield bytes.subarray(offset, offset + 65536);
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (failAfter !== undefined) throw new Error('download broke off');
    }
    return Readable.from(chunks());
  }

  it.each([
    ['an empty body', 0],
    ['a small body, one PUT', 1234],
    ['exactly one part', FILE_PART_BYTES],
    ['two parts and a short third', 2 * FILE_PART_BYTES + 777],
  ])('keeps and stores %s byte for byte', async (_name, size) => {
    const bytes = randomBytes(size);
    const path = join(dir, `tee-${size}.bin`);
    const key = `videos/u/tee-${size}.mp4`;
    const upload = storage.uploadWhileWriting(key, arriving(bytes), path, 'video/mp4');
    expect(await upload.written).toBe(size);
    expect(sha(await readFile(path))).toBe(sha(bytes));
    expect(await upload.stored).toEqual({ key, contentType: 'video/mp4', bytes: size });
    const stored = await storage.getBuffer(key);
    expect(stored.length).toBe(size);
    expect(sha(stored)).toBe(sha(bytes));
    expect(await storage.head(key)).toMatchObject({ bytes: size, contentType: 'video/mp4' });
  });

  it.each([
    ['in its first part', 1000],
    ['after two parts went up', 2 * FILE_PART_BYTES + 65536],
  ])('reports a body that breaks off %s as its own error and stores nothing', async (_name, failAfter) => {
    const key = `videos/u/broken-${failAfter}.mp4`;
    const upload = storage.uploadWhileWriting(
      key,
      arriving(randomBytes(3 * FILE_PART_BYTES), failAfter),
      join(dir, `broken-${failAfter}.bin`),
      'video/mp4',
    );
    await expect(upload.written).rejects.toThrow('download broke off');
    await expect(upload.stored).rejects.toThrow('download broke off');
    await upload.cancel();
    expect(await storage.head(key)).toBeUndefined();
  });

  it('removes what was stored when the caller refuses the file after it arrived', async () => {
    for (const size of [1234, 2 * FILE_PART_BYTES + 1]) {
      const key = `videos/u/refused-${size}.mp4`;
      const upload = storage.uploadWhileWriting(
        key,
        arriving(randomBytes(size)),
        join(dir, 'r.bin'),
        'video/mp4',
      );
      await upload.written;
      await upload.cancel();
      await expect(upload.stored).rejects.toThrow();
      expect(await storage.head(key)).toBeUndefined();
    }
    // Refused only after the object was complete: it is deleted.
    const key = 'videos/u/refused-late.mp4';
    const late = storage.uploadWhileWriting(key, arriving(randomBytes(100)), join(dir, 'l.bin'), 'video/mp4');
    await late.stored;
    await late.cancel();
    expect(await storage.head(key)).toBeUndefined();
  });

  it('stops the download when the bucket cannot be reached, as StorageUnavailableError', async () => {
    const away = new S3ObjectStorage({
      bucket: 'tee',
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'x',
      secretAccessKey: 'y',
      presignTtlSeconds: 60,
    });
    // A download that would go on for minutes: it must be stopped, not waited for.
    const chunk = randomBytes(1024 * 1024);
    const body = Readable.from(
      (async function* () {
        for (let i = 0; i < 10_000; i++) {
          yield chunk;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })(),
    );
    const upload = away.uploadWhileWriting('k', body, join(dir, 'away.bin'), 'video/mp4');
    await expect(upload.stored).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(upload.written).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(body.destroyed).toBe(true);
    away.destroy();
  });
});
