import { StorageUnavailableError } from './object-storage.js';
import { translateUnavailable } from './s3-object-storage.js';

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
