import { Inject, Injectable } from '@nestjs/common';
import { PrismaService } from '../../database/prisma.service.js';
import type { ProviderRef } from '../../providers/video-provider.js';
import { GenerationEventsRepository } from '../generation-events.repository.js';

/** A SUBMITTED segment whose next status poll is due, claimed by one poller for `leaseMs`. */
export interface DueSegment {
  id: string;
  generationId: string;
  index: number;
  segmentCount: number;
  providerRef: ProviderRef;
  progress: number | null;
  queuePosition: number | null;
  pollAttempts: number;
}

/** What one poll found, and when to ask again. */
export interface PollUpdate {
  id: string;
  generationId: string;
  delayMs: number;
  pollAttempts: number;
  progress: number | null;
  queuePosition: number | null;
  /** Set when the generation's own progress should change too. */
  generationProgress?: { progress: number | null; queuePosition: number | null };
}

// Prisma stores DateTime as UTC in `timestamp` columns; compare and compute in UTC whatever the session zone.
const NOW_UTC = `(now() AT TIME ZONE 'UTC')`;

/**
 * The schedule of provider status polls, kept on the segments themselves (`nextPollAt`). Every worker
 * process's poller claims due segments with `FOR UPDATE SKIP LOCKED` and pushes `nextPollAt` forward by a
 * lease, so a segment is polled by one process at a time, and a process that dies mid-poll only delays
 * its segments by the lease. A null `nextPollAt` means a job owns the segment (submitting or receiving).
 */
@Injectable()
export class SegmentPollRepository {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(GenerationEventsRepository) private readonly events: GenerationEventsRepository,
  ) {}

  async claimDue(limit: number, leaseMs: number): Promise<DueSegment[]> {
    return this.claim<DueSegment>(
      'SUBMITTED',
      limit,
      leaseMs,
      `s.id, s."generationId", s.index, s."providerRef", s.progress, s."queuePosition", s."pollAttempts",
       (SELECT count(*)::int FROM "GenerationSegment" c WHERE c."generationId" = s."generationId")
         AS "segmentCount"`,
    );
  }

  /**
   * Takes up to `limit` segments in `status` of running generations whose `nextPollAt` is due, oldest
   * first, and pushes it `leaseMs` ahead so no other process takes them meanwhile. `returning` is a fixed
   * column list of the callers above, never input.
   */
  private async claim<Row>(
    status: 'SUBMITTED' | 'PENDING',
    limit: number,
    leaseMs: number,
    returning: string,
  ): Promise<Row[]> {
    if (limit <= 0) return [];
    return this.prisma.$queryRawUnsafe<Row[]>(
      `WITH due AS (
         SELECT s.id FROM "GenerationSegment" s
         JOIN "Generation" g ON g.id = s."generationId"
         WHERE s.status = '${status}' AND s."nextPollAt" <= ${NOW_UTC} AND g.status = 'RUNNING'
         ORDER BY s."nextPollAt"
         LIMIT $1::int
         FOR UPDATE OF s SKIP LOCKED
       )
       UPDATE "GenerationSegment" s
       SET "nextPollAt" = ${NOW_UTC} + $2::int * interval '1 millisecond'
       FROM due WHERE s.id = due.id
       RETURNING ${returning}`,
      limit,
      Math.round(leaseMs),
    );
  }

  /**
   * Writes a batch of poll results in two statements, whatever its size, and the progress events of the
   * generations whose progress changed, all in one transaction.
   */
  async record(updates: readonly PollUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const segments = JSON.stringify(
      updates.map((u) => ({
        id: u.id,
        delay: Math.max(0, Math.round(u.delayMs)),
        attempts: u.pollAttempts,
        progress: u.progress,
        queue_position: u.queuePosition,
      })),
    );
    const changed = updates.filter((u) => u.generationProgress);
    await this.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(
        `UPDATE "GenerationSegment" s
         SET "nextPollAt" = ${NOW_UTC} + u.delay * interval '1 millisecond',
             "pollAttempts" = u.attempts, progress = u.progress, "queuePosition" = u.queue_position,
             "updatedAt" = ${NOW_UTC}
         FROM jsonb_to_recordset($1::jsonb)
           AS u(id uuid, delay int, attempts int, progress int, queue_position int)
         WHERE s.id = u.id AND s.status = 'SUBMITTED'`,
        segments,
      );
      if (changed.length === 0) return;
      const generations = JSON.stringify(
        changed.map((u) => ({
          id: u.generationId,
          progress: u.generationProgress!.progress,
          queue_position: u.generationProgress!.queuePosition,
        })),
      );
      const moved = await tx.$queryRawUnsafe<Array<{ id: string }>>(
        `UPDATE "Generation" g
         SET progress = u.progress, "queuePosition" = u.queue_position, "updatedAt" = ${NOW_UTC}
         FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, progress int, queue_position int)
         WHERE g.id = u.id AND g.status = 'RUNNING'
         RETURNING g.id`,
        generations,
      );
      await this.events.append(
        tx,
        moved.map((row) => row.id),
        'progress',
      );
    });
  }

  /** Hands a segment to the pollers: its first (or next) status poll is due in `delayMs`. */
  async schedule(segmentId: string, delayMs: number, pollAttempts?: number): Promise<void> {
    await this.prisma.$executeRawUnsafe(
      `UPDATE "GenerationSegment"
       SET "nextPollAt" = ${NOW_UTC} + $2::int * interval '1 millisecond',
           "pollAttempts" = COALESCE($3::int, "pollAttempts"), "updatedAt" = ${NOW_UTC}
       WHERE id = $1::uuid AND status = 'SUBMITTED'`,
      segmentId,
      Math.max(0, Math.round(delayMs)),
      pollAttempts ?? null,
    );
  }

  /** PENDING segments whose provider was full and whose retry is due: their generations' jobs go again. */
  async claimWaiting(
    limit: number,
    leaseMs: number,
  ): Promise<Array<{ generationId: string; provider: string }>> {
    return this.claim('PENDING', limit, leaseMs, `s."generationId", s.provider`);
  }

  /** A job takes the segment over (to receive its result): the pollers leave it alone. */
  async release(segmentId: string): Promise<void> {
    await this.prisma.$executeRawUnsafe(
      `UPDATE "GenerationSegment" SET "nextPollAt" = NULL WHERE id = $1::uuid`,
      segmentId,
    );
  }
}
