import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InvalidRequestError, NotFoundError } from '../common/domain-errors.js';
import { Webhook } from 'standardwebhooks';
import { AppConfig } from '../config/app-config.js';
import { PrismaService } from '../database/prisma.service.js';
import type { WebhookDelivery, WebhookAttempt } from '../generated/prisma/client.js';
import { ObjectStorage } from '../storage/object-storage.js';
import { WebhookDeliveryView, WEBHOOK_EVENT_TYPES } from '../video-gen/generation-events.js';
import { nextWebhookAttempt } from './webhook-schedule.js';
import { WebhookSender } from './webhook-sender.js';
import { assertPublicHost, parseWebhookUrl, systemResolver, WebhookUrlError } from './webhook-url.js';

/** How long the secret replaced by a rotation keeps signing (receivers verify with either meanwhile). */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

export interface WebhookSubscription {
  url: string;
  events: string[];
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Webhooks to the Standard Webhooks spec: each user's signing secret (rotated with a 24 h overlap), the
 * check of a subscription at create, and the delivery of one outbox row (sign, send, record the attempt,
 * schedule the retry or mark it delivered or dead).
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Inject(WebhookSender) private readonly sender: WebhookSender,
  ) {}

  /**
   * Checks `webhookUrl`/`webhookEvents` of a create request (400 with the reason otherwise), before anything
   * is charged. Undefined when the request subscribes to nothing.
   */
  async subscription(body: {
    webhookUrl?: string;
    webhookEvents?: string[];
  }): Promise<WebhookSubscription | undefined> {
    if (body.webhookUrl === undefined) {
      if (body.webhookEvents !== undefined) {
        throw new InvalidRequestError(['webhookEvents needs a webhookUrl to deliver to']);
      }
      return undefined;
    }
    const unknown = (body.webhookEvents ?? []).filter(
      (e) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e),
    );
    if (unknown.length > 0) {
      throw new InvalidRequestError([
        `webhookEvents has unknown event(s) ${unknown.join(', ')}; use ${WEBHOOK_EVENT_TYPES.join(', ')}`,
      ]);
    }
    try {
      const url = parseWebhookUrl(body.webhookUrl, this.config.webhooks.allowPrivate);
      await assertPublicHost(url, this.config.webhooks.allowPrivate, systemResolver);
      return { url: url.toString(), events: [...new Set(body.webhookEvents ?? [])] };
    } catch (error) {
      if (error instanceof WebhookUrlError) throw new InvalidRequestError([error.message]);
      throw error;
    }
  }

  /** The user's signing secret, created on first use. */
  async secret(userId: string): Promise<string> {
    const existing = await this.prisma.webhookSecret.findUnique({ where: { userId } });
    if (existing) return existing.secret;
    const created = await this.prisma.webhookSecret.upsert({
      where: { userId },
      create: { userId, secret: newSecret() },
      update: {},
    });
    return created.secret;
  }

  /** A new secret; the old one keeps signing (alongside) for PREVIOUS_SECRET_GRACE_MS. */
  async rotate(userId: string): Promise<{ secret: string; previousValidUntil: string }> {
    const current = await this.secret(userId);
    const previousUntil = new Date(Date.now() + PREVIOUS_SECRET_GRACE_MS);
    const secret = newSecret();
    await this.prisma.webhookSecret.update({
      where: { userId },
      data: { secret, previousSecret: current, previousUntil },
    });
    return { secret, previousValidUntil: previousUntil.toISOString() };
  }

  async deliveriesOf(generationId: string): Promise<WebhookDeliveryView[]> {
    const rows = await this.prisma.webhookDelivery.findMany({
      where: { generationId },
      orderBy: [{ createdAt: 'asc' }, { eventSeq: 'asc' }],
      include: { attempts: { orderBy: { attemptedAt: 'asc' } } },
    });
    return rows.map(toDeliveryView);
  }

  /** One more attempt now, whatever the delivery's state (the owner asked for it). */
  async redeliver(userId: string, deliveryId: string): Promise<WebhookDeliveryView> {
    const delivery = await this.prisma.webhookDelivery.findUnique({ where: { id: deliveryId } });
    if (!delivery || delivery.userId !== userId) throw new NotFoundError('Webhook delivery not found');
    await this.attempt(deliveryId, { manual: true });
    const updated = await this.prisma.webhookDelivery.findUniqueOrThrow({
      where: { id: deliveryId },
      include: { attempts: { orderBy: { attemptedAt: 'asc' } } },
    });
    return toDeliveryView(updated);
  }

  /**
   * Signs and sends one delivery (the same webhook-id every time) and records the attempt. A failure is retried
   * on the schedule (nextWebhookAttempt) until the delivery is dead; a manual attempt does not move that schedule.
   */
  async attempt(deliveryId: string, options: { manual?: boolean } = {}): Promise<boolean> {
    const delivery = await this.prisma.webhookDelivery.findUnique({ where: { id: deliveryId } });
    if (!delivery) return false;
    if (delivery.status === 'DELIVERED' && !options.manual) return true;
    const now = new Date();
    const body = JSON.stringify(await this.withUrls(delivery.payload as Record<string, unknown>));
    const signatures = await this.signatures(delivery.userId, delivery.id, now, body);
    const result = await this.sender.send(
      delivery.url,
      {
        'webhook-id': delivery.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signatures,
      },
      body,
    );
    const attemptCount = delivery.attemptCount + 1;
    const next = result.ok
      ? undefined
      : nextWebhookAttempt(attemptCount, delivery.createdAt, new Date(), this.config.webhooks.retryBaseMs);
    await this.prisma.$transaction([
      this.prisma.webhookAttempt.create({
        data: {
          deliveryId,
          attemptedAt: now,
          statusCode: result.statusCode,
          error: result.error,
          durationMs: result.durationMs,
        },
      }),
      this.prisma.webhookDelivery.update({
        where: { id: deliveryId },
        data: result.ok
          ? { attemptCount, status: 'DELIVERED', deliveredAt: new Date(), nextAttemptAt: null }
          : options.manual
            ? { attemptCount }
            : next === 'dead'
              ? { attemptCount, status: 'DEAD', nextAttemptAt: null }
              : { attemptCount, nextAttemptAt: next },
      }),
    ]);
    if (!result.ok) {
      this.logger.warn(`webhook ${deliveryId} attempt ${attemptCount} failed: ${result.error}`);
    }
    return result.ok;
  }

  /** Claims up to `limit` due deliveries for `leaseMs` (FOR UPDATE SKIP LOCKED: one process per delivery). */
  async claimDue(limit: number, leaseMs: number): Promise<string[]> {
    const rows = await this.prisma.$queryRawUnsafe<Array<{ id: string }>>(
      `WITH due AS (
         SELECT id FROM "WebhookDelivery"
         WHERE status = 'PENDING' AND "nextAttemptAt" <= (now() AT TIME ZONE 'UTC')
         ORDER BY "nextAttemptAt" LIMIT $1::int FOR UPDATE SKIP LOCKED
       )
       UPDATE "WebhookDelivery" d
       SET "nextAttemptAt" = (now() AT TIME ZONE 'UTC') + $2::int * interval '1 millisecond'
       FROM due WHERE d.id = due.id RETURNING d.id`,
      limit,
      Math.round(leaseMs),
    );
    return rows.map((row) => row.id);
  }

  private async signatures(userId: string, msgId: string, at: Date, body: string): Promise<string> {
    await this.secret(userId);
    const row = await this.prisma.webhookSecret.findUniqueOrThrow({ where: { userId } });
    const secrets = [row.secret];
    if (row.previousSecret && row.previousUntil && row.previousUntil.getTime() > Date.now()) {
      secrets.push(row.previousSecret);
    }
    // The spec's space-separated list: a receiver holding either secret verifies.
    return secrets.map((secret) => new Webhook(secret).sign(msgId, at, body)).join(' ');
  }

  /** A succeeded generation's webhook carries fresh presigned URLs, made at send time. */
  private async withUrls(payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const data = payload.data as Record<string, unknown> | undefined;
    if (!data || data.status !== 'succeeded' || typeof data.s3Key !== 'string') return payload;
    const urls: Record<string, string> = { videoUrl: await this.storage.presignGet(data.s3Key) };
    if (typeof data.thumbnailKey === 'string')
      urls.thumbnailUrl = await this.storage.presignGet(data.thumbnailKey);
    return { ...payload, data: { ...data, ...urls } };
  }
}

function toDeliveryView(row: WebhookDelivery & { attempts: WebhookAttempt[] }): WebhookDeliveryView {
  return {
    id: row.id,
    type: row.type,
    url: row.url,
    status: row.status.toLowerCase(),
    eventSeq: row.eventSeq,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString(),
    nextAttemptAt: row.status === 'PENDING' ? row.nextAttemptAt?.toISOString() : undefined,
    attempts: row.attempts.map((a) => ({
      attemptedAt: a.attemptedAt.toISOString(),
      statusCode: a.statusCode ?? undefined,
      error: a.error ?? undefined,
      durationMs: a.durationMs,
    })),
  };
}
