import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';
import {
  GENERATION_EVENTS_CHANNEL,
  GenerationEventType,
  progressWorthAnEvent,
  webhookPayload,
  webhookSubscribed,
} from './generation-events.js';
import { toGeneration } from './generation.js';
import { toGenerationView } from './generation-view.js';

type Tx = Prisma.TransactionClient;

export interface StoredEvent {
  generationId: string;
  seq: number;
  type: GenerationEventType;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/**
 * The one home of the rule "every change of a generation is an event": callers change a generation inside a
 * transaction and call `append` in that same transaction. It numbers the event (per generation, under the
 * row lock), stores it with the generation's view, writes the webhook outbox row when the generation
 * subscribed to that event, and NOTIFYs the change feed, which PostgreSQL delivers only on commit.
 */
@Injectable()
export class GenerationEventsRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  /** Appends one `type` event to each generation in `generationIds` (progress ones are throttled). */
  async append(tx: Tx, generationIds: readonly string[], type: GenerationEventType): Promise<number> {
    const ids = [...new Set(generationIds)];
    if (ids.length === 0) return 0;
    const now = new Date();
    const generations = await tx.generation.findMany({
      where: { id: { in: ids } },
      include: {
        segments: true,
        ...(type === 'progress' ? { events: { orderBy: { seq: 'desc' }, take: 1 } } : {}),
      },
    });
    const chosen = generations
      .map((generation) => ({ generation, view: toGenerationView(toGeneration(generation)) }))
      .filter(({ generation, view }) => {
        if (type !== 'progress') return true;
        const last = (generation as { events?: Array<{ type: string; createdAt: Date; payload: unknown }> })
          .events?.[0];
        const previous = last?.payload as { progress?: number; queuePosition?: number } | undefined;
        return progressWorthAnEvent(
          last && { ...previous, type: last.type, createdAt: last.createdAt },
          view,
          now,
        );
      });
    if (chosen.length === 0) return 0;
    const bumped = await tx.$queryRawUnsafe<Array<{ id: string; eventSeq: number }>>(
      `UPDATE "Generation" SET "eventSeq" = "eventSeq" + 1 WHERE id = ANY($1::uuid[]) RETURNING id, "eventSeq"`,
      chosen.map(({ generation }) => generation.id),
    );
    const seqs = new Map(bumped.map((row) => [row.id, Number(row.eventSeq)]));
    const events = chosen.map(({ generation, view }) => {
      const seq = seqs.get(generation.id)!;
      return { generation, seq, payload: { ...view, type, seq } };
    });
    await tx.generationEvent.createMany({
      data: events.map((e) => ({
        generationId: e.generation.id,
        seq: e.seq,
        type,
        payload: e.payload as unknown as Prisma.InputJsonValue,
        createdAt: now,
      })),
    });
    const deliveries = events.flatMap((e) => {
      const webhookType = e.generation.webhookUrl && webhookSubscribed(e.generation.webhookEvents, type);
      if (!webhookType) return [];
      return [
        {
          id: `msg_${randomUUID().replace(/-/g, '')}`,
          generationId: e.generation.id,
          userId: e.generation.userId,
          eventSeq: e.seq,
          type: webhookType,
          url: e.generation.webhookUrl!,
          payload: webhookPayload(webhookType, now, e.payload) as unknown as Prisma.InputJsonValue,
          nextAttemptAt: now,
        },
      ];
    });
    if (deliveries.length > 0) await tx.webhookDelivery.createMany({ data: deliveries });
    const outbox = new Set(deliveries.map((d) => d.generationId));
    await tx.$queryRawUnsafe(
      `SELECT count(*)::int AS n FROM (SELECT pg_notify($1, note) FROM unnest($2::text[]) AS note) sent`,
      GENERATION_EVENTS_CHANNEL,
      events.map((e) => `${e.generation.id}:${e.seq}${outbox.has(e.generation.id) ? ':w' : ''}`),
    );
    return events.length;
  }

  /** Events of a generation after `afterSeq`, oldest first. */
  async after(generationId: string, afterSeq: number, limit = 500): Promise<StoredEvent[]> {
    const rows = await this.prisma.generationEvent.findMany({
      where: { generationId, seq: { gt: afterSeq } },
      orderBy: { seq: 'asc' },
      take: limit,
    });
    return rows.map((row) => ({
      generationId: row.generationId,
      seq: row.seq,
      type: row.type as GenerationEventType,
      payload: row.payload as Record<string, unknown>,
      createdAt: row.createdAt,
    }));
  }
}
