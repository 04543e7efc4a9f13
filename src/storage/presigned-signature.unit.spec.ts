import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { checkPresignedRequest, ReceivedRequest } from './presigned-signature.js';

const secretAccessKey = 'S3RVER';
const client = new S3Client({
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:4569',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey },
});

async function presignedPut(key: string, contentType: string, bytes: number): Promise<URL> {
  const command = new PutObjectCommand({
    Bucket: 'video-gen',
    Key: key,
    ContentType: contentType,
    ContentLength: bytes,
  });
  const url = await getSignedUrl(client, command, {
    expiresIn: 900,
    signableHeaders: new Set(['content-type', 'content-length']),
  });
  return new URL(url);
}

function received(url: URL, headers: Record<string, string>, method = 'PUT'): ReceivedRequest {
  return { method, url: url.pathname + url.search, headers: { host: url.host, ...headers } };
}

describe('checkPresignedRequest (against URLs signed by the AWS SDK)', () => {
  afterAll(() => client.destroy());

  it('accepts the request the URL was signed for', async () => {
    const url = await presignedPut('images/alice/a b+c.png', 'image/png', 1234);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(
      checkPresignedRequest(
        received(url, { 'content-type': 'image/png', 'content-length': '1234' }),
        secretAccessKey,
      ),
    ).toEqual({ ok: true });
  });

  it.each([
    ['another content type', { 'content-type': 'text/html', 'content-length': '1234' }, 'PUT'],
    ['another length', { 'content-type': 'image/png', 'content-length': '1235' }, 'PUT'],
    ['no length (chunked)', { 'content-type': 'image/png' }, 'PUT'],
    ['another method', { 'content-type': 'image/png', 'content-length': '1234' }, 'DELETE'],
  ])('refuses %s', async (_name, headers, method) => {
    const url = await presignedPut('images/alice/a.png', 'image/png', 1234);
    expect(checkPresignedRequest(received(url, headers, method), secretAccessKey)).toEqual({
      ok: false,
      reason: 'signature does not match the request',
    });
  });

  it('refuses another key, a longer expiry and another secret', async () => {
    const headers = { 'content-type': 'image/png', 'content-length': '1234' };
    const url = await presignedPut('images/alice/a.png', 'image/png', 1234);
    const otherKey = new URL(url);
    otherKey.pathname = '/video-gen/images/bob/a.png';
    expect(checkPresignedRequest(received(otherKey, headers), secretAccessKey).ok).toBe(false);
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    expect(checkPresignedRequest(received(longer, headers), secretAccessKey).ok).toBe(false);
    expect(checkPresignedRequest(received(url, headers), 'another-secret').ok).toBe(false);
  });

  it('refuses an incomplete signature', () => {
    const url = new URL('http://127.0.0.1:4569/video-gen/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256');
    expect(checkPresignedRequest(received(url, {}), secretAccessKey)).toEqual({
      ok: false,
      reason: 'incomplete query-string signature',
    });
  });
});
