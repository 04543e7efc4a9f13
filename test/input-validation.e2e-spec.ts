import request from 'supertest';
import { PrismaService } from '../src/database/prisma.service.js';
import { bearerFor } from './support/auth.js';
import { authHeader, FAST_SIMULATED, uploadImage, waitForGeneration } from './support/generations.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

const INVALID_CURSOR = 'cursor is invalid: pass nextCursor from the previous page, or omit it';

/** Issue 12, items 4, 5, 7 and 8: bad input is a 400 before anything is reserved, never a 500. */
describe(`input PostgreSQL or a provider would refuse (${databaseBackend})`, () => {
  let t: TestApp;
  let prisma: PrismaService;

  beforeAll(async () => {
    t = await startTestApp({ ...FAST_SIMULATED, INITIAL_CREDITS: '10000', CHAIN_MAX_SECONDS: '15' });
    prisma = t.app.get(PrismaService);
  });
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
  });

  const auth = (user: string) => authHeader(t, user);

  /** What a refused request must leave untouched: the balance, the ledger and the generations. */
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

  describe('NUL characters and lone surrogates (item 4)', () => {
    const NUL = 'a\u0000b';
    const SURROGATE = 'a\ud800b';

    it.each([
      ['POST /video-gen/image-to-video (sync)', '/video-gen/image-to-video', 'prompt', NUL],
      ['POST /video-gen/image-to-video (sync)', '/video-gen/image-to-video', 'prompt', SURROGATE],
      ['POST /video-gen/image-to-video (sync)', '/video-gen/image-to-video', 'projectId', NUL],
      ['POST /video-gen/image-to-video (sync)', '/video-gen/image-to-video', 'negativePrompt', NUL],
      ['POST /video-gen/image-to-video (sync)', '/video-gen/image-to-video', 'negativePrompt', SURROGATE],
      ['POST /video-gen/text-to-video (sync)', '/video-gen/text-to-video', 'prompt', SURROGATE],
      ['POST /video-gen/generations', '/video-gen/generations', 'prompt', NUL],
      ['POST /video-gen/generations', '/video-gen/generations', 'projectId', SURROGATE],
      ['POST /video-gen/chains', '/video-gen/chains', 'prompt', NUL],
      ['POST /video-gen/chains', '/video-gen/chains', 'projectId', NUL],
    ])('%s refuses %s with %j', async (_name, path, field, bad) => {
      const user = `nul-${field}-${path.split('/').pop()}-${bad === NUL ? 'nul' : 'sur'}`;
      const id = await uploadImage(t, user);
      const bodies: Record<string, Record<string, unknown>> = {
        '/video-gen/image-to-video': { id, prompt: 'A sunset', model: 'veo3' },
        '/video-gen/text-to-video': { prompt: 'A sunset' },
        '/video-gen/generations': { kind: 'text-to-video', prompt: 'A sunset' },
        '/video-gen/chains': { prompt: 'A sunset', totalDuration: 8 },
      };
      const before = await stateOf(user);
      const res = await request(t.http)
        .post(path)
        .set(await auth(user))
        .send({ ...bodies[path], [field]: bad })
        .expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        message: expect.stringMatching(new RegExp(`^${field} must not contain NUL characters`)),
        error: 'Bad Request',
      });
      expect(await stateOf(user)).toEqual(before);
    });

    it('refuses them inside arrays (prompts[]), in extend, and in the admin grant reason', async () => {
      const user = 'nul-arrays';
      const before = await stateOf(user);
      const chain = await request(t.http)
        .post('/video-gen/chains')
        .set(await auth(user))
        .send({ prompts: ['fine', 'x\ud800'], totalDuration: 8 })
        .expect(400);
      expect(chain.body.message).toMatch(/^prompts\[1\] must not contain/);
      await request(t.http)
        .post('/video-gen/generations/00000000-0000-4000-8000-000000000000/extend')
        .set(await auth(user))
        .send({ prompt: '\u0000' })
        .expect(400);
      const admin = await bearerFor(t, 'ops-admin', { roles: ['admin'] });
      const grant = await request(t.http)
        .post('/admin/credits/grant')
        .set('Authorization', admin)
        .send({ userId: user, amount: 5, reason: 'bonus\u0000' })
        .expect(400);
      expect(grant.body.message).toMatch(/^reason must not contain/);
      expect(await stateOf(user)).toEqual(before);
    });

    it('still accepts emoji and other well-formed text', async () => {
      const user = 'emoji-user';
      const res = await request(t.http)
        .post('/video-gen/generations')
        .set(await auth(user))
        .send({ kind: 'text-to-video', prompt: 'A sunset 🌅 über dem Meer' })
        .expect(202);
      expect((await waitForGeneration(t, user, res.body.id)).status).toBe('succeeded');
    });

    it('answers JSON nested 10,000 levels with a plain 400', async () => {
      for (const body of [
        '['.repeat(10_000) + ']'.repeat(10_000),
        `{"prompt":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_001)}`,
      ]) {
        const res = await request(t.http)
          .post('/video-gen/generations')
          .set(await auth('deep-user'))
          .set('Content-Type', 'application/json')
          .send(body)
          .expect(400);
        expect(res.body).toEqual({
          statusCode: 400,
          message: expect.stringMatching(/^JSON nested too deeply/),
          error: 'Bad Request',
        });
      }
    });
  });

  describe('blank prompts (item 5)', () => {
    it.each([
      ['/video-gen/image-to-video', 'prompt'],
      ['/video-gen/text-to-video', 'prompt'],
      ['/video-gen/generations', 'prompt'],
      ['/video-gen/chains', 'prompt'],
      ['/video-gen/chains', 'prompts'],
    ])('%s refuses a whitespace-only %s', async (path, field) => {
      const user = `blank-${path.split('/').pop()}-${field}`;
      const id = await uploadImage(t, user);
      const bodies: Record<string, Record<string, unknown>> = {
        '/video-gen/image-to-video': { id, prompt: ' \t\n ' },
        '/video-gen/text-to-video': { prompt: '   ' },
        '/video-gen/generations': { kind: 'text-to-video', prompt: '   ' },
        '/video-gen/chains':
          field === 'prompt'
            ? { prompt: '  ', totalDuration: 8 }
            : { prompts: ['ok', ' '], totalDuration: 8 },
      };
      const before = await stateOf(user);
      const res = await request(t.http)
        .post(path)
        .set(await auth(user))
        .send(bodies[path])
        .expect(400);
      expect(res.body.message).toEqual([
        field === 'prompts'
          ? 'each value in prompts should not be blank (only whitespace)'
          : 'prompt should not be blank (only whitespace)',
      ]);
      expect(await stateOf(user)).toEqual(before);
    });
  });

  describe('messages (item 7)', () => {
    it.each([
      ['malformed', '$$$'],
      ['well-formed but no position', Buffer.from('not a position').toString('base64url')],
      ['too long', 'a'.repeat(300)],
    ])('words a %s cursor the same on both paged endpoints', async (_name, cursor) => {
      for (const path of ['/credits/ledger', '/video-gen/generations']) {
        const res = await request(t.http)
          .get(path)
          .query({ cursor })
          .set(await auth('cursor-user'))
          .expect(400);
        expect(res.body).toEqual({ statusCode: 400, message: [INVALID_CURSOR], error: 'Bad Request' });
      }
    });

    it('refuses a chain with both prompt and prompts instead of dropping prompt', async () => {
      const user = 'both-prompts';
      const before = await stateOf(user);
      const res = await request(t.http)
        .post('/video-gen/chains')
        .set(await auth(user))
        .send({ prompt: 'one', prompts: ['two'], totalDuration: 8 })
        .expect(400);
      expect(res.body.message).toEqual(['send either prompt or prompts, not both']);
      expect(await stateOf(user)).toEqual(before);
    });

    it('refuses an unstorable projectId filter on the list', async () => {
      const res = await request(t.http)
        .get('/video-gen/generations')
        .query({ projectId: 'p\u0000' })
        .set(await auth('filter-user'))
        .expect(400);
      expect(res.body.message).toEqual([expect.stringMatching(/^projectId must not contain NUL/)]);
    });
  });

  describe('extension length (item 8)', () => {
    it('applies CHAIN_MAX_SECONDS (15 here) to the original plus the new part, before charging', async () => {
      const user = 'extend-cap';
      const id = await uploadImage(t, user);
      const original = await request(t.http)
        .post('/video-gen/image-to-video')
        .set(await auth(user))
        .send({ id, prompt: 'A bird', model: 'sora-2', duration: '8s' })
        .expect(200);
      const before = await stateOf(user);
      const res = await request(t.http)
        .post(`/video-gen/generations/${original.body.id}/extend`)
        .set(await auth(user))
        .send({ prompt: 'The bird flies on', duration: '8s' })
        .expect(400);
      expect(res.body.message).toEqual([expect.stringContaining('would be 16s; at most 15s in all')]);
      expect(res.body.message[0]).toContain('CHAIN_MAX_SECONDS');
      expect(await stateOf(user)).toEqual(before);
      // Within the cap, the same extension is taken.
      const within = await request(t.http)
        .post(`/video-gen/generations/${original.body.id}/extend`)
        .set(await auth(user))
        .send({ prompt: 'The bird flies on', duration: '5s' })
        .expect(202);
      expect((await waitForGeneration(t, user, within.body.id)).status).toBe('succeeded');
    });
  });
});
