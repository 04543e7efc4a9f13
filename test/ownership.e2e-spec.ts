import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { ObjectStorage } from '../src/storage/object-storage.js';
import { bearerFor } from './support/auth.js';
import { storedKeys } from './support/storage.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

const fixture = (name: string) => readFile(new URL(`./fixtures/images/${name}`, import.meta.url));

describe(`ownership of stored images, through POST /uploads/images/complete (${databaseBackend})`, () => {
  let t: TestApp;
  let storage: ObjectStorage;
  let alice: string;
  let bob: string;
  let bobsKey: string;
  let bobsName: string;

  beforeAll(async () => {
    t = await startTestApp();
    storage = t.app.get(ObjectStorage);
    alice = await bearerFor(t, 'alice');
    bob = await bearerFor(t, 'bob');
    const uploaded = await request(t.http)
      .post('/uploads/images')
      .set('Authorization', bob)
      .attach('file', await fixture('tiny-7x5.png'), 'bob.png')
      .expect(201);
    bobsKey = uploaded.body.key;
    bobsName = bobsKey.split('/').pop()!;
  });
  afterAll(() => t.close());

  const complete = (authorization: string, key: unknown) =>
    request(t.http).post('/uploads/images/complete').set('Authorization', authorization).send({ key });

  /** Presigns, then uploads `bytes` directly to storage as a browser would. */
  async function directUpload(authorization: string, contentType: string, bytes: Buffer): Promise<string> {
    const presigned = await request(t.http)
      .post('/uploads/images/presign')
      .set('Authorization', authorization)
      .send({ contentType, bytes: bytes.length })
      .expect(201);
    const put = await fetch(presigned.body.url, {
      method: 'PUT',
      headers: presigned.body.headers,
      body: bytes,
    });
    expect(put.status).toBe(200);
    return presigned.body.key;
  }

  it('completes a direct upload: the stored bytes are checked and described', async () => {
    const webp = await fixture('tiny-9x4-lossless.webp');
    const key = await directUpload(alice, 'image/webp', webp);
    const res = await complete(alice, key).expect(200);
    expect(res.body).toEqual({ key, contentType: 'image/webp', width: 9, height: 4, bytes: webp.length });
  });

  it('refuses and deletes a direct upload whose bytes are not the declared image', async () => {
    const html = Buffer.from('<html><script>steal()</script></html>');
    const key = await directUpload(alice, 'image/png', html);
    expect(await storage.head(key)).toBeDefined();
    const res = await complete(alice, key).expect(415);
    expect(res.body.error).toBe('Unsupported Media Type');
    expect(await storage.head(key)).toBeUndefined();
  });

  it('refuses and deletes a truncated direct upload', async () => {
    const png = await fixture('photo-320x180.png');
    const key = await directUpload(alice, 'image/png', png.subarray(0, 900));
    await complete(alice, key).expect(400);
    expect(await storage.head(key)).toBeUndefined();
  });

  it('answers 404 for the caller’s own key when nothing is stored there', async () => {
    const res = await complete(alice, 'images/alice/never-uploaded.png').expect(404);
    expect(res.body).toEqual({
      statusCode: 404,
      message: 'No image is stored under this key',
      error: 'Not Found',
    });
  });

  it('refuses another user’s existing image with 403 and leaves it alone', async () => {
    const res = await complete(alice, bobsKey).expect(403);
    expect(res.body).toEqual({
      statusCode: 403,
      message: 'Object key refused: it must be one of your own keys under images/alice/',
      error: 'Forbidden',
    });
    expect(await storage.head(bobsKey)).toBeDefined();
    await complete(bob, bobsKey).expect(200);
  });

  it.each([
    ['parent traversal into bob’s prefix', () => `images/alice/../bob/${bobsName}`, '".."'],
    ['traversal from the root', () => `../${bobsKey}`, '".."'],
    ['an encoded traversal', () => `images/alice/%2e%2e/bob/${bobsName}`, 'percent-encoding'],
    ['an encoded separator', () => `images/alice%2F..%2Fbob/${bobsName}`, 'percent-encoding'],
    ['a leading slash', () => `/${bobsKey}`, 'start with "/"'],
    ['backslashes', () => `images\\alice\\..\\bob\\${bobsName}`, 'backslashes'],
    ['a right-to-left override', () => `images/alice/\u202e${bobsName}`, 'invisible'],
    ['a dot segment', () => `images/./bob/${bobsName}`, '"."'],
    ['an empty segment', () => `images//bob/${bobsName}`, 'empty'],
    ['a look-alike prefix', () => `images/alice-bob/${bobsName}`, 'your own keys'],
    ['the videos area', () => `videos/alice/${bobsName}`, 'your own keys'],
    ['another case', () => `IMAGES/alice/${bobsName}`, 'your own keys'],
  ])('refuses %s with 403', async (_name, key, reason) => {
    const res = await complete(alice, key()).expect(403);
    expect(res.body.message).toContain(reason);
    expect(await storage.head(bobsKey)).toBeDefined();
  });

  it('refuses a NUL byte in the key before it reaches the ownership check (400, as in every body)', async () => {
    const res = await complete(alice, `images/alice/x.png\u0000/../../bob/${bobsName}`).expect(400);
    expect(res.body.message).toMatch(/^key must not contain NUL characters/);
    expect(await storage.head(bobsKey)).toBeDefined();
  });

  it('refuses a key that is not a string, or too long, with 400', async () => {
    await complete(alice, 42).expect(400);
    await complete(alice, ['images/alice/a.png']).expect(400);
    await complete(alice, `images/alice/${'a'.repeat(1100)}`).expect(400);
  });

  it('refuses the call without a token', async () => {
    await request(t.http).post('/uploads/images/complete').send({ key: bobsKey }).expect(401);
    expect((await storedKeys(t)).includes(bobsKey)).toBe(true);
  });
});
