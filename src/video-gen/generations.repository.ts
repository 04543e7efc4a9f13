import type { FailureCode } from '../common/failures/failure-code.js';
import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain-errors.js';
import { formatCredits } from '../credits/credit-amount.js';
import type { CreditTotals, HeldCredits } from '../credits/settlement-amounts.js';
import { PrismaService } from '../database/prisma.service.js';
import { Prisma } from '../generated/prisma/client.js';
import type { ProviderRef } from '../providers/video-provider.js';
import {
  ACTIVE_GENERATION_STATUSES,
  AT_PROVIDER_SEGMENT_STATUSES,
  ENDED_GENERATION_STATUSES,
  Generation,
  generationFrom,
  GenerationStatus,
  Segment,
  segmentFrom,
  SegmentStatus,
  toGeneration,
  toSegment,
} from './generation.js';
import { GenerationEventsRepository } from './generation-events.repository.js';

export type Tx = Prisma.TransactionClient;

/** Why a generation ended without (all of) its video: shown to the user. */
export interface EndReason {
  code: FailureCode;
  message: string;
}

/** What a finished generation stores about its video. */
export interface StoredVideo {
  s3Key: string;
  thumbnailKey: string;
  lastFrameKey: string;
  durationSeconds: number;
  width: number;
  height: number;
  bytes: number;
}

// Prisma stores DateTime as UTC in `timestamp` columns; compare and compute in UTC whatever the session zone.
const NOW_UTC = `(now() AT TIME ZONE 'UTC')`;
/** A fixed list of our own status constants as SQL, never input. */
const sqlList = (statuses: readonly string[]) => statuses.map((s) => `'${s}'`).join(', ');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The only code that reads or writes the state of generations and their segments. It returns the domain
 * types of generation.ts (JSON columns parsed once) and moves rows only along the transitions listed there:
 * every transition is a compare-and-set on the current status, so of two processes racing (a cancel and the
 * worker's store, two jobs of one generation) exactly one wins, and the loser learns it from the result.
 * Each runs in the caller's transaction when given one. The poll schedule (nextPollAt, progress while at the
 * provider) is SegmentPollRepository's.
 */
