import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { USER_ID_RULE } from '../src/auth/user-id.validator.js';
import { GenerationCredits } from '../src/video-gen/generation-credits.service.js';
import { PrismaService } from '../src/database/prisma.service.js';
import { bearerFor } from './support/auth.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

const INVALID_CURSOR = 'cursor is invalid: pass nextCursor from the previous page, or omit it';

describe(`credits over HTTP (${databaseBackend})`, () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp(); // zero-config: new accounts get the demo INITIAL_CREDITS (10000)
    admin = await bearerFor(t, 'ops-admin', { roles: ['admin'] });
  });
  afterAll(() => t.close());
  afterEach(() => assertLedgerInvariant(t.app.get(PrismaService)));

  const newUser = () => `user-${randomUUID()}`;
  const as = (sub: string, roles: string[] = []) => bearerFor(t, sub, { roles });

  describe('GET /credits/balance', () => {
    it('opens a new caller’s account with INITIAL_CREDITS', async () => {
      const res = await request(t.http)
        .get('/credits/balance')
        .set('Authorization', await as(newUser()))
        .expect(200);
      expect(res.body).toEqual({ balance: 10000 });
    });

    it('sends fractional balances as JSON numbers with one decimal', async () => {
      const userId = newUser();
      await request(t.http)
        .post('/admin/credits/grant')
        .set('Authorization', admin)
        .send({ userId, amount: '0.5', reason: 'half a credit' })
        .expect(201);
      const res = await request(t.http)
        .get('/credits/balance')
        .set('Authorization', await as(userId))
        .expect(200);
      expect(res.text).toBe('{"balance":10000.5}');
    });

    it('requires a token', async () => {
      const res = await request(t.http).get('/credits/balance').expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    });
  });

  describe('GET /credits/ledger', () => {
    it('lists only the caller’s entries, newest first, page by page', async () => {
      const userId = newUser();
      for (const amount of [1, 2, 3]) {
        await request(t.http)
          .post('/admin/credits/grant')
          .set('Authorization', admin)
          .send({ userId, amount, reason: `grant ${amount}` })
          .expect(201);
      }
      await request(t.http)
        .post('/admin/credits/grant')
        .set('Authorization', admin)
        .send({ userId: newUser(), amount: 99, reason: 'someone else' })
        .expect(201);
      const bearer = await as(userId);

      const first = await request(t.http)
        .get('/credits/ledger?limit=2')
        .set('Authorization', bearer)
        .expect(200);
      expect(first.body.entries.map((e: { reason: string }) => e.reason)).toEqual(['grant 3', 'grant 2']);
      expect(first.body.entries[0]).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: 'GRANT',
        amount: 3,
        balanceAfter: 10006,
        reason: 'grant 3',
        generationId: null,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(typeof first.body.nextCursor).toBe('string');

      const second = await request(t.http)
        .get('/credits/ledger')
        .query({ limit: 2, cursor: first.body.nextCursor })
        .set('Authorization', bearer)
        .expect(200);
      expect(second.body.entries.map((e: { reason: string }) => e.reason)).toEqual([
        'grant 1',
        'Initial credits',
      ]);
      expect(second.body.entries[1]).toMatchObject({ type: 'GRANT', amount: 10000, balanceAfter: 10000 });
      expect(second.body.nextCursor).toBeNull();

      const all = await request(t.http).get('/credits/ledger').set('Authorization', bearer).expect(200);
      expect(all.body.entries).toHaveLength(4);
    });

    it('shows a generation’s reserve, capture and refund entries with signed amounts', async () => {
      const userId = newUser();
      const money = t.app.get(GenerationCredits);
      const prisma = t.app.get(PrismaService);
      const generation = await prisma.generation.create({
        data: { userId, kind: 'IMAGE_TO_VIDEO', model: 'veo3', prompt: 'p', params: {} },
      });
      await prisma.$transaction((tx) =>
        money.reserve(tx, generation.id, { userId, amount: 750, reason: 'veo3' }),
      );
      await prisma.$transaction((tx) => money.capture(tx, generation.id, '500.5'));

      const res = await request(t.http)
        .get('/credits/ledger')
        .set('Authorization', await as(userId))
        .expect(200);
      expect(
        res.body.entries.map((e: { type: string; amount: number; balanceAfter: number }) => [
          e.type,
          e.amount,
          e.balanceAfter,
        ]),
      ).toEqual([
        ['REFUND', 249.5, 9499.5],
        ['CAPTURE', 0, 9250],
        ['RESERVE', -750, 9250],
        ['GRANT', 10000, 10000],
      ]);
      expect(res.body.entries[0].generationId).toBe(generation.id);
    });

    it.each([
      ['limit=0', 'limit must not be less than 1'],
      ['limit=101', 'limit must not be greater than 100'],
      ['limit=abc', 'limit must be an integer number'],
      ['limit=2.5', 'limit must be an integer number'],
      ['cursor=%24%24%24', INVALID_CURSOR],
      ['sort=asc', 'property sort should not exist'],
    ])('answers ?%s with 400', async (query, message) => {
      const res = await request(t.http)
        .get(`/credits/ledger?${query}`)
        .set('Authorization', await as(newUser()))
        .expect(400);
      expect(res.body).toEqual({ statusCode: 400, message: [message], error: 'Bad Request' });
    });

    it('answers a well-formed but unknown cursor with 400', async () => {
      const res = await request(t.http)
        .get('/credits/ledger')
        .query({ cursor: Buffer.from('not a position').toString('base64url') })
        .set('Authorization', await as(newUser()))
        .expect(400);
      // Worded as the query check words it, and as GET /video-gen/generations does.
      expect(res.body).toEqual({ statusCode: 400, message: [INVALID_CURSOR], error: 'Bad Request' });
    });
  });

  describe('POST /admin/credits/grant', () => {
    it('adds credits for an admin and answers the new balance and the ledger entry', async () => {
      const userId = newUser();
      const res = await request(t.http)
        .post('/admin/credits/grant')
        .set('Authorization', admin)
        .send({ userId, amount: 750, reason: 'Support goodwill credit' })
        .expect(201);
      expect(res.body).toEqual({
        userId,
        balance: 10750,
        entry: {
          id: expect.any(String),
          type: 'GRANT',
          amount: 750,
          balanceAfter: 10750,
          reason: 'Support goodwill credit',
          generationId: null,
          createdAt: expect.any(String),
        },
      });
      const balance = await request(t.http)
        .get('/credits/balance')
        .set('Authorization', await as(userId));
      expect(balance.body).toEqual({ balance: 10750 });
    });

    it('accepts a decimal string amount', async () => {
      const res = await request(t.http)
        .post('/admin/credits/grant')
        .set('Authorization', admin)
        .send({ userId: newUser(), amount: '12.5', reason: 'promo' })
        .expect(201);
      expect(res.body.balance).toBe(10012.5);
    });

    it('refuses callers without the admin role with 403 and changes nothing', async () => {
      const userId = newUser();
      const res = await request(t.http)
        .post('/admin/credits/grant')
        .set('Authorization', await as(userId, ['user']))
        .send({ userId, amount: 1000000, reason: 'free money' })
        .expect(403);
      expect(res.body).toEqual({
        statusCode: 403,
        message: 'This action requires the role admin',
        error: 'Forbidden',
      });
      expect(await t.app.get(PrismaService).creditAccount.count({ where: { userId } })).toBe(0);
      await request(t.http).post('/admin/credits/grant').send({ userId, amount: 1, reason: 'x' }).expect(401);
    });

    const USER_ID_MESSAGE = `userId must be a user id: ${USER_ID_RULE}`;
    const AMOUNT_MESSAGE =
      'amount must be a positive number of credits with at most one decimal place (at most 9999999999999.9)';
    it.each([
      [{}, ['userId should not be empty', AMOUNT_MESSAGE, 'reason should not be empty']],
      [{ userId: 7, amount: 5, reason: ['r'] }, ['userId must be a string', 'reason must be a string']],
      [{ userId: '', amount: 5, reason: '' }, ['userId should not be empty', 'reason should not be empty']],
      [{ userId: 'u', amount: 0, reason: 'r' }, [AMOUNT_MESSAGE]],
      [{ userId: 'u', amount: -5, reason: 'r' }, [AMOUNT_MESSAGE]],
      [{ userId: 'u', amount: 1.25, reason: 'r' }, [AMOUNT_MESSAGE]],
      [{ userId: 'u', amount: 'lots', reason: 'r' }, [AMOUNT_MESSAGE]],
      [{ userId: 'u', amount: true, reason: 'r' }, [AMOUNT_MESSAGE]],
      [{ userId: 'u', amount: 1e14, reason: 'r' }, [AMOUNT_MESSAGE]],
      [
        { userId: 'u', amount: 5, reason: 'x'.repeat(501) },
        ['reason must be shorter than or equal to 500 characters'],
      ],
      [{ userId: 'u', amount: 5, reason: 'r', type: 'REFUND' }, ['property type should not exist']],
      ...['../x', 'a/b', '.hidden', 'x'.repeat(129), 'ü', 'a b', 'a\\b', '%2e%2e'].map(
        (userId) => [{ userId, amount: 5, reason: 'r' }, [USER_ID_MESSAGE]] as [object, string[]],
      ),
    ])('answers %j with 400 and writes nothing', async (body, messages) => {
      const before = await t.app.get(PrismaService).creditEntry.count();
      const res = await request(t.http).post('/admin/credits/grant').set('Authorization', admin).send(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, message: messages, error: 'Bad Request' });
      expect(await t.app.get(PrismaService).creditEntry.count()).toBe(before);
    });
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const res = await request(t.http).get('/docs-json').expect(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/credits/balance', '/credits/ledger', '/admin/credits/grant']),
    );
  });
});
