import { randomUUID } from 'node:crypto';
import { toErrorBody } from '../src/common/all-exceptions.filter.js';
import { InsufficientCreditsError, InvalidRequestError, NotFoundError } from '../src/common/domain-errors.js';
import { CreditsService, ReserveInput, Tx } from '../src/credits/credits.service.js';
import { PrismaService } from '../src/database/prisma.service.js';
import { Prisma } from '../src/generated/prisma/client.js';
import { GenerationCredits } from '../src/video-gen/generation-credits.service.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

const VEO3_PRICE = 750;

describe(`credits ledger (${databaseBackend})`, () => {
  let t: TestApp;
  let credits: CreditsService;
  let money: GenerationCredits;
  let prisma: PrismaService;

  beforeAll(async () => {
    // New accounts start empty here, so every balance below is exactly what the test granted.
    t = await startTestApp({ INITIAL_CREDITS: '0' });
    credits = t.app.get(CreditsService);
    money = t.app.get(GenerationCredits);
    prisma = t.app.get(PrismaService);
  });
  afterAll(() => t.close());

  // Every scenario, concurrent or not, must leave balance == sum of ledger entries.
  afterEach(() => assertLedgerInvariant(prisma));

  const newUser = () => `user-${randomUUID()}`;

  function createGeneration(db: Tx, userId: string) {
    return db.generation.create({
      data: { userId, kind: 'IMAGE_TO_VIDEO', model: 'veo3', prompt: 'a test', params: {} },
    });
  }

  /** The pipeline's shape: the generation row and its reservation are written in one transaction. */
  function createAndReserve(userId: string, amount: number | string = VEO3_PRICE, afterReserve?: () => void) {
    return prisma.$transaction(async (tx) => {
      const generation = await createGeneration(tx, userId);
      const reservation = await money.reserve(tx, generation.id, {
        userId,
        amount,
        reason: 'Generation with veo3',
      });
      afterReserve?.();
      return { generation, reservation };
    });
  }

  // Each in a transaction of its own, as a settlement runs: lock the generation, move the credits, record.
  const reserveAlone = ({ generationId, ...input }: ReserveInput & { generationId: string }) =>
    prisma.$transaction((tx) => money.reserve(tx, generationId, input));
  const captureAlone = (generationId: string, amount?: number | string) =>
    prisma.$transaction((tx) => money.capture(tx, generationId, amount));
  const refundAlone = (generationId: string, amount: Prisma.Decimal | number | string, reason: string) =>
    prisma.$transaction((tx) => money.refund(tx, generationId, amount, reason));

  async function entriesOf(userId: string) {
    return prisma.creditEntry.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  const dec = (value: string | number) => new Prisma.Decimal(value);

  describe('reserve', () => {
    it('takes the credits and records a RESERVE entry and the generation’s creditsReserved', async () => {
      const userId = newUser();
      await credits.grant(userId, 1000, 'top-up');
      const { generation, reservation } = await createAndReserve(userId);

      expect(reservation.applied).toBe(true);
      expect(reservation.balance.toFixed(1)).toBe('250.0');
      expect(reservation.entry).toMatchObject({ type: 'RESERVE', generationId: generation.id, userId });
      expect(reservation.entry?.amount.toFixed(1)).toBe('-750.0');
      expect(reservation.entry?.balanceAfter.toFixed(1)).toBe('250.0');
      const stored = await prisma.generation.findUniqueOrThrow({ where: { id: generation.id } });
      expect(stored.creditsReserved.toFixed(1)).toBe('750.0');
      expect((await credits.balance(userId)).toFixed(1)).toBe('250.0');
    });

    it('answers insufficient credits with the seed’s exact message and writes nothing', async () => {
      const userId = newUser();
      await credits.grant(userId, 100, 'top-up');
      const attempt = createAndReserve(userId);

      await expect(attempt).rejects.toBeInstanceOf(InsufficientCreditsError);
      await expect(attempt).rejects.toThrow('Insufficient credits. Required: 750, Available: 100.0');
      const error = await attempt.catch((e: unknown) => e);
      expect(toErrorBody(error)).toEqual({
        statusCode: 400,
        message: 'Insufficient credits. Required: 750, Available: 100.0',
        error: 'Bad Request',
      });
      expect((await credits.balance(userId)).toFixed(1)).toBe('100.0');
      expect((await entriesOf(userId)).map((e) => e.type)).toEqual(['GRANT']);
      expect(await prisma.generation.count({ where: { userId } })).toBe(0);
    });

    it('words fractional amounts as given and the balance with one decimal', async () => {
      const userId = newUser();
      await credits.grant(userId, '12.5', 'top-up');
      await expect(createAndReserve(userId, '12.6')).rejects.toThrow(
        'Insufficient credits. Required: 12.6, Available: 12.5',
      );
      const fresh = newUser();
      await expect(createAndReserve(fresh, 750)).rejects.toThrow(
        'Insufficient credits. Required: 750, Available: 0.0',
      );
    });

    it('leaves no trace when the caller’s transaction rolls back after reserving (enqueue failed)', async () => {
      const userId = newUser();
      await credits.grant(userId, 1000, 'top-up');
      const before = await entriesOf(userId);

      await expect(
        createAndReserve(userId, VEO3_PRICE, () => {
          throw new Error('enqueue failed');
        }),
      ).rejects.toThrow('enqueue failed');

      expect((await credits.balance(userId)).toFixed(1)).toBe('1000.0');
      expect(await entriesOf(userId)).toEqual(before);
      expect(await prisma.generation.count({ where: { userId } })).toBe(0);
    });

    it('leaves no account behind when a new user’s first reservation is refused', async () => {
      const userId = newUser();
      await expect(
        createAndReserve(userId, VEO3_PRICE, () => {
          throw new Error('enqueue failed');
        }),
      ).rejects.toThrow('Insufficient credits. Required: 750, Available: 0.0');
      expect(await prisma.creditAccount.count({ where: { userId } })).toBe(0);
    });

    it('never takes credits twice for one generation', async () => {
      const userId = newUser();
      await credits.grant(userId, 2000, 'top-up');
      const { generation } = await createAndReserve(userId);
      const again = await reserveAlone({
        userId,
        generationId: generation.id,
        amount: VEO3_PRICE,
        reason: 'retry',
      });
      expect(again).toMatchObject({ applied: false, entry: null });
      expect(again.amount.toFixed(1)).toBe('750.0');
      expect(again.balance.toFixed(1)).toBe('1250.0');
      expect((await entriesOf(userId)).filter((e) => e.type === 'RESERVE')).toHaveLength(1);
    });

    it('refuses a generation that does not exist or belongs to someone else', async () => {
      const owner = newUser();
      const other = newUser();
      await credits.grant(other, 1000, 'top-up');
      const generation = await createGeneration(prisma, owner);
      const input = { userId: other, generationId: generation.id, amount: VEO3_PRICE, reason: 'x' };
      await expect(reserveAlone(input)).rejects.toBeInstanceOf(NotFoundError);
      await expect(reserveAlone({ ...input, generationId: randomUUID() })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(reserveAlone({ ...input, generationId: 'not-a-uuid' })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      expect((await credits.balance(other)).toFixed(1)).toBe('1000.0');
    });

    it.each([0, -5, '1.25', 'abc', Number.NaN, '1e3', ''])('rejects the amount %p', async (amount) => {
      const userId = newUser();
      await credits.grant(userId, 1000, 'top-up');
      await expect(createAndReserve(userId, amount as number)).rejects.toThrow(
        'amount must be a positive number of credits with at most one decimal place',
      );
      expect(await prisma.generation.count({ where: { userId } })).toBe(0);
    });

    it('keeps decimal amounts exact (no float drift)', async () => {
      const userId = newUser();
      await credits.grant(userId, '0.3', 'top-up');
      for (let i = 0; i < 3; i++) await createAndReserve(userId, 0.1);
      expect((await credits.balance(userId)).toFixed(1)).toBe('0.0');
      await expect(createAndReserve(userId, 0.1)).rejects.toThrow(
        'Insufficient credits. Required: 0.1, Available: 0.0',
      );
    });
  });

  describe('under concurrency', () => {
    it('lets exactly 10 of 200 concurrent reservations through a balance that covers 10', async () => {
      const userId = newUser();
      await credits.grant(userId, 10 * VEO3_PRICE, 'top-up');

      const results = await Promise.allSettled(Array.from({ length: 200 }, () => createAndReserve(userId)));

      const succeeded = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r) => r.status === 'rejected');
      expect(succeeded).toHaveLength(10);
      expect(failed).toHaveLength(190);
      for (const f of failed) {
        expect((f as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientCreditsError);
        expect((f as PromiseRejectedResult).reason.message).toBe(
          'Insufficient credits. Required: 750, Available: 0.0',
        );
      }
      expect((await credits.balance(userId)).toFixed(1)).toBe('0.0');

      const entries = await entriesOf(userId);
      const reserves = entries.filter((e) => e.type === 'RESERVE');
      expect(reserves).toHaveLength(10);
      const sum = entries.reduce((total, e) => total.plus(e.amount), dec(0));
      expect(sum.toFixed(1)).toBe('0.0');
      expect(reserves.map((e) => e.balanceAfter.toNumber()).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 10 }, (_, i) => i * VEO3_PRICE),
      );
      expect(await prisma.generation.count({ where: { userId } })).toBe(10);
    });

    it('keeps 200 concurrent reservations by 20 users each within their own balance', async () => {
      const users = Array.from({ length: 20 }, newUser);
      for (const userId of users) await credits.grant(userId, 3 * VEO3_PRICE, 'top-up');

      const results = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) => createAndReserve(users[i % users.length])),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(60);
      for (const userId of users) expect((await credits.balance(userId)).toFixed(1)).toBe('0.0');
    });

    it('turns 50 concurrent refunds of the same generation into one refund entry', async () => {
      const userId = newUser();
      await credits.grant(userId, 1000, 'top-up');
      const { generation } = await createAndReserve(userId);

      const results = await Promise.all(
        Array.from({ length: 50 }, () => refundAlone(generation.id, VEO3_PRICE, 'Provider failed')),
      );

      expect(results.filter((r) => r.applied)).toHaveLength(1);
      const refunds = (await entriesOf(userId)).filter((e) => e.type === 'REFUND');
      expect(refunds).toHaveLength(1);
      expect(refunds[0]).toMatchObject({ reason: 'Provider failed', generationId: generation.id });
      expect(refunds[0].amount.toFixed(1)).toBe('750.0');
      expect(refunds[0].balanceAfter.toFixed(1)).toBe('1000.0');
      expect((await credits.balance(userId)).toFixed(1)).toBe('1000.0');
      const stored = await prisma.generation.findUniqueOrThrow({ where: { id: generation.id } });
      expect(stored.creditsRefunded.toFixed(1)).toBe('750.0');
    });

    it('settles concurrent captures and refunds of one generation exactly one way', async () => {
      const userId = newUser();
      await credits.grant(userId, 1000, 'top-up');
      const { generation } = await createAndReserve(userId);

      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 2 === 0 ? captureAlone(generation.id) : refundAlone(generation.id, VEO3_PRICE, 'Timed out'),
        ),
      );

      expect(results.filter((r) => r.applied)).toHaveLength(1);
      const settled = (await entriesOf(userId)).filter((e) => e.type === 'CAPTURE' || e.type === 'REFUND');
      expect(settled).toHaveLength(1);
      const expected = settled[0].type === 'CAPTURE' ? '250.0' : '1000.0';
      expect((await credits.balance(userId)).toFixed(1)).toBe(expected);
    });

    it('opens one account when a new user’s first requests arrive together', async () => {
      const userId = newUser();
      await Promise.all(Array.from({ length: 30 }, () => credits.grant(userId, '1.5', 'promo')));
      expect(await prisma.creditAccount.count({ where: { userId } })).toBe(1);
      expect((await credits.balance(userId)).toFixed(1)).toBe('45.0');
    });
  });

  describe('capture and refund', () => {
    it('captures the whole reservation once', async () => {
      const userId = newUser();
      await credits.grant(userId, 1000, 'top-up');
      const { generation } = await createAndReserve(userId);

      const first = await captureAlone(generation.id);
      expect(first.applied).toBe(true);
      expect(first.captured.toFixed(1)).toBe('750.0');
      expect(first.entry).toMatchObject({ type: 'CAPTURE', generationId: generation.id });
      expect(first.entry?.amount.toFixed(1)).toBe('0.0');
      expect(first.remainderRefund).toBeNull();

      const second = await captureAlone(generation.id);
      expect(second.applied).toBe(false);
      const late = await refundAlone(generation.id, VEO3_PRICE, 'sweeper');
      expect(late.applied).toBe(false);
      expect((await credits.balance(userId)).toFixed(1)).toBe('250.0');
      const stored = await prisma.generation.findUniqueOrThrow({ where: { id: generation.id } });
      expect([stored.creditsCaptured.toFixed(1), stored.creditsRefunded.toFixed(1)]).toEqual([
        '750.0',
        '0.0',
      ]);
    });

    it('refunds the rest when less than the reservation is captured', async () => {
      const userId = newUser();
      await credits.grant(userId, 1000, 'top-up');
      const { generation } = await createAndReserve(userId);

      const result = await captureAlone(generation.id, 500);
      expect(result.captured.toFixed(1)).toBe('500.0');
      expect(result.remainderRefund?.amount.toFixed(1)).toBe('250.0');
      expect(result.balance.toFixed(1)).toBe('500.0');
      await expect(captureAlone(generation.id, 100)).resolves.toMatchObject({ applied: false });
      await expect(refundAlone(generation.id, 250, 'again')).resolves.toMatchObject({ applied: false });
      expect((await credits.balance(userId)).toFixed(1)).toBe('500.0');
    });

    it('refunds part of a reservation and then captures what was delivered', async () => {
      const userId = newUser();
      await credits.grant(userId, 1000, 'top-up');
      const { generation } = await createAndReserve(userId);

      const refund = await refundAlone(generation.id, '375.5', 'Segment 2 of 2 was not generated');
      expect(refund.applied).toBe(true);
      expect(refund.balance.toFixed(1)).toBe('625.5');
      const capture = await captureAlone(generation.id);
      expect(capture.captured.toFixed(1)).toBe('374.5');
      expect(capture.remainderRefund).toBeNull();
      const stored = await prisma.generation.findUniqueOrThrow({ where: { id: generation.id } });
      expect([stored.creditsCaptured.toFixed(1), stored.creditsRefunded.toFixed(1)]).toEqual([
        '374.5',
        '375.5',
      ]);
      expect((await credits.balance(userId)).toFixed(1)).toBe('625.5');
    });

    it('refuses to capture more than is reserved, or a part after a refund', async () => {
      const userId = newUser();
      await credits.grant(userId, 1000, 'top-up');
      const { generation } = await createAndReserve(userId);
      await expect(captureAlone(generation.id, 800)).rejects.toThrow(
        `Cannot capture 800 credits for generation ${generation.id}: 750.0 are reserved`,
      );
      await refundAlone(generation.id, 100, 'partial');
      await expect(captureAlone(generation.id, 100)).rejects.toThrow('was already refunded once');
      expect((await credits.balance(userId)).toFixed(1)).toBe('350.0');
    });

    it('reduces a refund larger than the reservation to the reservation', async () => {
      const userId = newUser();
      await credits.grant(userId, 1000, 'top-up');
      const { generation } = await createAndReserve(userId);
      const result = await refundAlone(generation.id, 5000, 'Provider failed');
      expect(result.refunded.toFixed(1)).toBe('750.0');
      expect((await credits.balance(userId)).toFixed(1)).toBe('1000.0');
    });

    it('never loses a refund to its arguments: rounds, trims the reason, refuses only nonsense', async () => {
      const userId = newUser();
      await credits.grant(userId, 1500, 'top-up');
      const { generation } = await createAndReserve(userId);
      const third = new Prisma.Decimal(750).dividedBy(3); // 250.0000… as computed for 1 of 3 segments

      await expect(refundAlone(generation.id, -1, 'x')).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(refundAlone(generation.id, 'NaN', 'x')).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(refundAlone(generation.id, '0.04', 'x')).resolves.toMatchObject({ applied: false });

      const result = await refundAlone(
        generation.id,
        third.plus('0.06'),
        `  ${'provider error '.repeat(80)}`,
      );
      expect(result.refunded.toFixed(1)).toBe('250.1');
      expect(result.entry?.reason).toHaveLength(500);
      expect(result.entry?.reason.endsWith('…')).toBe(true);
      const capture = await captureAlone(generation.id);
      expect(capture.captured.toFixed(1)).toBe('499.9');

      const other = await createAndReserve(userId);
      await expect(refundAlone(other.generation.id, 750, '   ')).resolves.toMatchObject({
        applied: true,
        entry: expect.objectContaining({ reason: 'Refund' }),
      });
    });

    it('does nothing for a generation that reserved nothing, and 404s an unknown one', async () => {
      const userId = newUser();
      const generation = await createGeneration(prisma, userId);
      await expect(refundAlone(generation.id, 750, 'failed')).resolves.toMatchObject({ applied: false });
      await expect(captureAlone(generation.id)).resolves.toMatchObject({ applied: false });
      await expect(refundAlone(randomUUID(), 750, 'failed')).rejects.toBeInstanceOf(NotFoundError);
      expect(await prisma.creditEntry.count({ where: { generationId: generation.id } })).toBe(0);
    });

    it('joins the caller’s transaction: capture and the success mark commit or roll back together', async () => {
      const userId = newUser();
      await credits.grant(userId, 1000, 'top-up');
      const { generation } = await createAndReserve(userId);

      await expect(
        prisma.$transaction(async (tx) => {
          await money.capture(tx, generation.id);
          await tx.generation.update({ where: { id: generation.id }, data: { status: 'SUCCEEDED' } });
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');
      let stored = await prisma.generation.findUniqueOrThrow({ where: { id: generation.id } });
      expect([stored.status, stored.creditsCaptured.toFixed(1)]).toEqual(['QUEUED', '0.0']);

      await prisma.$transaction(async (tx) => {
        await money.refund(tx, generation.id, VEO3_PRICE, 'Provider failed');
        await money.refund(tx, generation.id, VEO3_PRICE, 'Provider failed again'); // no-op, tx still usable
        await tx.generation.update({ where: { id: generation.id }, data: { status: 'FAILED' } });
      });
      stored = await prisma.generation.findUniqueOrThrow({ where: { id: generation.id } });
      expect([stored.status, stored.creditsRefunded.toFixed(1)]).toEqual(['FAILED', '750.0']);
      expect((await credits.balance(userId)).toFixed(1)).toBe('1000.0');
    });
  });

  describe('grant, balance and ledger', () => {
    it('grants credits with a ledger entry', async () => {
      const userId = newUser();
      const result = await credits.grant(userId, '99.9', 'Welcome bonus');
      expect(result.balance.toFixed(1)).toBe('99.9');
      expect(result.entry).toMatchObject({
        type: 'GRANT',
        userId,
        reason: 'Welcome bonus',
        generationId: null,
      });
      expect(result.entry.amount.toFixed(1)).toBe('99.9');
    });

    it.each([
      [0, 'amount must be a positive number of credits with at most one decimal place'],
      [-1, 'amount must be a positive number of credits with at most one decimal place'],
      ['0.05', 'amount must be a positive number of credits with at most one decimal place'],
      ['10000000000000', 'amount must not exceed 9999999999999.9'],
    ])('refuses to grant %p', async (amount, message) => {
      const userId = newUser();
      await expect(credits.grant(userId, amount, 'x')).rejects.toThrow(new InvalidRequestError(message));
      expect(await prisma.creditAccount.count({ where: { userId } })).toBe(0);
    });

    it('refuses an empty reason', async () => {
      await expect(credits.grant(newUser(), 5, '  ')).rejects.toThrow('reason should not be empty');
    });

    it('pages the ledger newest first with an opaque cursor', async () => {
      const userId = newUser();
      for (let i = 1; i <= 7; i++) await credits.grant(userId, i, `grant ${i}`);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await credits.ledger(userId, { cursor, limit: 3 });
        seen.push(...page.entries.map((e) => e.reason));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);

      expect(pages).toBe(3);
      expect(seen).toEqual(['grant 7', 'grant 6', 'grant 5', 'grant 4', 'grant 3', 'grant 2', 'grant 1']);
      await expect(credits.ledger(userId, { cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({
        detail: [expect.stringMatching(/^cursor is invalid/)],
      });
      await expect(credits.ledger(userId, { limit: 0 })).rejects.toThrow(
        'limit must be an integer from 1 to 100',
      );
      await expect(credits.ledger(userId, { limit: 101 })).rejects.toThrow(InvalidRequestError);
    });
  });
});

describe(`credits for new accounts (${databaseBackend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ INITIAL_CREDITS: '250.5' });
  });
  afterAll(() => t.close());

  it('opens an account on first use with INITIAL_CREDITS, recorded as a grant', async () => {
    const credits = t.app.get(CreditsService);
    const userId = `user-${randomUUID()}`;
    expect((await credits.balance(userId)).toFixed(1)).toBe('250.5');
    expect((await credits.balance(userId)).toFixed(1)).toBe('250.5');
    const page = await credits.ledger(userId);
    expect(page.entries).toHaveLength(1);
    expect(page.entries[0]).toMatchObject({ type: 'GRANT', reason: 'Initial credits' });
    expect(page.entries[0].amount.toFixed(1)).toBe('250.5');
    await assertLedgerInvariant(t.app.get(PrismaService));
  });

  it('serves a new user’s concurrent first reservations from the initial credits', async () => {
    const credits = t.app.get(CreditsService);
    const money = t.app.get(GenerationCredits);
    const prisma = t.app.get(PrismaService);
    const userId = `user-${randomUUID()}`;
    // Each transaction finds no account, and all but one lose the race to open it: those must still reserve.
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        prisma.$transaction(async (tx) => {
          const generation = await tx.generation.create({
            data: { userId, kind: 'IMAGE_TO_VIDEO', model: 'veo3', prompt: 'p', params: {} },
          });
          return money.reserve(tx, generation.id, { userId, amount: 10, reason: 'r' });
        }),
      ),
    );
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect((await credits.balance(userId)).toFixed(1)).toBe('50.5');
    await assertLedgerInvariant(prisma);
  });
});
