import { randomUUID } from 'node:crypto';
import { createTestContext, TestContext } from '../../test/support/test-app.js';
import { databaseBackend } from '../../test/support/test-database.js';
import { Prisma } from '../generated/prisma/client.js';
import { DatabaseConnection } from './database-connection.js';
import { migrate } from './migrator.js';
import { PrismaService } from './prisma.service.js';

// Proves the hand-applied migrations match schema.prisma: every model, with every field set, goes through
// the generated client and comes back unchanged. A column missing from a migration, or of another type, fails here.
describe(`migrated database matches schema.prisma (${databaseBackend})`, () => {
  let context: TestContext;
  let connection: DatabaseConnection;
  let prisma: PrismaService;

  beforeAll(async () => {
    context = await createTestContext();
    connection = await DatabaseConnection.open(context.config.database);
    await migrate(connection);
    prisma = new PrismaService(connection);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await connection.close();
    await context.cleanup();
  });

  it('round-trips every model and field', async () => {
    const userId = `user-${randomUUID()}`;
    const now = new Date('2026-11-21T10:00:00.123Z');
    const account = await prisma.creditAccount.create({
      data: { userId, balance: new Prisma.Decimal('1234.5') },
    });
    expect(account.balance.toString()).toBe('1234.5');

    const generation = await prisma.generation.create({
      data: {
        userId,
        kind: 'IMAGE_TO_VIDEO',
        model: 'veo3',
        status: 'RUNNING',
        prompt: 'A sunset',
        params: { duration: '8s', crop: { left: 0.1, top: 0, right: 1, bottom: 1 } },
        projectId: 'project-1',
        sourceImageKey: `images/${userId}/a.png`,
        idempotencyKey: 'key-1',
        requestHash: 'abc',
        creditsReserved: new Prisma.Decimal('750'),
        creditsCaptured: new Prisma.Decimal('0.5'),
        creditsRefunded: new Prisma.Decimal('0'),
        progress: 42,
        queuePosition: 3,
        errorCode: 'E',
        error: 'none',
        s3Key: `videos/${userId}/x.mp4`,
        thumbnailKey: `videos/${userId}/x.jpg`,
        lastFrameKey: `videos/${userId}/x-last.png`,
        durationSeconds: new Prisma.Decimal('8.042'),
        width: 1280,
        height: 720,
        bytes: 5_000_000_000n,
        deadlineAt: now,
        startedAt: now,
        completedAt: now,
        storingAt: now,
        deletedAt: now,
      },
    });
    const child = await prisma.generation.create({
      data: { userId, kind: 'EXTEND', model: 'veo3', prompt: 'More', params: {}, parentId: generation.id },
    });
    const segment = await prisma.generationSegment.create({
      data: {
        generationId: generation.id,
        index: 0,
        status: 'SUBMITTED',
        prompt: 'A sunset',
        durationSeconds: new Prisma.Decimal('6'),
        trimToSeconds: new Prisma.Decimal('5'),
        provider: 'fal',
        providerRef: { requestId: 'r-1', endpoint: 'fal-ai/veo3/image-to-video' },
        progress: 10,
        queuePosition: 0,
        s3Key: 'videos/s0.mp4',
        lastFrameKey: 'videos/s0.jpg',
        errorCode: null,
        error: null,
        attempts: 2,
        nextPollAt: now,
        pollAttempts: 3,
        submittedAt: now,
        completedAt: now,
      },
    });
    const entry = await prisma.creditEntry.create({
      data: {
        userId,
        type: 'RESERVE',
        amount: new Prisma.Decimal('-750'),
        balanceAfter: new Prisma.Decimal('484.5'),
        reason: 'veo3 image-to-video',
        generationId: generation.id,
      },
    });

    const loaded = await prisma.generation.findUniqueOrThrow({
      where: { id: generation.id },
      include: { segments: true, creditEntries: true },
    });
    expect(loaded).toEqual({ ...generation, segments: [segment], creditEntries: [entry] });
    expect(loaded.bytes).toBe(5_000_000_000n);
    expect(loaded.durationSeconds?.toString()).toBe('8.042');
    expect(await prisma.generation.findUniqueOrThrow({ where: { id: child.id } })).toEqual(child);
    expect(
      await prisma.creditAccount.findUniqueOrThrow({ where: { userId }, include: { entries: true } }),
    ).toEqual({
      ...account,
      entries: [entry],
    });
  });

  it('round-trips events, webhook deliveries, their attempts, secrets and stream tokens', async () => {
    const userId = `user-${randomUUID()}`;
    const now = new Date('2026-12-01T10:00:00.123Z');
    const generation = await prisma.generation.create({
      data: {
        userId,
        kind: 'TEXT_TO_VIDEO',
        model: 'sora-2',
        prompt: 'p',
        params: {},
        eventSeq: 2,
        webhookUrl: 'https://example.com/hook',
        webhookEvents: ['generation.succeeded', 'generation.progress'],
      },
    });
    const event = await prisma.generationEvent.create({
      data: {
        generationId: generation.id,
        seq: 1,
        type: 'queued',
        payload: { status: 'queued' },
        createdAt: now,
      },
    });
    const delivery = await prisma.webhookDelivery.create({
      data: {
        id: `msg_${randomUUID()}`,
        generationId: generation.id,
        userId,
        eventSeq: 1,
        type: 'generation.succeeded',
        url: 'https://example.com/hook',
        payload: { type: 'generation.succeeded', data: {} },
        status: 'DEAD',
        attemptCount: 3,
        nextAttemptAt: null,
        createdAt: now,
        deliveredAt: now,
      },
    });
    const attempt = await prisma.webhookAttempt.create({
      data: { deliveryId: delivery.id, attemptedAt: now, statusCode: 503, error: 'HTTP 503', durationMs: 12 },
    });
    const secret = await prisma.webhookSecret.create({
      data: { userId, secret: 'whsec_a', previousSecret: 'whsec_b', previousUntil: now },
    });
    const token = await prisma.streamToken.create({
      data: { tokenHash: 'h', generationId: generation.id, userId, expiresAt: now, createdAt: now },
    });
    const loaded = await prisma.generation.findUniqueOrThrow({
      where: { id: generation.id },
      include: { events: true, webhookDeliveries: { include: { attempts: true } }, streamTokens: true },
    });
    expect(loaded).toEqual({
      ...generation,
      events: [event],
      webhookDeliveries: [{ ...delivery, attempts: [attempt] }],
      streamTokens: [token],
    });
    expect(await prisma.webhookSecret.findUniqueOrThrow({ where: { userId } })).toEqual(secret);
    const plain = await prisma.generation.create({
      data: { userId, kind: 'TEXT_TO_VIDEO', model: 'sora-2', prompt: 'p', params: {} },
    });
    expect(plain.webhookEvents).toEqual([]);
    expect(plain.eventSeq).toBe(0);
  });

  it('round-trips a validated image, one row per key', async () => {
    const userId = `user-${randomUUID()}`;
    const data = {
      key: `images/${userId}/a.png`,
      userId,
      contentType: 'image/png',
      width: 8192,
      height: 4320,
      bytes: 26_214_400,
      createdAt: new Date('2026-12-01T10:00:00.123Z'),
    };
    const image = await prisma.validatedImage.create({ data });
    expect(image).toEqual(data);
    expect(await prisma.validatedImage.findUniqueOrThrow({ where: { key: data.key } })).toEqual(data);
    await expect(prisma.validatedImage.create({ data })).rejects.toMatchObject({ code: 'P2002' });
  });

  it('enforces the keys the ledger relies on', async () => {
    const userId = `user-${randomUUID()}`;
    await prisma.creditAccount.create({ data: { userId, balance: new Prisma.Decimal(10) } });
    const generation = await prisma.generation.create({
      data: { userId, kind: 'TEXT_TO_VIDEO', model: 'sora-2', prompt: 'p', params: {}, idempotencyKey: 'k' },
    });
    const refund = {
      userId,
      type: 'REFUND' as const,
      amount: new Prisma.Decimal(1),
      balanceAfter: new Prisma.Decimal(11),
      reason: 'r',
      generationId: generation.id,
    };
    await prisma.creditEntry.create({ data: refund });
    await expect(prisma.creditEntry.create({ data: refund })).rejects.toMatchObject({ code: 'P2002' });
    await expect(
      prisma.generation.create({
        data: {
          userId,
          kind: 'TEXT_TO_VIDEO',
          model: 'sora-2',
          prompt: 'p',
          params: {},
          idempotencyKey: 'k',
        },
      }),
    ).rejects.toMatchObject({ code: 'P2002' });
    await expect(
      prisma.creditAccount.update({ where: { userId }, data: { balance: new Prisma.Decimal(-0.1) } }),
    ).rejects.toThrow(/CreditAccount_balance_nonnegative/);
  });
});
