import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ObjectStorage } from '../src/storage/object-storage.js';
import { bearerFor } from './support/auth.js';
import { storedKeys as storedKeysOf } from './support/storage.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

const MAX_IMAGE_BYTES = 64 * 1024;
const fixture = (name: string) => readFile(new URL(`./fixtures/images/${name}`, import.meta.url));

describe(`image uploads (${databaseBackend})`, () => {
  let t: TestApp;
  let storage: ObjectStorage;
  let alice: string;

  beforeAll(async () => {
    t = await startTestApp({ MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES) });
    storage = t.app.get(ObjectStorage);
    alice = await bearerFor(t, 'alice');
  });
  afterAll(() => t.close());

  const storedKeys = () => storedKeysOf(t);

  const upload = (bytes: Buffer, filename: string, contentType: string, field = 'file') =>
    request(t.http)
      .post('/uploads/images')
      .set('Authorization', alice)
      .attach(field, bytes, { filename, contentType });

  describe('POST /uploads/images', () => {
    it.each([
      ['photo-320x180.jpg', 'image/jpeg', 'jpg', 320, 180],
      ['photo-320x180.png', 'image/png', 'png', 320, 180],
      ['tiny-7x5-lossy.webp', 'image/webp', 'webp', 7, 5],
    ])('stores %s under the caller’s prefix', async (name, contentType, extension, width, height) => {
      const bytes = await fixture(name);
      const res = await upload(bytes, name, contentType).expect(201);
      expect(res.body).toEqual({ key: expect.any(String), contentType, width, height, bytes: bytes.length });
      expect(res.body.key).toMatch(new RegExp(`^images/alice/[0-9a-f-]{36}\\.${extension}$`));
      expect(await storage.head(res.body.key)).toMatchObject({ contentType, bytes: bytes.length });
      expect((await storage.getBuffer(res.body.key)).equals(bytes)).toBe(true);
    });

    it('decides the type from the bytes: a PNG named .jpg and sent as image/jpeg is stored as PNG', async () => {
      const res = await upload(await fixture('photo-320x180.png'), 'holiday.jpg', 'image/jpeg').expect(201);
      expect(res.body).toMatchObject({ contentType: 'image/png', width: 320, height: 180 });
      expect(res.body.key).toMatch(/\.png$/);
      expect((await storage.head(res.body.key))?.contentType).toBe('image/png');
    });

    it('refuses an HTML file named .png and sent as image/png with 415, storing nothing', async () => {
      const before = await storedKeys();
      const html = Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>');
      const res = await upload(html, 'cat.png', 'image/png').expect(415);
      expect(res.body).toEqual({
        statusCode: 415,
        message: 'Only JPEG, PNG and WebP images are accepted (decided by the file’s content)',
        error: 'Unsupported Media Type',
      });
      expect(await storedKeys()).toEqual(before);
    });

    it.each([
      ['a truncated JPEG', 'photo-320x180.jpg', 0.5, 'The JPEG file is incomplete (truncated or damaged)'],
      ['a truncated PNG', 'photo-320x180.png', 0.7, 'The PNG file is incomplete (truncated or damaged)'],
      ['a truncated WebP', 'tiny-7x5-lossy.webp', 0.8, 'The WebP file is incomplete (truncated or damaged)'],
    ])('refuses %s with 400, storing nothing', async (_name, name, keep, message) => {
      const before = await storedKeys();
      const bytes = await fixture(name);
      const res = await upload(bytes.subarray(0, Math.floor(bytes.length * keep)), name, 'image/jpeg').expect(
        400,
      );
      expect(res.body).toEqual({ statusCode: 400, message, error: 'Bad Request' });
      expect(await storedKeys()).toEqual(before);
    });

    it('refuses an empty file with 400', async () => {
      const res = await upload(Buffer.alloc(0), 'empty.png', 'image/png').expect(400);
      expect(res.body.message).toBe('The file is empty');
    });

    it('refuses a file over MAX_IMAGE_BYTES with 413 naming the limit, storing nothing', async () => {
      const before = await storedKeys();
      const jpeg = await fixture('photo-320x180.jpg');
      const oversized = Buffer.concat([jpeg, Buffer.alloc(MAX_IMAGE_BYTES + 1 - jpeg.length)]);
      const res = await upload(oversized, 'big.jpg', 'image/jpeg').expect(413);
      expect(res.body).toEqual({
        statusCode: 413,
        message: `Images may be at most ${MAX_IMAGE_BYTES} bytes (MAX_IMAGE_BYTES)`,
        error: 'Payload Too Large',
      });
      expect(await storedKeys()).toEqual(before);
    });

    it('accepts a file of exactly MAX_IMAGE_BYTES', async () => {
      const jpeg = await fixture('photo-320x180.jpg');
      // Bytes after a JPEG's end marker are ignored by decoders, so this is a valid image of the limit's size.
      const atLimit = Buffer.concat([jpeg, Buffer.alloc(MAX_IMAGE_BYTES - jpeg.length)]);
      const res = await upload(atLimit, 'limit.jpg', 'image/jpeg').expect(201);
      expect(res.body.bytes).toBe(MAX_IMAGE_BYTES);
    });

    it('refuses a request without the file field', async () => {
      const res = await request(t.http)
        .post('/uploads/images')
        .set('Authorization', alice)
        .field('note', 'no file here')
        .expect(400);
      expect(res.body.message).toBe('Send the image as multipart/form-data in a field named "file"');
      const json = await request(t.http)
        .post('/uploads/images')
        .set('Authorization', alice)
        .send({})
        .expect(400);
      expect(json.body.message).toBe('Send the image as multipart/form-data in a field named "file"');
    });

    it('refuses a file under another field name, and two files', async () => {
      const png = await fixture('tiny-7x5.png');
      await upload(png, 'a.png', 'image/png', 'image').expect(400);
      await request(t.http)
        .post('/uploads/images')
        .set('Authorization', alice)
        .attach('file', png, 'a.png')
        .attach('file', png, 'b.png')
        .expect(400);
    });

    it('refuses an unauthenticated upload with 401, storing nothing', async () => {
      const before = await storedKeys();
      await request(t.http)
        .post('/uploads/images')
        .attach('file', await fixture('tiny-7x5.png'), 'a.png')
        .expect(401);
      expect(await storedKeys()).toEqual(before);
    });
  });

  describe('POST /uploads/images: large bodies are not read', () => {
    const GIB = 1024 * 1024 * 1024;

    /**
     * Streams a body of `total` bytes over a real connection, honouring back-pressure, until the server answers
     * and the connection closes. Returns the answer and how much the client could send before the close: a server
     * that read the whole body would let all of it through.
     */
    async function streamBody(headers: Record<string, string>, total: number) {
      if (!t.http.address()) await new Promise<void>((resolve) => t.http.listen(0, '127.0.0.1', resolve));
      const { port } = t.http.address() as AddressInfo;
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      return new Promise<{ status: number; body: string; sentAtClose: number }>((resolve, reject) => {
        let sent = 0;
        let answer: { status: number; body: string } | undefined;
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/uploads/images',
          headers: {
            authorization: alice,
            'content-type': 'multipart/form-data; boundary=x',
            ...headers,
          },
        });
        const pump = () => {
          while (sent < total && !req.destroyed) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          if (sent >= total) req.end();
        };
        req.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (text: string) => (body += text));
          res.on('end', () => (answer = { status: res.statusCode!, body }));
        });
        // The server closes the connection after answering, while this client is still sending: writes then
        // fail with EPIPE or ECONNRESET, which is the point.
        req.on('error', () => undefined);
        req.on('close', () => {
          if (answer) resolve({ ...answer, sentAtClose: sent });
          else reject(new Error(`connection closed without an answer after ${sent} bytes`));
        });
        req.flushHeaders();
        pump();
      });
    }

    it('refuses a 1 GiB upload from its Content-Length with 413 and closes the connection unread', async () => {
      const before = await storedKeys();
      const result = await streamBody({ 'content-length': String(GIB) }, GIB);
      expect(result.status).toBe(413);
      expect(result.body).toBe(
        JSON.stringify({
          statusCode: 413,
          message: `Images may be at most ${MAX_IMAGE_BYTES} bytes (MAX_IMAGE_BYTES); this upload declares ${GIB} bytes`,
          error: 'Payload Too Large',
        }),
      );
      // Only what the socket buffers took before the close got out, not the gigabyte.
      expect(result.sentAtClose).toBeLessThan(64 * 1024 * 1024);
      expect(await storedKeys()).toEqual(before);
    });

    it('refuses a chunked upload (no Content-Length) with 411 and closes the connection unread', async () => {
      const result = await streamBody({ 'transfer-encoding': 'chunked' }, GIB);
      expect(result.status).toBe(411);
      expect(JSON.parse(result.body)).toEqual({
        statusCode: 411,
        message:
          'Send the upload with a Content-Length header: multipart/form-data of a known size, not chunked',
        error: 'Length Required',
      });
      expect(result.sentAtClose).toBeLessThan(64 * 1024 * 1024);
    });
  });

  describe('POST /uploads/images/presign', () => {
    const presign = (body: object) =>
      request(t.http).post('/uploads/images/presign').set('Authorization', alice).send(body);

    it('answers a presigned PUT that stores the image under the caller’s prefix', async () => {
      const png = await fixture('photo-320x180.png');
      const res = await presign({ contentType: 'image/png', bytes: png.length }).expect(201);
      expect(res.body).toEqual({
        key: expect.stringMatching(/^images\/alice\/[0-9a-f-]{36}\.png$/),
        url: expect.any(String),
        method: 'PUT',
        headers: { 'Content-Type': 'image/png', 'Content-Length': String(png.length) },
        expiresAt: expect.any(String),
      });
      expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
      const put = await fetch(res.body.url, { method: 'PUT', headers: res.body.headers, body: png });
      expect(put.status).toBe(200);
      expect((await storage.getBuffer(res.body.key)).equals(png)).toBe(true);
      expect((await storage.head(res.body.key))?.contentType).toBe('image/png');
    });

    it('refuses, at the storage, an upload with another content type', async () => {
      const png = await fixture('photo-320x180.png');
      const res = await presign({ contentType: 'image/png', bytes: png.length }).expect(201);
      const put = await fetch(res.body.url, {
        method: 'PUT',
        headers: { 'Content-Type': 'text/html' },
        body: png,
      });
      expect(put.status).toBe(403);
      expect(await storage.head(res.body.key)).toBeUndefined();
    });

    it('refuses, at the storage, an upload of another size', async () => {
      const png = await fixture('photo-320x180.png');
      const res = await presign({ contentType: 'image/png', bytes: png.length }).expect(201);
      const larger = Buffer.concat([png, Buffer.alloc(1000)]);
      const put = await fetch(res.body.url, {
        method: 'PUT',
        headers: { 'Content-Type': 'image/png' },
        body: larger,
      });
      expect(put.status).toBe(403);
      expect(await storage.head(res.body.key)).toBeUndefined();
    });

    it.each([
      [
        { contentType: 'image/gif', bytes: 100 },
        'contentType must be one of the following values: image/jpeg, image/png, image/webp',
      ],
      [{ contentType: 'image/png', bytes: 0 }, 'bytes must not be less than 1'],
      [{ contentType: 'image/png', bytes: 1.5 }, 'bytes must be an integer number'],
      [{ contentType: 'image/png' }, 'bytes must be an integer number'],
      [{ contentType: 'image/png', bytes: 10, key: 'images/bob/x.png' }, 'property key should not exist'],
    ])('refuses %j with 400', async (body, message) => {
      const res = await presign(body).expect(400);
      expect(res.body.statusCode).toBe(400);
      expect(res.body.message).toContain(message);
    });

    it('refuses a declared size over MAX_IMAGE_BYTES with 413', async () => {
      const res = await presign({ contentType: 'image/jpeg', bytes: MAX_IMAGE_BYTES + 1 }).expect(413);
      expect(res.body.message).toBe(`Images may be at most ${MAX_IMAGE_BYTES} bytes (MAX_IMAGE_BYTES)`);
    });
  });
});
