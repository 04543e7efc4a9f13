import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import request from 'supertest';
import { IMAGE_CONTENT_TYPES } from '../src/media/image-types.js';
import { probeImage } from '../src/uploads/image-probe.js';
import { bearerFor } from './support/auth.js';
import { PrismaService } from '../src/database/prisma.service.js';
import { expectOnlyClientErrors, hostileJson, hostileKey, hostileRawJson } from './support/http-fuzz.js';
import { storedKeys } from './support/storage.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

const MAX_IMAGE_BYTES = 4096;

/**
 * Random and hostile requests at the endpoints that take caller-chosen bodies and keys: only 4xx (or a
 * 2xx for a genuinely valid request), never a 5xx, and a refused request changes nothing. The generation
 * endpoints join this table when they exist (pipeline issue), with a snapshot of balances and generations.
 */
describe(`property: hostile input gets a 4xx and changes nothing (${databaseBackend})`, () => {
  let t: TestApp;
  let alice: string;
  let images: Buffer[];

  beforeAll(async () => {
    t = await startTestApp({ MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES) });
    alice = await bearerFor(t, 'alice');
    images = await Promise.all(
      ['tiny-7x5.png', 'tiny-7x5.jpg', 'tiny-7x5-lossy.webp', 'tiny-9x4-lossless.webp'].map((name) =>
        readFile(new URL(`./fixtures/images/${name}`, import.meta.url)),
      ),
    );
  });
  afterAll(() => t.close());

  const unchangedStorage = { snapshot: () => storedKeys(t) };

  it('POST /uploads/images/presign with random JSON bodies', async () => {
    await expectOnlyClientErrors(
      {
        name: 'POST /uploads/images/presign',
        input: hostileJson({
          contentType: fc.constantFrom(...IMAGE_CONTENT_TYPES, 'image/gif', 'text/html', 'image/svg+xml'),
          bytes: fc.integer({ min: -10, max: MAX_IMAGE_BYTES * 2 }),
        }),
        send: (body) =>
          request(t.http)
            .post('/uploads/images/presign')
            .set('Authorization', alice)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body)),
        maySucceed: (body) => {
          const { contentType, bytes, ...rest } = (body ?? {}) as Record<string, unknown>;
          return (
            Object.keys(rest).length === 0 &&
            (IMAGE_CONTENT_TYPES as readonly unknown[]).includes(contentType) &&
            Number.isInteger(bytes) &&
            (bytes as number) >= 1 &&
            (bytes as number) <= MAX_IMAGE_BYTES
          );
        },
      },
      unchangedStorage,
    );
  });

  it('POST /uploads/images/complete with hostile keys', async () => {
    await expectOnlyClientErrors(
      {
        name: 'POST /uploads/images/complete',
        input: fc.oneof(
          hostileKey('alice', 'bob').map((key) => ({ key })),
          hostileJson({ key: hostileKey('alice', 'bob') }),
        ),
        send: (body) =>
          request(t.http)
            .post('/uploads/images/complete')
            .set('Authorization', alice)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body)),
      },
      unchangedStorage,
    );
  });

  it('POST /uploads/images with random and damaged files under any name and declared type', async () => {
    const damagedImage = fc
      .tuple(
        fc.constantFrom(...images),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 4 }),
      )
      .map(([image, cut, flips]) => {
        const bytes = Buffer.from(image.subarray(0, cut % (image.length + 1)));
        for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
        return bytes;
      });
    await expectOnlyClientErrors(
      {
        name: 'POST /uploads/images',
        input: fc.record({
          bytes: fc.oneof(
            fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
            damagedImage,
            fc.nat({ max: MAX_IMAGE_BYTES * 2 }).map((size) => Buffer.alloc(size, 0xff)),
          ),
          filename: fc.oneof(
            fc.constantFrom('a.png', 'a.jpg', '../../etc/passwd', 'a.html', ''),
            fc.string({ maxLength: 20 }),
          ),
          contentType: fc.constantFrom('image/png', 'image/jpeg', 'text/html', 'application/octet-stream'),
          field: fc.constantFrom('file', 'file', 'file', 'image', 'files[]'),
        }),
        send: ({ bytes, filename, contentType, field }) =>
          request(t.http)
            .post('/uploads/images')
            .set('Authorization', alice)
            .attach(field, bytes, { filename: filename || 'blob', contentType }),
        maySucceed: ({ bytes, field }) =>
          field === 'file' && bytes.length <= MAX_IMAGE_BYTES && probeImage(bytes).ok,
      },
      unchangedStorage,
    );
  });

  it('the generation endpoints with hostile bodies and keys: 4xx, no charge, no record', async () => {
    // Alice has uploaded nothing and no paid provider is configured, so no request here can be valid.
    const prisma = t.app.get(PrismaService);
    const unchanged = {
      numRuns: 60,
      snapshot: async () => ({
        generations: await prisma.generation.count(),
        entries: await prisma.creditEntry.count(),
        accounts: await prisma.creditAccount.findMany({ orderBy: { userId: 'asc' } }),
        keys: await storedKeys(t),
      }),
    };
    const fields = {
      id: hostileKey('alice'),
      imageId: hostileKey('alice'),
      prompt: fc.string({ maxLength: 20 }),
      prompts: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
      duration: fc.constantFrom('5s', '8s', '10s', '6s', '8', ''),
      totalDuration: fc.integer({ min: -5, max: 400 }),
      kind: fc.constantFrom('image-to-video', 'text-to-video', 'chain'),
      model: fc.constantFrom('veo3', 'sora-2', 'local-motion', 'nope'),
      crop: fc.record({ left: fc.double(), top: fc.double(), right: fc.double(), bottom: fc.double() }),
      frameIndex: fc.integer({ min: -2, max: 50 }),
      seed: fc.integer(),
    };
    const paths = [
      '/video-gen/image-to-video',
      '/video-gen/text-to-video',
      '/video-gen/generations',
      '/video-gen/chains',
      `/video-gen/generations/${'00000000-0000-4000-8000-000000000000'}/extend`,
    ];
    for (const path of paths) {
      await expectOnlyClientErrors(
        {
          name: `POST ${path}`,
          input: hostileJson(fields),
          send: (body) =>
            request(t.http)
              .post(path)
              .set('Authorization', alice)
              .set('Content-Type', 'application/json')
              .send(JSON.stringify(body)),
          maySucceed: () => false,
        },
        unchanged,
      );
    }
  });

  it('refuses a __proto__ key that would otherwise vanish before validation', async () => {
    const res = await request(t.http)
      .post('/uploads/images/presign')
      .set('Authorization', alice)
      .set('Content-Type', 'application/json')
      .send('{"__proto__":null,"contentType":"image/jpeg","bytes":1}')
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.body.message).toContain('__proto__');
  });

  it('every JSON endpoint with bodies that are not valid JSON', async () => {
    for (const path of ['/uploads/images/presign', '/uploads/images/complete', '/video-gen/generations']) {
      await expectOnlyClientErrors(
        {
          name: `POST ${path} (raw)`,
          input: hostileRawJson(),
          send: (raw) =>
            request(t.http)
              .post(path)
              .set('Authorization', alice)
              .set('Content-Type', 'application/json')
              .send(raw),
          maySucceed: () => false,
        },
        { ...unchangedStorage, numRuns: 60 },
      );
    }
  });
});
