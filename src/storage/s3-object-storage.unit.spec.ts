import { StorageUnavailableError } from './object-storage.js';
import { S3ObjectStorage, translateUnavailable } from './s3-object-storage.js';

describe('translateUnavailable', () => {
  it('marks failures that pass by themselves: 5xx, throttling, dropped or refused connections', () => {
    const slowDown = Object.assign(new Error('Please reduce your request rate.'), {
      name: 'SlowDown',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
    });
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const wrapped = new Error('AWS SDK error wrapper for TimeoutError: read ECONNRESET');
    for (const error of [slowDown, reset, wrapped, new Error('outer', { cause: reset })]) {
      const translated = translateUnavailable(error, 'upload', 'videos/u/g.mp4');
      expect(translated).toBeInstanceOf(StorageUnavailableError);
      expect((translated as Error).cause).toBe(error);
    }
  });

  it('keeps everything else as it is', () => {
    const denied = Object.assign(new Error('Access Denied'), {
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    expect(translateUnavailable(denied, 'put', 'k')).toBe(denied);
    expect(translateUnavailable(undefined, 'put', 'k')).toBeUndefined();
  });
});

describe('presigned URLs', () => {
  const connection = {
    bucket: 'video-gen',
    endpoint: 'http://minio:9000',
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: 'key',
    secretAccessKey: 'secret',
    presignTtlSeconds: 900,
  };

  it('are signed for S3_PUBLIC_ENDPOINT when it is set, not the internal endpoint', async () => {
    const storage = new S3ObjectStorage({ ...connection, publicEndpoint: 'http://localhost:9000' });
    try {
      const get = new URL(await storage.presignGet('videos/u/g.mp4', 60));
      expect(`${get.origin}${get.pathname}`).toBe('http://localhost:9000/video-gen/videos/u/g.mp4');
      expect(get.searchParams.get('X-Amz-Expires')).toBe('60');
      const put = await storage.presignPut('images/u/a.png', 'image/png', 10);
      expect(put.url.startsWith('http://localhost:9000/video-gen/images/u/a.png?')).toBe(true);
    } finally {
      storage.destroy();
    }
  });

  it('use the endpoint itself when no public one is set', async () => {
    const storage = new S3ObjectStorage(connection);
    try {
      expect((await storage.presignGet('videos/u/g.mp4')).startsWith('http://minio:9000/video-gen/')).toBe(
        true,
      );
    } finally {
      storage.destroy();
    }
  });
});
