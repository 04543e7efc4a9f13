import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedS3Server } from './embedded-s3.server.js';

// Real s3rver over HTTP: only requests signed with the embedded store's key get through, as on S3.
describe('EmbeddedS3Server', () => {
  const bucket = 'locked';
  let dir: string;
  let server: EmbeddedS3Server;
  let client: S3Client;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vg-s3-locked-'));
    server = await EmbeddedS3Server.start({ directory: join(dir, 's3'), port: 0, bucket });
    client = new S3Client({
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: {
        accessKeyId: EmbeddedS3Server.accessKeyId,
        secretAccessKey: EmbeddedS3Server.secretAccessKey,
      },
    });
  });
  afterAll(async () => {
    client.destroy();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const put = (key: string, body: string) =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/plain' }));
  const read = async (key: string) =>
    (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

  it('serves signed SDK calls: list buckets, put, get, list, delete', async () => {
    const buckets = await client.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toEqual([bucket]);
    await put('images/alice/a b+c.txt', 'hello');
    expect(await read('images/alice/a b+c.txt')).toBe('hello');
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'images/alice/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['images/alice/a b+c.txt']);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'images/alice/a b+c.txt' }));
    const after = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'images/alice/' }));
    expect(after.Contents ?? []).toEqual([]);
  });

  it('refuses unsigned requests with 403 AccessDenied and changes nothing', async () => {
    await put('videos/bob/v.mp4', 'original');
    const unsigned = async (method: string, path: string, body?: string) => {
      const response = await fetch(`${server.endpoint}${path}`, { method, body });
      return { status: response.status, text: await response.text() };
    };

    const list = await unsigned('GET', '/');
    expect(list.status).toBe(403);
    expect(list.text).toContain('<Code>AccessDenied</Code>');
    expect(list.text).not.toContain(bucket);

    const listObjects = await unsigned('GET', `/${bucket}?list-type=2`);
    expect(listObjects.status).toBe(403);
    expect(listObjects.text).not.toContain('videos/bob');

    const get = await unsigned('GET', `/${bucket}/videos/bob/v.mp4`);
    expect(get.status).toBe(403);
    expect(get.text).not.toContain('original');

    expect((await unsigned('PUT', `/${bucket}/videos/bob/v.mp4`, 'overwritten')).status).toBe(403);
    expect((await unsigned('PUT', `/${bucket}/images/bob/new.png`, 'planted')).status).toBe(403);
    expect((await unsigned('DELETE', `/${bucket}/videos/bob/v.mp4`)).status).toBe(403);

    expect(await read('videos/bob/v.mp4')).toBe('original');
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'images/bob/' }));
    expect(listed.Contents ?? []).toEqual([]);
  });

  it('refuses a V4 Authorization header whose signature is not computed with the secret', async () => {
    const response = await fetch(`${server.endpoint}/${bucket}/videos/bob/v.mp4`, {
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=S3RVER/20260101/us-east-1/s3/aws4_request, ' +
          `SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${'0'.repeat(64)}`,
        'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d+/g, ''),
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      },
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('still serves presigned PUT and GET', async () => {
    const body = 'presigned body';
    const putUrl = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: bucket, Key: 'images/carol/p.txt', ContentType: 'text/plain' }),
      { expiresIn: 60 },
    );
    const putResponse = await fetch(putUrl, {
      method: 'PUT',
      body,
      headers: { 'content-type': 'text/plain' },
    });
    expect(putResponse.status).toBe(200);
    const getUrl = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: bucket, Key: 'images/carol/p.txt' }),
      { expiresIn: 60 },
    );
    const getResponse = await fetch(getUrl);
    expect(getResponse.status).toBe(200);
    expect(await getResponse.text()).toBe(body);
  });

  it('answers a CORS preflight (OPTIONS, never signed) from the bucket CORS rules, not the signature check', async () => {
    const response = await fetch(`${server.endpoint}/${bucket}/images/carol/p.txt`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'PUT' },
    });
    const text = await response.text();
    expect(text).not.toContain('AccessDenied');
    expect(text).not.toContain('SignatureDoesNotMatch');
    // The bucket is created with the browser CORS rule (bucket-cors.ts), so the preflight is allowed.
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toMatch(/^(\*|http:\/\/localhost:3000)$/);
    expect(response.headers.get('access-control-allow-methods')).toContain('PUT');
  });
});

describe('embedded S3 port', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vg-s3port-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const start = () =>
    EmbeddedS3Server.start({
      directory: join(dir, 's3'),
      portFile: join(dir, 'embedded-s3.port'),
      bucket: 'b',
    });

  it('keeps one port across restarts, stored in DATA_DIR', async () => {
    const first = await start();
    const port = first.port;
    await first.stop();
    expect((await readFile(join(dir, 'embedded-s3.port'), 'utf8')).trim()).toBe(String(port));
    const second = await start();
    try {
      expect(second.port).toBe(port);
    } finally {
      await second.stop();
    }
  });

  it('picks and stores a new port when the stored one is taken', async () => {
    const first = await start();
    const port = first.port;
    await first.stop();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const second = await start();
      try {
        expect(second.port).not.toBe(port);
        expect((await readFile(join(dir, 'embedded-s3.port'), 'utf8')).trim()).toBe(String(second.port));
      } finally {
        await second.stop();
      }
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
