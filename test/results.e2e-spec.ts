import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { PrismaService } from '../src/database/prisma.service.js';
import { GenerationResults } from '../src/video-gen/api/generation-results.service.js';
import { isExpired, retentionCutoff } from '../src/video-gen/api/result-objects.js';
import { authHeader, FAST_SIMULATED, uploadImage, waitForGeneration } from './support/generations.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { storedKeys } from './support/storage.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

interface ModelView {
  name: string;
  kinds: string[];
  segmentDurations: number[];
  available: boolean;
}

describe(`quotes, result content and deletion, idempotent replays (${databaseBackend})`, () => {
  let t: TestApp;
  let prisma: PrismaService;

  beforeAll(async () => {
    t = await startTestApp({ ...FAST_SIMULATED, INITIAL_CREDITS: '5000', RESULT_RETENTION_DAYS: '1' });
    prisma = t.app.get(PrismaService);
  });
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
  });

  const auth = (user: string) => authHeader(t, user);
  const post = async (user: string, path: string, body: object, headers: Record<string, string> = {}) =>
    request(t.http)
      .post(path)
      .set({ ...(await auth(user)), ...headers })
      .send(body);
  const balanceOf = async (user: string): Promise<number> =>
    (
      await request(t.http)
        .get('/credits/balance')
        .set(await auth(user))
        .expect(200)
    ).body.balance;

  async function models(): Promise<ModelView[]> {
    const res = await request(t.http)
      .get('/video-gen/models')
      .set(await auth('catalog-reader'))
      .expect(200);
    return res.body.models;
  }

  async function succeeded(user: string, kind = 'text-to-video'): Promise<string> {
    const body =
      kind === 'image-to-video'
        ? { kind, id: await uploadImage(t, user), prompt: 'A harbour at dawn' }
        : { kind, model: 'sora-2', prompt: 'A harbour at dawn', duration: '8s' };
    const created = await post(user, '/video-gen/generations', body);
    expect(created.status).toBe(202);
    const done = await waitForGeneration(t, user, created.body.id);
    expect(done.status).toBe('succeeded');
    return created.body.id;
  }

  describe('POST /video-gen/quote and /video-gen/chains/quote', () => {
    it('quotes exactly what the create then reserves, for every model and kind in the catalog', async () => {
      const catalog = (await models()).filter((m) => m.available);
      expect(catalog.length).toBeGreaterThanOrEqual(3);
      const created: Array<{ user: string; id: string }> = [];
      let checked = 0;
      for (const [i, model] of catalog.entries()) {
        for (const kind of model.kinds) {
          const user = `quote-${i}-${kind}`;
          const body = {
            kind,
            model: model.name,
            prompt: `Quote check for ${model.name}`,
            duration: '5s',
            ...(kind === 'image-to-video' ? { id: await uploadImage(t, user) } : {}),
          };
          const quote = await post(user, '/video-gen/quote', body);
          const before = await balanceOf(user);
          const create = await post(user, '/video-gen/generations', body);
          if (quote.status !== 200) {
            // A model the server refuses (e.g. retired) is refused by both, in the same words.
            expect({ status: create.status, body: create.body }).toEqual({
              status: quote.status,
              body: quote.body,
            });
            continue;
          }
          expect(create.status).toBe(202);
          expect(quote.body).toEqual({
            model: model.name,
            price: { credits: expect.any(Number) },
            durationSeconds: 5,
            segments: expect.any(Array),
            balance: before,
            sufficient: true,
          });
          const segments = quote.body.segments as Array<{
            durationSeconds: number;
            trimToSeconds?: number;
            method: string;
          }>;
          expect(segments.map((s) => s.method)).toEqual([
            kind,
            ...Array(segments.length - 1).fill('last-frame'),
          ]);
          expect(segments.reduce((sum, s) => sum + (s.trimToSeconds ?? s.durationSeconds), 0)).toBe(5);
          expect(create.body.segments.map((s: { durationSeconds: number }) => s.durationSeconds)).toEqual(
            segments.map((s) => s.durationSeconds),
          );
          expect(create.body.credits.reserved).toBe(quote.body.price.credits);
          expect(await balanceOf(user)).toBe(before - quote.body.price.credits);
          created.push({ user, id: create.body.id });
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(catalog.length);
      for (const { user, id } of created) await waitForGeneration(t, user, id);
    }, 180_000);

    it('quotes a chain, each segment and how it is made, as the chain then reserves', async () => {
      const catalog = (await models()).filter(
        (m) => m.available && m.kinds.includes('image-to-video') && m.kinds.includes('text-to-video'),
      );
      expect(catalog.length).toBeGreaterThan(0);
      for (const [i, model] of catalog.entries()) {
        const user = `chain-quote-${i}`;
        const longest = Math.max(...model.segmentDurations);
        const body = { prompt: 'A long walk', totalDuration: longest * 2 - 1, model: model.name };
        const quote = await post(user, '/video-gen/chains/quote', body);
        expect(quote.status).toBe(200);
        expect(quote.body.segments.length).toBeGreaterThanOrEqual(2);
        expect(quote.body.segments[0].method).toBe('text-to-video');
        const next = quote.body.segments.slice(1).map((s: { method: string }) => s.method);
        expect(next).toEqual(Array(next.length).fill(next[0]));
        expect(['last-frame', 'native-extend']).toContain(next[0]);
        expect(quote.body.durationSeconds).toBe(longest * 2 - 1);
        const create = await post(user, '/video-gen/chains', body);
        if (!quote.body.sufficient) {
          expect(create.status).toBe(400);
          continue;
        }
        expect(create.status).toBe(202);
        expect(create.body.credits.reserved).toBe(quote.body.price.credits);
        expect(create.body.segments).toHaveLength(quote.body.segments.length);
        await waitForGeneration(t, user, create.body.id);
      }
    }, 180_000);

    it('says when the balance does not cover it, and the create then refuses it', async () => {
      const user = 'short-of-credits';
      const body = {
        prompt: 'A very long film',
        totalDuration: 60,
        model: 'veo3',
        imageId: await uploadImage(t, user),
      };
      const quote = await post(user, '/video-gen/chains/quote', body);
      expect(quote.status).toBe(200);
      expect(quote.body).toMatchObject({ model: 'veo3', balance: 5000, sufficient: false });
      expect(quote.body.price.credits).toBeGreaterThan(5000);
      expect(quote.body.segments[0].method).toBe('image-to-video');
      const create = await post(user, '/video-gen/chains', body);
      expect(create.status).toBe(400);
      expect(create.body.message).toMatch(/Insufficient credits/);
    });

    it('charges nothing and records nothing, not even a new account', async () => {
      const user = `quote-only-${randomUUID()}`;
      const res = await post(user, '/video-gen/quote', {
        kind: 'text-to-video',
        model: 'sora-2',
        prompt: 'Just asking',
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ balance: 5000, sufficient: true });
      expect(await prisma.creditAccount.count({ where: { userId: user } })).toBe(0);
      expect(await prisma.generation.count({ where: { userId: user } })).toBe(0);
      expect(await prisma.creditEntry.count({ where: { userId: user } })).toBe(0);
    });

    it.each([
      ['an unknown model', { kind: 'text-to-video', model: 'nope', prompt: 'x' }],
      ['a missing prompt', { kind: 'text-to-video', model: 'sora-2' }],
      [
        'an unsupported aspect ratio',
        { kind: 'text-to-video', model: 'sora-2', prompt: 'x', aspectRatio: '4:3' },
      ],
      [
        'an image that was never uploaded',
        { kind: 'image-to-video', id: 'images/bad-quote/none.png', prompt: 'x' },
      ],
      ['someone else’s image', { kind: 'image-to-video', id: 'images/other-user/a.png', prompt: 'x' }],
      ['an impossible duration', { kind: 'text-to-video', model: 'sora-2', prompt: 'x', duration: '500s' }],
      [
        'a malformed webhook URL',
        { kind: 'text-to-video', model: 'sora-2', prompt: 'x', webhookUrl: 'not a url' },
      ],
      ['a malformed duration', { kind: 'text-to-video', model: 'sora-2', prompt: 'x', duration: 'long' }],
    ])('refuses %s exactly as the create does, changing nothing', async (_, body) => {
      const user = 'bad-quote';
      const before = await balanceOf(user);
      const quote = await post(user, '/video-gen/quote', body);
      const create = await post(user, '/video-gen/generations', body);
      expect(quote.status).toBeGreaterThanOrEqual(400);
      expect(quote.status).toBeLessThan(500);
      expect({ status: quote.status, body: quote.body }).toEqual({
        status: create.status,
        body: create.body,
      });
      expect(quote.body).toEqual({
        statusCode: quote.status,
        message: expect.anything(),
        error: expect.any(String),
      });
      expect(await balanceOf(user)).toBe(before);
      expect(await prisma.generation.count({ where: { userId: user } })).toBe(0);
    });

    it('refuses an impossible chain exactly as the chain create does', async () => {
      const user = 'bad-chain-quote';
      const body = { prompt: 'x', totalDuration: 100_000, model: 'sora-2' };
      const quote = await post(user, '/video-gen/chains/quote', body);
      const create = await post(user, '/video-gen/chains', body);
      expect(quote.status).toBe(400);
      expect({ status: quote.status, body: quote.body }).toEqual({
        status: create.status,
        body: create.body,
      });
    });
  });

  describe('Idempotent-Replayed', () => {
    it('marks every replayed answer, on every create endpoint, and no first answer', async () => {
      const user = 'replay-user';
      const image = await uploadImage(t, user);
      const parent = await succeeded(user);
      const started: string[] = [];
      const cases: Array<[string, object]> = [
        [
          '/video-gen/generations',
          { kind: 'text-to-video', model: 'sora-2', prompt: 'Once', duration: '8s' },
        ],
        ['/video-gen/chains', { prompt: 'Once as a chain', totalDuration: 8, model: 'sora-2' }],
        [`/video-gen/generations/${parent}/extend`, { prompt: 'And then', duration: '8s', model: 'sora-2' }],
        ['/video-gen/image-to-video', { id: image, prompt: 'Once, synchronously', duration: '8s' }],
        ['/video-gen/text-to-video', { prompt: 'Once, synchronously', model: 'sora-2', duration: '8s' }],
      ];
      for (const [i, [path, body]] of cases.entries()) {
        const key = `replay-${i}`;
        const first = await post(user, path, body, { 'Idempotency-Key': key });
        expect({ path, status: first.status }).toEqual({
          path,
          status: path.includes('-to-video') ? 200 : 202,
        });
        expect(first.headers['idempotent-replayed']).toBeUndefined();
        const before = await balanceOf(user);
        const again = await post(user, path, body, { 'Idempotency-Key': key });
        expect(again.status).toBe(first.status);
        expect(again.headers['idempotent-replayed']).toBe('true');
        expect(again.body.id).toBe(first.body.id);
        expect(await balanceOf(user)).toBe(before);
        started.push(first.body.id);
      }
      const fresh = await post(user, '/video-gen/generations', cases[0][1], {
        'Idempotency-Key': 'replay-new',
      });
      expect(fresh.headers['idempotent-replayed']).toBeUndefined();
      for (const id of [...started, fresh.body.id]) await waitForGeneration(t, user, id);
    }, 180_000);
  });

  describe('GET /video-gen/generations/:id/content', () => {
    it('redirects each variant to a fresh presigned URL of a real file', async () => {
      const user = 'content-user';
      const id = await succeeded(user, 'image-to-video');
      const expected: Record<string, { type: string; magic: string }> = {
        video: { type: 'video/mp4', magic: 'ftyp' },
        thumbnail: { type: 'image/jpeg', magic: '\xff\xd8' },
        'last-frame': { type: 'image/png', magic: 'PNG' },
      };
      for (const [variant, { type, magic }] of Object.entries(expected)) {
        const res = await request(t.http)
          .get(`/video-gen/generations/${id}/content?variant=${variant}`)
          .set(await auth(user))
          .expect(302);
        expect(res.headers['cache-control']).toBe('private, no-store');
        const file = await fetch(res.headers.location);
        expect(file.status).toBe(200);
        expect(file.headers.get('content-type')).toBe(type);
        const bytes = Buffer.from(await file.arrayBuffer());
        expect(bytes.subarray(0, 12).toString('latin1')).toContain(magic);
      }
      const byDefault = await request(t.http)
        .get(`/video-gen/generations/${id}/content`)
        .set(await auth(user))
        .expect(302);
      expect(new URL(byDefault.headers.location).pathname).toMatch(
        new RegExp(`/videos/${user}/${id}\\.mp4$`),
      );
    });

    it('answers 404 to anyone but the owner, 404 for a file that does not exist, 400 for a bad variant', async () => {
      const user = 'content-owner';
      const id = await succeeded(user);
      await request(t.http)
        .get(`/video-gen/generations/${id}/content`)
        .set(await auth('content-stranger'))
        .expect(404);
      await request(t.http).get(`/video-gen/generations/${id}/content`).expect(401);
      await request(t.http)
        .get(`/video-gen/generations/${randomUUID()}/content`)
        .set(await auth(user))
        .expect(404);
      const bad = await request(t.http)
        .get(`/video-gen/generations/${id}/content?variant=poster`)
        .set(await auth(user))
        .expect(400);
      expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      const running = await insertGeneration(user, 'RUNNING');
      const missing = await request(t.http)
        .get(`/video-gen/generations/${running}/content?variant=thumbnail`)
        .set(await auth(user))
        .expect(404);
      expect(missing.body.message).toBe(`Generation ${running} has no thumbnail: it is running`);
    });
  });

  describe('DELETE /video-gen/generations/:id', () => {
    it('removes its files, keeps its ledger entries, and later reads answer 404', async () => {
      const user = 'delete-user';
      const id = await succeeded(user);
      const keysBefore = (await storedKeys(t)).filter((k) => k.startsWith(`videos/${user}/${id}`));
      expect(keysBefore.length).toBeGreaterThanOrEqual(3); // video, thumbnail, last frame
      const entries = await prisma.creditEntry.count({ where: { generationId: id } });
      expect(entries).toBeGreaterThan(0);
      const balance = await balanceOf(user);

      await request(t.http)
        .delete(`/video-gen/generations/${id}`)
        .set(await auth('someone-else'))
        .expect(404);
      expect((await storedKeys(t)).filter((k) => k.startsWith(`videos/${user}/${id}`))).toEqual(keysBefore);

      const res = await request(t.http)
        .delete(`/video-gen/generations/${id}`)
        .set(await auth(user))
        .expect(204);
      expect(res.text).toBe('');
      expect((await storedKeys(t)).filter((k) => k.startsWith(`videos/${user}/${id}`))).toEqual([]);
      for (const path of [`/video-gen/generations/${id}`, `/video-gen/generations/${id}/content`]) {
        await request(t.http)
          .get(path)
          .set(await auth(user))
          .expect(404);
      }
      const list = await request(t.http)
        .get('/video-gen/generations')
        .set(await auth(user))
        .expect(200);
      expect(list.body.items.map((g: { id: string }) => g.id)).not.toContain(id);
      await request(t.http)
        .delete(`/video-gen/generations/${id}`)
        .set(await auth(user))
        .expect(404);
      expect(await prisma.creditEntry.count({ where: { generationId: id } })).toBe(entries);
      expect(await balanceOf(user)).toBe(balance);
    });

    it('refuses a queued or running generation with 409 and changes nothing', async () => {
      const user = 'delete-running';
      for (const status of ['QUEUED', 'RUNNING'] as const) {
        const id = await insertGeneration(user, status);
        const res = await request(t.http)
          .delete(`/video-gen/generations/${id}`)
          .set(await auth(user))
          .expect(409);
        expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
        expect(res.body.message).toMatch(/cancel it/);
        const row = await prisma.generation.findUniqueOrThrow({ where: { id } });
        expect(row).toMatchObject({ status, deletedAt: null });
      }
    });

    it('keeps a parent whose extension is still running', async () => {
      const user = 'delete-parent';
      const parent = await insertGeneration(user, 'SUCCEEDED');
      await insertGeneration(user, 'RUNNING', { parentId: parent, kind: 'EXTEND' });
      await request(t.http)
        .delete(`/video-gen/generations/${parent}`)
        .set(await auth(user))
        .expect(409);
    });

    it('refuses a new request with the Idempotency-Key of a deleted generation', async () => {
      const user = 'delete-replay';
      const body = { kind: 'text-to-video', model: 'sora-2', prompt: 'Gone', duration: '8s' };
      const first = await post(user, '/video-gen/generations', body, { 'Idempotency-Key': 'gone-1' });
      await waitForGeneration(t, user, first.body.id);
      await request(t.http)
        .delete(`/video-gen/generations/${first.body.id}`)
        .set(await auth(user))
        .expect(204);
      const again = await post(user, '/video-gen/generations', body, { 'Idempotency-Key': 'gone-1' });
      expect(again.status).toBe(409);
      expect(again.body.message).toMatch(/deleted/);
    });
  });

  describe('RESULT_RETENTION_DAYS', () => {
    it('selects in the database exactly the generations the pure rule calls expired', async () => {
      const user = 'retention-rule';
      const now = new Date();
      const cutoff = retentionCutoff(now, 1)!;
      const day = 86_400_000;
      const rows = [
        ['SUCCEEDED', 2 * day, null],
        ['FAILED', 3 * day, null],
        ['CANCELLED', 1.5 * day, null],
        ['SUCCEEDED', 0.5 * day, null],
        ['RUNNING', 5 * day, null],
        ['SUCCEEDED', 5 * day, now],
        ['QUEUED', null, null],
      ] as const;
      const ids: string[] = [];
      for (const [status, age, deletedAt] of rows) {
        ids.push(
          await insertGeneration(user, status, {
            completedAt: age === null ? null : new Date(now.getTime() - age),
            deletedAt,
          }),
        );
      }
      const mine = await prisma.generation.findMany({ where: { id: { in: ids } } });
      const byRule = mine.filter((g) => isExpired(g, cutoff)).map((g) => g.id);
      expect(byRule).toHaveLength(3);
      const results = t.app.get(GenerationResults);
      const byQuery = (await results.findExpired(cutoff, 1000))
        .map((g) => g.id)
        .filter((id) => ids.includes(id));
      expect(byQuery.sort()).toEqual(byRule.sort());
    });

    it('deletes the files of results older than the retention and nothing newer', async () => {
      const user = 'retention-user';
      const old = await succeeded(user);
      const recent = await succeeded(user);
      const entries = await prisma.creditEntry.count({ where: { generationId: old } });
      await prisma.generation.update({
        where: { id: old },
        data: { completedAt: new Date(Date.now() - 2 * 86_400_000) },
      });
      const removed = await t.app.get(GenerationResults).expire();
      expect(removed).toBeGreaterThanOrEqual(1);
      const keys = await storedKeys(t);
      expect(keys.filter((k) => k.startsWith(`videos/${user}/${old}`))).toEqual([]);
      expect(keys.filter((k) => k.startsWith(`videos/${user}/${recent}`)).length).toBeGreaterThanOrEqual(3);
      await request(t.http)
        .get(`/video-gen/generations/${old}`)
        .set(await auth(user))
        .expect(404);
      await request(t.http)
        .get(`/video-gen/generations/${recent}`)
        .set(await auth(user))
        .expect(200);
      expect(await prisma.creditEntry.count({ where: { generationId: old } })).toBe(entries);
    });
  });

  it('documents the endpoints and the replay header in the OpenAPI document', async () => {
    const { paths } = (await request(t.http).get('/docs-json').expect(200)).body;
    expect(paths['/video-gen/quote'].post.responses['200']).toBeDefined();
    expect(paths['/video-gen/chains/quote'].post.responses['200']).toBeDefined();
    expect(paths['/video-gen/generations/{id}/content'].get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'variant', in: 'query' })]),
    );
    expect(paths['/video-gen/generations/{id}'].delete.responses['204']).toBeDefined();
    for (const [path, status] of [
      ['/video-gen/generations', '202'],
      ['/video-gen/chains', '202'],
      ['/video-gen/generations/{id}/extend', '202'],
      ['/video-gen/image-to-video', '200'],
      ['/video-gen/text-to-video', '200'],
    ]) {
      expect(paths[path].post.responses[status].headers).toHaveProperty('Idempotent-Replayed');
    }
  });

  /** A generation row in a given state, written directly: states a live run passes through too fast to catch. */
  async function insertGeneration(
    user: string,
    status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED',
    extra: { parentId?: string; kind?: 'EXTEND'; completedAt?: Date | null; deletedAt?: Date | null } = {},
  ): Promise<string> {
    const row = await prisma.generation.create({
      data: {
        userId: user,
        kind: extra.kind ?? 'TEXT_TO_VIDEO',
        model: 'sora-2',
        status,
        prompt: 'A row',
        params: { duration: '8s', durationSeconds: 8 },
        parentId: extra.parentId,
        completedAt: extra.completedAt,
        deletedAt: extra.deletedAt,
      },
    });
    return row.id;
  }
});
