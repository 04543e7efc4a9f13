import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as Contract from '../common/api-contract.js';
import { GenerationView } from './generation-view.js';

/** Every kind of change a generation goes through, in the order they can happen. */
export const GENERATION_EVENT_TYPES = [
  'queued',
  'running',
  'progress',
  'segment',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type GenerationEventType = (typeof GENERATION_EVENT_TYPES)[number];

/** The PostgreSQL NOTIFY channel that carries `<generationId>:<seq>` for every appended event. */
export const GENERATION_EVENTS_CHANNEL = 'generation_events';

/** Webhook event names (Standard Webhooks `type`), and which generation events produce them. */
export const WEBHOOK_EVENT_TYPES = [
  'generation.succeeded',
  'generation.failed',
  'generation.cancelled',
  'generation.progress',
  'generation.segment',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** What a subscription without `webhookEvents` receives: the end of the generation, whichever it is. */
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEventType[] = [
  'generation.succeeded',
  'generation.failed',
  'generation.cancelled',
];

export function webhookTypeOf(type: GenerationEventType): WebhookEventType | undefined {
  return type === 'queued' || type === 'running' ? undefined : (`generation.${type}` as WebhookEventType);
}

/** Whether a generation subscribed with `webhookEvents` (empty = the default three) gets this event. */
export function webhookSubscribed(
  webhookEvents: readonly string[],
  type: GenerationEventType,
): WebhookEventType | undefined {
  const webhookType = webhookTypeOf(type);
  if (!webhookType) return undefined;
  const subscribed = webhookEvents.length > 0 ? webhookEvents : DEFAULT_WEBHOOK_EVENTS;
  return subscribed.includes(webhookType) ? webhookType : undefined;
}

/** Progress events are throttled: at most one per this interval per generation, and only for a real change. */
export const PROGRESS_EVENT_INTERVAL_MS = 1_000;

/**
 * Whether a progress change deserves an event: always after another kind of event; otherwise only when the
 * progress or queue position moved and the last progress event is at least PROGRESS_EVENT_INTERVAL_MS old.
 */
export function progressWorthAnEvent(
  last: { type: string; createdAt: Date; progress?: number; queuePosition?: number } | undefined,
  next: { progress?: number; queuePosition?: number },
  now: Date,
): boolean {
  if (!last || last.type !== 'progress') return true;
  if (last.progress === next.progress && last.queuePosition === next.queuePosition) return false;
  return now.getTime() - last.createdAt.getTime() >= PROGRESS_EVENT_INTERVAL_MS;
}

/** One event on the SSE stream: the generation view when it happened, plus what happened. */
export class GenerationEventView extends GenerationView implements Contract.GenerationEvent {
  @ApiProperty({ enum: GENERATION_EVENT_TYPES, description: 'What changed' })
  type!: GenerationEventType;
  @ApiProperty({ description: 'Increases by one per event of this generation; the SSE `id:`' })
  seq!: number;
}

/** The JSON body of a webhook (Standard Webhooks): signed with the headers webhook-id/-timestamp/-signature. */
export class WebhookPayloadView implements Contract.WebhookPayload {
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES }) type!: WebhookEventType;
  @ApiProperty({ description: 'When the event happened (ISO 8601)' }) timestamp!: string;
  @ApiProperty({ type: GenerationEventView, description: 'The generation at that moment' })
  data!: GenerationEventView;
}

export class WebhookAttemptView {
  @ApiProperty() attemptedAt!: string;
  @ApiPropertyOptional({ description: 'The receiver’s HTTP status, when it answered' }) statusCode?: number;
  @ApiPropertyOptional({ description: 'Why the attempt failed' }) error?: string;
  @ApiProperty() durationMs!: number;
}

export class WebhookDeliveryView {
  @ApiProperty({ description: 'The webhook-id header, the same on every attempt', example: 'msg_2b…' })
  id!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES }) type!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'dead'] }) status!: string;
  @ApiProperty() eventSeq!: number;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional() deliveredAt?: string;
  @ApiPropertyOptional({ description: 'When the next attempt is due (pending only)' }) nextAttemptAt?: string;
  @ApiProperty({ type: [WebhookAttemptView] }) attempts!: WebhookAttemptView[];
}

/** Largest webhook body sent; a larger one has its long text fields shortened. */
export const WEBHOOK_MAX_PAYLOAD_BYTES = 64 * 1024;

/** The webhook body for an event, kept within WEBHOOK_MAX_PAYLOAD_BYTES. */
export function webhookPayload(
  type: WebhookEventType,
  timestamp: Date,
  data: Record<string, unknown>,
): { type: WebhookEventType; timestamp: string; data: Record<string, unknown> } {
  const payload = { type, timestamp: timestamp.toISOString(), data };
  if (Buffer.byteLength(JSON.stringify(payload)) <= WEBHOOK_MAX_PAYLOAD_BYTES) return payload;
  const shorten = (text: unknown) => (typeof text === 'string' ? `${text.slice(0, 500)}…` : text);
  const segments = Array.isArray(data.segments)
    ? (data.segments as Array<Record<string, unknown>>).map((s) => ({ ...s, error: shorten(s.error) }))
    : data.segments;
  return {
    ...payload,
    data: { ...data, prompt: shorten(data.prompt), error: shorten(data.error), segments },
  };
}
