import { randomUUID } from 'node:crypto';
import { createTestContext, TestContext } from '../../../test/support/test-app.js';
import { databaseBackend } from '../../../test/support/test-database.js';
import { DatabaseConnection } from '../../database/database-connection.js';
import { migrate } from '../../database/migrator.js';
import { PrismaService } from '../../database/prisma.service.js';
import { GenerationEventsRepository } from '../generation-events.repository.js';
import { GenerationsRepository } from '../generations.repository.js';
import { SegmentPollRepository } from './segment-poll.repository.js';

describe(`SegmentPollRepository (${databaseBackend})`, () => {
  let context: TestContext;
  let connection: DatabaseConnection;
  let prisma: PrismaService;
  let polls: SegmentPollRepository;
  let generations: GenerationsRepository;

  beforeAll(async () => {
    context = await createTestContext();
    connection = await DatabaseConnection.open(context.config.database);
    await migrate(connection);
    prisma = new PrismaService(connection);
    await prisma.$connect();
    polls = new SegmentPollRepository(prisma, new GenerationEventsRepository(prisma));
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

  /** A generation with one segment per entry; `due` segments are SUBMITTED with a poll due in the past. */
  async function generationWith(
    segments: Array<{ status: 'SUBMITTED' | 'PENDING' | 'SUCCEEDED'; dueInMs?: number }>,
    status: 'RUNNING' | 'CANCELLED' = 'RUNNING',
  ): Promise<{ id: string; segmentIds: string[] }> {
    const generation = await prisma.generation.create({
      data: { userId: 'u', kind: 'CHAIN', model: 'veo3', prompt: 'p', params: {}, status },
    });
    const segmentIds: string[] = [];
    for (const [index, segment] of segments.entries()) {
      const created = await prisma.generationSegment.create({
        data: {
          generationId: generation.id,
          index,
          status: segment.status,
          prompt: 'p',
          durationSeconds: '8',
          provider: 'fal',
          providerRef: { provider: 'fal', endpoint: 'fal-ai/veo3', requestId: randomUUID() },
          nextPollAt: segment.dueInMs === undefined ? null : new Date(Date.now() + segment.dueInMs),
        },
      });
      segmentIds.push(created.id);
    }
    return { id: generation.id, segmentIds };
  }

  it('claims only due SUBMITTED segments of running generations, with their generation’s segment count', async () => {
    const running = await generationWith([{ status: 'SUCCEEDED' }, { status: 'SUBMITTED', dueInMs: -1000 }]);
    await generationWith([{ status: 'SUBMITTED', dueInMs: 60_000 }]); // not due yet
    await generationWith([{ status: 'SUBMITTED' }]); // a job owns it (no nextPollAt)
    await generationWith([{ status: 'PENDING', dueInMs: -1000 }]);
    await generationWith([{ status: 'SUBMITTED', dueInMs: -1000 }], 'CANCELLED');

    const claimed = await polls.claimDue(100, 60_000);
    expect(claimed).toEqual([
      expect.objectContaining({
        id: running.segmentIds[1],
        generationId: running.id,
        index: 1,
        segmentCount: 2,
        pollAttempts: 0,
        providerRef: expect.objectContaining({ provider: 'fal' }),
      }),
    ]);
    // Leased: not claimable again until the lease runs out.
    expect(await polls.claimDue(100, 60_000)).toEqual([]);
    const segment = await prisma.generationSegment.findUniqueOrThrow({
      where: { id: running.segmentIds[1] },
    });
    expect(segment.nextPollAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it('never gives the same segment to two pollers claiming at once', async () => {
    for (let i = 0; i < 40; i++) await generationWith([{ status: 'SUBMITTED', dueInMs: -1000 - i }]);
    const batches = await Promise.all([1, 2, 3, 4].map(() => polls.claimDue(15, 60_000)));
    const ids = batches.flat().map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const rest = await polls.claimDue(100, 60_000);
    expect(ids.length + rest.length).toBe(40);
  });

  it('records a batch of results: next poll, attempts, progress, and the generation’s progress where given', async () => {
    const a = await generationWith([{ status: 'SUBMITTED', dueInMs: -1 }]);
    const b = await generationWith([{ status: 'SUBMITTED', dueInMs: -1 }]);
    const c = await generationWith([{ status: 'SUBMITTED', dueInMs: -1 }]);
    await prisma.generation.update({ where: { id: b.id }, data: { progress: 7 } });
    await prisma.generationSegment.update({ where: { id: c.segmentIds[0] }, data: { status: 'SUCCEEDED' } });
    await polls.record([
      {
        id: a.segmentIds[0],
        generationId: a.id,
        delayMs: 5_000,
        pollAttempts: 4,
        progress: 30,
        queuePosition: null,
        generationProgress: { progress: 30, queuePosition: null },
      },
      {
        id: b.segmentIds[0],
        generationId: b.id,
        delayMs: 0,
        pollAttempts: 1,
        progress: null,
        queuePosition: 2,
      },
      { id: c.segmentIds[0], generationId: c.id, delayMs: 0, pollAttempts: 9, progress: 1, queuePosition: 1 },
    ]);
    const [sa, sb, sc] = await Promise.all(
      [a, b, c].map((g) => prisma.generationSegment.findUniqueOrThrow({ where: { id: g.segmentIds[0] } })),
    );
    expect(sa).toMatchObject({ pollAttempts: 4, progress: 30, queuePosition: null });
    expect(sa.nextPollAt!.getTime()).toBeGreaterThan(Date.now() + 3_000);
    expect(sb).toMatchObject({ pollAttempts: 1, progress: null, queuePosition: 2 });
    // A segment that left SUBMITTED meanwhile (a job received it) is not touched.
    expect(sc).toMatchObject({ status: 'SUCCEEDED', pollAttempts: 0, progress: null });
    expect(await prisma.generation.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({
      progress: 30,
    });
    expect(await prisma.generation.findUniqueOrThrow({ where: { id: b.id } })).toMatchObject({ progress: 7 });
    // The generation whose progress moved has a progress event, written with it; the others have none.
    const eventsOf = (id: string) => prisma.generationEvent.findMany({ where: { generationId: id } });
    expect(await eventsOf(a.id)).toEqual([
      expect.objectContaining({
        seq: 1,
        type: 'progress',
        payload: expect.objectContaining({ progress: 30 }),
      }),
    ]);
    expect(await eventsOf(b.id)).toEqual([]);
    // Progress events are throttled: another move within a second updates the row but adds no event.
    await polls.record([
      {
        id: a.segmentIds[0],
        generationId: a.id,
        delayMs: 5_000,
        pollAttempts: 5,
        progress: 31,
        queuePosition: null,
        generationProgress: { progress: 31, queuePosition: null },
      },
    ]);
    expect(await prisma.generation.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({
      progress: 31,
      eventSeq: 1,
    });
    expect(await eventsOf(a.id)).toHaveLength(1);
  });

  it('lets at most maxInFlight segments per provider be submitting or at the provider, however many claim at once', async () => {
    await generationWith([{ status: 'SUBMITTED', dueInMs: 1000 }]); // already at the provider: takes one place
    const pending = [];
    for (let i = 0; i < 10; i++) pending.push(await generationWith([{ status: 'PENDING' }]));
    const results = await Promise.all(
      pending.map((g) => generations.claimSubmission(g.segmentIds[0], 'fal', 3, 5_000)),
    );
    expect(results.filter((r) => r === 'claimed')).toHaveLength(2);
    expect(results.filter((r) => r === 'full')).toHaveLength(8);
    const segments = await prisma.generationSegment.findMany({
      where: { generationId: { in: pending.map((g) => g.id) } },
    });
    const claimed = segments.filter((s) => s.status === 'SUBMITTING');
    expect(claimed.every((s) => s.attempts === 1 && s.submittedAt && s.nextPollAt === null)).toBe(true);
    const waiting = segments.filter((s) => s.status === 'PENDING');
    expect(waiting.every((s) => s.nextPollAt!.getTime() > Date.now() + 3_000)).toBe(true);
    // Another provider has its own places; a segment already claimed is not claimed twice.
    const azure = await generationWith([{ status: 'PENDING' }]);
    expect(await generations.claimSubmission(azure.segmentIds[0], 'azure', 3, 5_000)).toBe('claimed');
    expect(await generations.claimSubmission(claimed[0].id, 'fal', 0, 5_000)).toBe('lost');
  });

  it('brings back segments that waited for room once their retry is due', async () => {
    const due = await generationWith([{ status: 'PENDING', dueInMs: -10 }]);
    await generationWith([{ status: 'PENDING', dueInMs: 60_000 }]);
    await generationWith([{ status: 'PENDING' }]); // never waited: its job has it
    expect(await polls.claimWaiting(10, 30_000)).toEqual([{ generationId: due.id, provider: 'fal' }]);
    expect(await polls.claimWaiting(10, 30_000)).toEqual([]);
  });

  it('schedules a segment for the pollers and releases it to a job', async () => {
    const g = await generationWith([{ status: 'SUBMITTED' }]);
    const [id] = g.segmentIds;
    expect(await polls.claimDue(10, 60_000)).toEqual([]);
    await polls.schedule(id, 0, 0);
    expect((await polls.claimDue(10, 60_000)).map((s) => s.id)).toEqual([id]);
    await polls.release(id);
    expect((await prisma.generationSegment.findUniqueOrThrow({ where: { id } })).nextPollAt).toBeNull();
  });
});
