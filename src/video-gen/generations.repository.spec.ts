import { randomUUID } from 'node:crypto';
import { createTestContext, TestContext } from '../../test/support/test-app.js';
import { databaseBackend } from '../../test/support/test-database.js';
import { NotFoundError } from '../common/domain-errors.js';
import { Decimal } from '../credits/credit-amount.js';
import { DatabaseConnection } from '../database/database-connection.js';
import { migrate } from '../database/migrator.js';
import { PrismaService } from '../database/prisma.service.js';
import type { SegmentStatus } from './generation.js';
import { GenerationEventsRepository } from './generation-events.repository.js';
import { type EndReason, GenerationsRepository, type StoredVideo } from './generations.repository.js';

const video: StoredVideo = {
  s3Key: 'videos/u/g.mp4',
  thumbnailKey: 'videos/u/g.jpg',
  lastFrameKey: 'videos/u/g-last.png',
  durationSeconds: 8,
  width: 1280,
  height: 720,
  bytes: 1000,
};

// The guarded transitions against the real database: each is a compare-and-set, so the loser of a race learns it.
describe(`GenerationsRepository (${databaseBackend})`, () => {
  let context: TestContext;
  let connection: DatabaseConnection;
  let prisma: PrismaService;
  let generations: GenerationsRepository;

  beforeAll(async () => {
    context = await createTestContext();
    connection = await DatabaseConnection.open(context.config.database);
    await migrate(connection);
    prisma = new PrismaService(connection);
    await prisma.$connect();
    generations = new GenerationsRepository(prisma, new GenerationEventsRepository(prisma));
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await connection.close();
    await context.cleanup();
  });
  beforeEach(async () => {
    await prisma.generation.deleteMany();
  });

  async function generationWith(
    segments: SegmentStatus[],
    status: 'QUEUED' | 'RUNNING' = 'RUNNING',
  ): Promise<{ id: string; segmentIds: string[] }> {
    const generation = await prisma.generation.create({
      data: {
        userId: 'u',
        kind: 'CHAIN',
        model: 'veo3',
        prompt: 'p',
        params: { duration: '16s' },
        status,
        segments: {
          create: segments.map((s, index) => ({
            index,
            status: s,
            prompt: 'p',
            durationSeconds: '8',
            provider: 'fal',
          })),
        },
      },
      include: { segments: { orderBy: { index: 'asc' } } },
    });
    return { id: generation.id, segmentIds: generation.segments.map((s) => s.id) };
  }

  it('reads the domain type: params parsed, segments in order', async () => {
    const { id } = await generationWith(['SUCCEEDED', 'PENDING']);
    const generation = await generations.load(id);
    expect(generation.params.duration).toBe('16s');
    expect(generation.segments.map((s) => [s.index, s.status])).toEqual([
      [0, 'SUCCEEDED'],
      [1, 'PENDING'],
    ]);
  });

  it('starts a queued generation once, with one running event', async () => {
    const { id } = await generationWith(['PENDING'], 'QUEUED');
    expect(await Promise.all([generations.start(id), generations.start(id)])).toEqual(
      expect.arrayContaining([true, false]),
    );
    expect(await prisma.generationEvent.count({ where: { generationId: id, type: 'running' } })).toBe(1);
  });

  it('cancel and the claim to store: exactly one wins', async () => {
    const { id } = await generationWith(['SUBMITTED']);
    expect(await generations.claimStoring(id)).toBe(true);
    expect(await generations.transaction((tx) => generations.cancel(tx, id))).toBe(false);
    const other = await generationWith(['SUBMITTED']);
    expect(await generations.transaction((tx) => generations.cancel(tx, other.id))).toBe(true);
    expect(await generations.claimStoring(other.id)).toBe(false);
    expect((await generations.load(other.id)).segments[0].status).toBe('CANCELLED');
  });

  it('ends a generation once: a second ending (fail after succeed, or twice) changes nothing', async () => {
    const { id } = await generationWith(['SUCCEEDED']);
    expect(await generations.transaction((tx) => generations.succeed(tx, id, video))).toBe(true);
    expect(
      await generations.transaction((tx) => generations.fail(tx, id, { code: 'INTERNAL', message: 'x' })),
    ).toBe(false);
    expect((await generations.load(id)).status).toBe('SUCCEEDED');
  });

  it('a partial result reads PARTIAL_RESULT; the segments not made carry the failure', async () => {
    const { id } = await generationWith(['SUCCEEDED', 'SUBMITTED']);
    const reason: EndReason = { code: 'MODERATION', message: 'Segment 2 of 2 failed (refused)' };
    expect(await generations.transaction((tx) => generations.succeed(tx, id, video, reason))).toBe(true);
    const generation = await generations.load(id);
    expect(generation).toMatchObject({
      status: 'SUCCEEDED',
      errorCode: 'PARTIAL_RESULT',
      error: reason.message,
    });
    expect(generation.segments.map((s) => [s.status, s.errorCode])).toEqual([
      ['SUCCEEDED', null],
      ['FAILED', 'MODERATION'],
    ]);
  });

  it('moves segments only along the allowed transitions', async () => {
    const { segmentIds } = await generationWith(['PENDING']);
    const [id] = segmentIds;
    const ref = { provider: 'fal' as const, endpoint: 'fal-ai/veo3', requestId: 'r1' };
    expect(await generations.markSubmitted(id, ref)).toBeUndefined(); // not claimed yet
    expect(await generations.claimSubmission(id, 'fal', 0, 1000)).toBe('claimed');
    expect((await generations.markAmbiguous(id))?.status).toBe('SUBMIT_AMBIGUOUS');
    expect((await generations.markSubmitted(id, ref))?.providerRef).toEqual(ref);
    expect(await generations.backToPending(id)).toBeUndefined(); // never resubmitted once accepted
  });

  it('stores a received segment only while it is at the provider', async () => {
    const { id, segmentIds } = await generationWith(['SUBMITTED', 'CANCELLED']);
    const stored = { s3Key: 'k', generationProgress: 50 };
    expect(await generations.segmentReceived({ id: segmentIds[0], generationId: id }, stored)).toBe(true);
    expect(await generations.segmentReceived({ id: segmentIds[1], generationId: id }, stored)).toBe(false);
    expect((await generations.load(id)).progress).toBe(50);
  });

  it('locks and records the credits a generation holds, and 404s an unknown one', async () => {
    const { id } = await generationWith(['PENDING'], 'QUEUED');
    const held = await generations.transaction(async (tx) => {
      const locked = await generations.lockCredits(tx, id);
      await generations.recordCredits(tx, id, {
        reserved: new Decimal(750),
        captured: new Decimal('374.5'),
        refunded: new Decimal('375.5'),
      });
      return locked;
    });
    expect(held).toMatchObject({ generationId: id, userId: 'u' });
    expect([held.reserved, held.captured, held.refunded].map((c) => c.toFixed(1))).toEqual([
      '0.0',
      '0.0',
      '0.0',
    ]);
    const after = await generations.transaction((tx) => generations.lockCredits(tx, id));
    expect([after.reserved, after.captured, after.refunded].map((c) => c.toFixed(1))).toEqual([
      '750.0',
      '374.5',
      '375.5',
    ]);
    for (const unknown of [randomUUID(), 'not-a-uuid']) {
      await expect(generations.transaction((tx) => generations.lockCredits(tx, unknown))).rejects.toThrow(
        new NotFoundError(`Generation ${unknown} not found`),
      );
    }
  });
});