@Injectable()
export class GenerationsRepository {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(GenerationEventsRepository) private readonly events: GenerationEventsRepository,
  ) {}

  /** Runs `work` in one transaction: the settlement's transition, ledger entry and event commit together. */
  transaction<T>(work: (tx: Tx) => Promise<T>, options?: { maxWait?: number; timeout?: number }): Promise<T> {
    return this.prisma.$transaction(work, options);
  }

  // ---- reads ----

  async find(id: string, tx?: Tx): Promise<Generation | undefined> {
    const row = await (tx ?? this.prisma).generation.findUnique({
      where: { id },
      include: { segments: true },
    });
    return row ? toGeneration(row) : undefined;
  }

  async load(id: string): Promise<Generation> {
    return toGeneration(
      await this.prisma.generation.findUniqueOrThrow({ where: { id }, include: { segments: true } }),
    );
  }

  async status(id: string): Promise<GenerationStatus | undefined> {
    const row = await this.prisma.generation.findUnique({ where: { id }, select: { status: true } });
    return row?.status as GenerationStatus | undefined;
  }

  async findByIdempotencyKey(userId: string, key: string): Promise<Generation | undefined> {
    const row = await this.prisma.generation.findUnique({
      where: { userId_idempotencyKey: { userId, idempotencyKey: key } },
      include: { segments: true },
    });
    return row ? toGeneration(row) : undefined;
  }

  /** One page of a user's generations that are not deleted, newest first; `cursor` is the last one seen. */
  async page(
    userId: string,
    query: {
      limit: number;
      status?: GenerationStatus;
      projectId?: string;
      cursor?: { createdAt: Date; id: string };
    },
  ): Promise<Generation[]> {
    const { cursor } = query;
    const rows = await this.prisma.generation.findMany({
      where: {
        userId,
        deletedAt: null,
        ...(query.status ? { status: query.status } : {}),
        ...(query.projectId ? { projectId: query.projectId } : {}),
        ...(cursor
          ? {
              OR: [
                { createdAt: { lt: cursor.createdAt } },
                { createdAt: cursor.createdAt, id: { lt: cursor.id } },
              ],
            }
          : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit,
      include: { segments: true },
    });
    return rows.map(toGeneration);
  }

  /** Ids of generations still holding a reservation past their deadline. */
  async overdue(now: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.generation.findMany({
      where: { status: { in: [...ACTIVE_GENERATION_STATUSES] }, deadlineAt: { lt: now } },
      select: { id: true },
      take: limit,
    });
    return rows.map((row) => row.id);
  }

  /** Ended, not yet deleted generations finished before `cutoff`, oldest first. */
  async ended(before: Date, limit: number): Promise<Generation[]> {
    const rows = await this.prisma.generation.findMany({
      where: { deletedAt: null, status: { in: [...ENDED_GENERATION_STATUSES] }, completedAt: { lt: before } },
      orderBy: [{ completedAt: 'asc' }, { id: 'asc' }],
      take: limit,
      include: { segments: true },
    });
    return rows.map(toGeneration);
  }

  /** Whether an extension of `parentId` is still queued or running (it reads the parent's video). */
  async isBeingExtended(parentId: string): Promise<boolean> {
    const running = await this.prisma.generation.count({
      where: { parentId, status: { in: [...ACTIVE_GENERATION_STATUSES] } },
    });
    return running > 0;
  }

  // ---- writes that are not state transitions ----

  /** A new QUEUED generation with its PENDING segments (and, for an extension, its delivered first one). */
  async insert(tx: Tx, data: Prisma.GenerationUncheckedCreateInput): Promise<void> {
    await tx.generation.create({ data });
  }

  /** Marks an ended generation's files deleted; its ledger entries stay. */
  async markDeleted(id: string): Promise<void> {
    await this.prisma.generation.updateMany({
      where: { id, deletedAt: null },
      data: { deletedAt: new Date() },
    });
  }

  /** Records where a finished segment's last frame was stored (taken late for an extension's original). */
  async setSegmentLastFrame(segmentId: string, lastFrameKey: string): Promise<void> {
    await this.prisma.generationSegment.update({ where: { id: segmentId }, data: { lastFrameKey } });
  }

  // ---- credits held by a generation ----

  /**
   * Locks the generation's row (SELECT ... FOR UPDATE) and reads the credits it holds, for the ledger to
   * decide from. Taken before the ledger touches the account, so the lock order is always Generation, then
   * CreditAccount; it serialises every reserve, capture and refund of one generation across processes.
   * Throws NotFoundError for an unknown id.
   */
  async lockCredits(tx: Tx, generationId: string): Promise<HeldCredits> {
    const notFound = () => new NotFoundError(`Generation ${generationId} not found`);
    if (!UUID.test(generationId)) throw notFound();
    const [row] = await tx.$queryRaw<Omit<HeldCredits, 'generationId'>[]>`
      SELECT "userId", "creditsReserved" AS reserved, "creditsCaptured" AS captured,
             "creditsRefunded" AS refunded
        FROM "Generation" WHERE id = ${generationId}::uuid FOR UPDATE`;
    if (!row) throw notFound();
    return { generationId, ...row };
  }

  /** Writes the credit totals the ledger answered with, under the lock `lockCredits` took in `tx`. */
  async recordCredits(tx: Tx, generationId: string, totals: CreditTotals): Promise<void> {
    await tx.$executeRaw`
      UPDATE "Generation"
         SET "creditsReserved" = ${formatCredits(totals.reserved)}::numeric,
             "creditsCaptured" = ${formatCredits(totals.captured)}::numeric,
             "creditsRefunded" = ${formatCredits(totals.refunded)}::numeric,
             "updatedAt" = ${new Date()}
       WHERE id = ${generationId}::uuid`;
  }

  // ---- generation transitions ----

  /** QUEUED → RUNNING, with its `running` event. False when another job started it, or it ended. */
  async start(id: string): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const started = await tx.generation.updateMany({
        where: { id, status: { in: generationFrom('RUNNING') } },
        data: { status: 'RUNNING', startedAt: new Date() },
      });
      if (started.count === 1) await this.events.append(tx, [id], 'running');
      return started.count === 1;
    });
  }

  /**
   * The worker claims a RUNNING generation to store its result: from then on it cannot be cancelled (cancel
   * answers 409). One atomic update, like `cancel`, so exactly one of the two wins.
   */
  async claimStoring(id: string): Promise<boolean> {
    const claimed = await this.prisma.generation.updateMany({
      where: { id, status: 'RUNNING' },
      data: { storingAt: new Date() },
    });
    return claimed.count === 1;
  }

  /**
   * RUNNING → SUCCEEDED with its stored video. A partial result (a chain that delivers its first segments)
   * is marked PARTIAL_RESULT with the reason's message, and its segments not made are FAILED with the reason. The caller captures the credits and
   * appends the event in the same transaction.
   */
  async succeed(tx: Tx, id: string, video: StoredVideo, partial?: EndReason): Promise<boolean> {
    const updated = await tx.generation.updateMany({
      where: { id, status: { in: generationFrom('SUCCEEDED') } },
      data: {
        status: 'SUCCEEDED',
        s3Key: video.s3Key,
        thumbnailKey: video.thumbnailKey,
        lastFrameKey: video.lastFrameKey,
        durationSeconds: video.durationSeconds.toFixed(3),
        width: video.width,
        height: video.height,
        bytes: BigInt(video.bytes),
        progress: 100,
        queuePosition: null,
        completedAt: new Date(),
        // The generation reads as a partial result; its segments not made keep the failure's own code.
        ...(partial ? { errorCode: 'PARTIAL_RESULT', error: partial.message } : {}),
      },
    });
    if (updated.count === 0) return false;
    if (partial) await this.failSegments(tx, id, partial);
    return true;
  }

  /**
   * QUEUED or RUNNING → FAILED, and every segment not made FAILED with the same reason. The caller refunds
   * and appends the event in the same transaction.
   */
  async fail(tx: Tx, id: string, reason: EndReason): Promise<boolean> {
    const updated = await tx.generation.updateMany({
      where: { id, status: { in: generationFrom('FAILED') } },
      data: {
        status: 'FAILED',
        errorCode: reason.code,
        error: reason.message,
        queuePosition: null,
        completedAt: new Date(),
      },
    });
    if (updated.count === 0) return false;
    await this.failSegments(tx, id, reason);
    return true;
  }

  /**
   * QUEUED or RUNNING → CANCELLED by its user, unless the worker has claimed it to store its result
   * (storingAt); segments still in the works are CANCELLED. The caller refunds and appends the event.
   */
  async cancel(tx: Tx, id: string): Promise<boolean> {
    const updated = await tx.generation.updateMany({
      where: { id, status: { in: generationFrom('CANCELLED') }, storingAt: null },
      data: {
        status: 'CANCELLED',
        completedAt: new Date(),
        errorCode: 'CANCELLED',
        error: 'Cancelled by the user',
      },
    });
    if (updated.count === 0) return false;
    await tx.generationSegment.updateMany({
      where: { generationId: id, status: { in: segmentFrom('CANCELLED') } },
      data: { status: 'CANCELLED' },
    });
    return true;
  }

  private async failSegments(tx: Tx, generationId: string, reason: EndReason): Promise<void> {
    await tx.generationSegment.updateMany({
      where: { generationId, status: { in: [...segmentFrom('FAILED'), 'FAILED'] } },
      data: { status: 'FAILED', error: reason.message, errorCode: reason.code },
    });
  }

  // ---- segment transitions ----

  /**
   * PENDING → SUBMITTING if its provider has room: at most `maxInFlight` segments per provider are submitting
   * or at the provider at once, across every process (0 = no limit). The count and the claim happen under one
   * advisory lock per provider, so two workers cannot both take the last place. When full, the segment waits
   * with `nextPollAt` set, and the poller brings its job back then.
   */
  async claimSubmission(
    segmentId: string,
    provider: string,
    maxInFlight: number,
    retryInMs: number,
  ): Promise<'claimed' | 'lost' | 'full'> {
    return this.prisma.$transaction(async (tx) => {
      if (maxInFlight > 0) {
        await tx.$executeRawUnsafe(
          `SELECT pg_advisory_xact_lock(hashtext($1))`,
          `video-gen:in-flight:${provider}`,
        );
        const [{ count }] = await tx.$queryRawUnsafe<Array<{ count: number }>>(
          `SELECT count(*)::int AS count FROM "GenerationSegment" s
           JOIN "Generation" g ON g.id = s."generationId"
           WHERE s.provider = $1 AND s.status IN (${sqlList(AT_PROVIDER_SEGMENT_STATUSES)})
             AND g.status IN (${sqlList(ACTIVE_GENERATION_STATUSES)})`,
          provider,
        );
        if (count >= maxInFlight) {
          await tx.$executeRawUnsafe(
            `UPDATE "GenerationSegment"
             SET "nextPollAt" = ${NOW_UTC} + $2::int * interval '1 millisecond', "updatedAt" = ${NOW_UTC}
             WHERE id = $1::uuid AND status = 'PENDING'`,
            segmentId,
            Math.max(0, Math.round(retryInMs)),
          );
          return 'full';
        }
      }
      const claimed = await tx.$executeRawUnsafe(
        `UPDATE "GenerationSegment"
         SET status = 'SUBMITTING', "submittedAt" = ${NOW_UTC}, attempts = attempts + 1, "nextPollAt" = NULL,
             "updatedAt" = ${NOW_UTC}
         WHERE id = $1::uuid AND status IN (${sqlList(segmentFrom('SUBMITTING'))})`,
        segmentId,
      );
      return claimed === 1 ? 'claimed' : 'lost';
    });
  }

  /** SUBMITTING or SUBMIT_AMBIGUOUS → SUBMITTED with the provider's reference (stored before anything else). */
  async markSubmitted(segmentId: string, ref: ProviderRef): Promise<Segment | undefined> {
    return this.moveSegment(segmentId, 'SUBMITTED', { providerRef: ref as unknown as Prisma.InputJsonValue });
  }

  /** SUBMITTING → SUBMIT_AMBIGUOUS: the provider may or may not have accepted it. */
  async markAmbiguous(segmentId: string): Promise<Segment | undefined> {
    return this.moveSegment(segmentId, 'SUBMIT_AMBIGUOUS');
  }

  /** SUBMITTING or SUBMIT_AMBIGUOUS → PENDING: the provider surely does not have it; safe to submit again. */
  async backToPending(segmentId: string): Promise<Segment | undefined> {
    return this.moveSegment(segmentId, 'PENDING');
  }

  /**
   * SUBMITTED → SUCCEEDED with its stored video (and the frame the next segment starts from), the
   * generation's progress, and a `segment` event, in one transaction. False when it was not SUBMITTED any more
   * (the generation was cancelled or failed meanwhile).
   */
  async segmentReceived(
    segment: Pick<Segment, 'id' | 'generationId'>,
    stored: { s3Key: string; lastFrameKey?: string; generationProgress: number | null },
  ): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const moved = await tx.generationSegment.updateMany({
        where: { id: segment.id, status: { in: segmentFrom('SUCCEEDED') } },
        data: {
          status: 'SUCCEEDED',
          s3Key: stored.s3Key,
          lastFrameKey: stored.lastFrameKey,
          progress: 100,
          queuePosition: null,
          completedAt: new Date(),
        },
      });
      if (moved.count === 0) return false;
      await tx.generation.updateMany({
        where: { id: segment.generationId, status: 'RUNNING' },
        data: { progress: stored.generationProgress, queuePosition: null },
      });
      await this.events.append(tx, [segment.generationId], 'segment');
      return true;
    });
  }

  private async moveSegment(
    segmentId: string,
    to: SegmentStatus,
    data: Prisma.GenerationSegmentUpdateManyMutationInput = {},
  ): Promise<Segment | undefined> {
    const moved = await this.prisma.generationSegment.updateMany({
      where: { id: segmentId, status: { in: segmentFrom(to) } },
      data: { ...data, status: to },
    });
    if (moved.count === 0) return undefined;
    return toSegment(await this.prisma.generationSegment.findUniqueOrThrow({ where: { id: segmentId } }));
  }
}
