import request from 'supertest';
import { PrismaService } from '../src/database/prisma.service.js';
import { ObjectStorage } from '../src/storage/object-storage.js';
import {
  authHeader,
  FAST_SIMULATED,
  fixture,
  uploadImage,
  waitForGeneration,
} from './support/generations.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { withPngSize } from './support/png.js';
import { storedKeys } from './support/storage.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

const NOT_CHECKED = /upload it with POST \/uploads\/images or complete the direct upload first/;

/** Issue 12, item 6: only images that passed upload validation are a generation's source. */
describe(`source images must have passed upload validation (${databaseBackend})`, () => {
  let t: TestApp;
  let prisma: PrismaService;
  let storage: ObjectStorage;

  beforeAll(async () => {
    t = await startTestApp({ ...FAST_SIMULATED, INITIAL_CREDITS: '10000' });
    prisma = t.app.get(PrismaService);
    storage = t.app.get(ObjectStorage);
  });
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
  });

  const auth = (user: string) => authHeader(t, user);

  async function stateOf(user: string) {
    const balance = await request(t.http)
      .get('/credits/balance')
      .set(await auth(user))
      .expect(200);
    return {
      balance: balance.body.balance,
      entries: await prisma.creditEntry.count({ where: { userId: user } }),
      generations: await prisma.generation.count({ where: { userId: user } }),
    };
  }

  /** A presigned PUT of `bytes`, not completed. */
  async function putDirectly(user: string, bytes: Buffer): Promise<string> {
    const presigned = await request(t.http)
      .post('/uploads/images/presign')
      .set(await auth(user))
      .send({ contentType: 'image/png', bytes: bytes.length })
      .expect(201);
    const put = await fetch(presigned.body.url, {
      method: 'PUT',
      headers: presigned.body.headers,
      body: new Uint8Array(bytes),
    });
    expect(put.status).toBe(200);
    return presigned.body.key;
  }

  it('refuses a presigned upload never completed, on every endpoint, before charging; accepts it once completed', async () => {
    const user = 'direct-uploader';
    const key = await putDirectly(user, await fixture('photo-320x180.png'));
    const before = await stateOf(user);
    const attempts = [
      ['/video-gen/image-to-video', { id: key, prompt: 'A sunset' }],
      ['/video-gen/generations', { kind: 'image-to-video', id: key, prompt: 'A sunset' }],
      ['/video-gen/chains', { imageId: key, prompt: 'A sunset', totalDuration: 8 }],
    ] as const;
    for (const [path, body] of attempts) {
      const res = await request(t.http)
        .post(path)
        .set(await auth(user))
        .send(body)
        .expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        message: [expect.stringMatching(NOT_CHECKED)],
        error: 'Bad Request',
      });
    }
    expect(await stateOf(user)).toEqual(before);

    await request(t.http)
      .post('/uploads/images/complete')
      .set(await auth(user))
      .send({ key })
      .expect(200);
    const created = await request(t.http)
      .post('/video-gen/generations')
      .set(await auth(user))
      .send({ kind: 'image-to-video', id: key, prompt: 'A sunset' })
      .expect(202);
    expect((await waitForGeneration(t, user, created.body.id)).status).toBe('succeeded');
  });

  it('refuses a key that was never uploaded at all', async () => {
    const user = 'no-uploader';
    const res = await request(t.http)
      .post('/video-gen/image-to-video')
      .set(await auth(user))
      .send({ id: `images/${user}/nothing.png`, prompt: 'p' })
      .expect(400);
    expect(res.body.message).toEqual([expect.stringMatching(NOT_CHECKED)]);
  });

  it('decodes at upload: a PNG with only 180 of its 1800 rows is refused, by both upload paths', async () => {
    const user = 'short-png';
    const short = withPngSize(await fixture('photo-320x180.png'), 320, 1800);
    const keysBefore = await storedKeys(t);
    const direct = await request(t.http)
      .post('/uploads/images')
      .set(await auth(user))
      .attach('file', short, 'short.png')
      .expect(400);
    expect(direct.body.message).toMatch(/damaged or incomplete.*upload the complete image again/);
    const key = await putDirectly(user, short);
    const completed = await request(t.http)
      .post('/uploads/images/complete')
      .set(await auth(user))
      .send({ key })
      .expect(400);
    expect(completed.body.message).toMatch(/damaged or incomplete/);
    // Nothing stored, nothing recorded as usable.
    expect(await storedKeys(t)).toEqual(keysBefore);
    expect(await prisma.validatedImage.count({ where: { userId: user } })).toBe(0);
  });

  it('caps dimensions at 8192 per side, what ffmpeg and libx264 can take', async () => {
    const user = 'huge-png';
    for (const [width, height] of [
      [16_384, 16_384],
      [8193, 100],
    ]) {
      const res = await request(t.http)
        .post('/uploads/images')
        .set(await auth(user))
        .attach('file', withPngSize(await fixture('photo-320x180.png'), width, height), 'huge.png')
        .expect(400);
      expect(res.body.message).toBe(
        `The image is ${width}x${height}; at most 8192 pixels per side are accepted`,
      );
    }
    expect(await prisma.validatedImage.count({ where: { userId: user } })).toBe(0);
  });

  it('fails a source image that breaks after validation with INVALID_INPUT, refunded', async () => {
    const user = 'replaced-image';
    const key = await uploadImage(t, user);
    // The bytes change behind the service's back (another PUT to a still-valid presigned URL, say).
    await storage.put(key, Buffer.from('no longer an image'), 'image/png');
    const before = await stateOf(user);
    const created = await request(t.http)
      .post('/video-gen/generations')
      .set(await auth(user))
      .send({ kind: 'image-to-video', id: key, prompt: 'A sunset' })
      .expect(202);
    const done = await waitForGeneration(t, user, created.body.id);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'INVALID_INPUT' });
    expect(done.error).toMatch(/upload it again/);
    expect(done.error).not.toMatch(/ffprobe|pipe:0/);
    expect((await stateOf(user)).balance).toBe(before.balance);
  });
});
