import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
