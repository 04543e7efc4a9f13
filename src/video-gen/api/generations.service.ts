import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConflictError, InvalidRequestError, NotFoundError } from '../../common/domain-errors.js';
import { AppConfig } from '../../config/app-config.js';
import { assertOwnedKey, ownedOr404 } from '../../auth/ownership.js';
import { invalidCursor } from '../../common/cursor.js';
import type { AuthUser } from '../../auth/auth-user.js';
import { CreditsService } from '../../credits/credits.service.js';
import type { Credits } from '../../credits/credit-amount.js';
import { priceOf, Quote, quoteFor } from '../../credits/pricing.js';
import { GenerationKind as DbKind, Prisma } from '../../generated/prisma/client.js';
import { JobName } from '../../jobs/job-definitions.js';
import { JobQueue } from '../../jobs/job-queue.js';
import { ModelCatalog } from '../../providers/model-catalog.js';
import { lifecycleHeaders } from '../../providers/model-lifecycle.js';
import type { GenerationKind, ModelEntry } from '../../providers/model-catalog.types.js';
import { ObjectStorage } from '../../storage/object-storage.js';
import { ValidatedImageRepository } from '../../uploads/validated-images.repository.js';
import type { PlannedSegment } from '../duration-planner.js';
import { buildParams, GenerationParams, planFor, requestHash, RequestFields } from '../generation-request.js';
import { WebhooksService, type WebhookSubscription } from '../../webhooks/webhooks.service.js';
import { GenerationEventsRepository } from '../generation-events.repository.js';
import { type Generation, type GenerationStatus, GENERATION_STATUSES, isTerminal } from '../generation.js';
import { GenerationSettlement } from '../generation-settlement.service.js';
import { GenerationView, toGenerationView } from '../generation-view.js';
import { GenerationCredits } from '../generation-credits.service.js';
import { GenerationsRepository } from '../generations.repository.js';

export interface CreateGenerationCommand {
  user: AuthUser;
  kind: GenerationKind;
  /** Defaults to veo3 for image-to-video (seed 002). */
  modelName?: string;
  fields: RequestFields;
  /** Which endpoint received the request, for the idempotency fingerprint. */
  endpoint: string;
  body: unknown;
  idempotencyKey?: string;
}

export interface CreatedGeneration {
  generation: Generation;
  /** True when an earlier request with the same Idempotency-Key created it. */
  replayed: boolean;
  /** The balance right after the reservation; absent on a replay (nothing was reserved). */
  balance?: Credits;
  /** Deprecation, Sunset and Link for a deprecated model (see model-lifecycle.ts); empty otherwise. */
  headers: Record<string, string>;
}

/** A request that passed every check, priced and planned, and the caller's balance against that price. */
export interface QuotedGeneration {
  planned: PlannedGeneration;
  quote: Quote;
}

export interface ChainRequest extends WebhookFields {
  prompt?: string;
  prompts?: string[];
  totalDuration: number;
  model?: string;
  imageId?: string;
  transition?: 'cut' | 'crossfade';
  projectId?: string;
}

export interface PlannedGeneration {
  user: AuthUser;
  dbKind: DbKind;
  model: ModelEntry;
  params: GenerationParams;
  plan: PlannedSegment[];
  price: Credits;
  parentId?: string;
  endpoint: string;
  body: unknown;
  idempotencyKey?: string;
  /** Extend: the original video, already delivered and paid for, becomes segment 0. */
  deliveredFirst?: { s3Key: string; durationSeconds: number; prompt: string };
  /** Checked webhook subscription (WebhooksService.subscription), if the request asked for webhooks. */
  webhook?: WebhookSubscription;
}

/** The webhook fields every create body may carry. */
export interface WebhookFields {
  webhookUrl?: string;
  webhookEvents?: string[];
}

/** veo3 is the seed's image-to-video model; text-to-video moved from the retired Sora 2 to Veo 3.1. */
export const DEFAULT_MODEL: Record<GenerationKind, string> = {
  'image-to-video': 'veo3',
  'text-to-video': 'veo3.1',
};
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Creating, reading and cancelling generations. A generation is created only once every check has passed,
 * and its row, its credit reservation and its job are written in ONE transaction: there is never a
 * charge without a job, or a job without a charge.
 */
@Injectable()
export class GenerationsService {
  private readonly logger = new Logger(GenerationsService.name);

  constructor(
    @Inject(GenerationsRepository) private readonly generations: GenerationsRepository,
    @Inject(GenerationSettlement) private readonly settlement: GenerationSettlement,
    @Inject(CreditsService) private readonly credits: CreditsService,
    @Inject(GenerationCredits) private readonly money: GenerationCredits,
    @Inject(JobQueue) private readonly jobs: JobQueue,
    @Inject(ModelCatalog) private readonly catalog: ModelCatalog,
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(ValidatedImageRepository) private readonly validatedImages: ValidatedImageRepository,
    @Inject(GenerationEventsRepository) private readonly events: GenerationEventsRepository,
    @Inject(WebhooksService) private readonly webhooks: WebhooksService,
  ) {}

  async create(command: CreateGenerationCommand): Promise<CreatedGeneration> {
    checkIdempotencyKey(command.idempotencyKey);
    return this.createPlanned(await this.prepare(command));
  }

  /**
   * Every check of a create request, then its plan and price; nothing is written. Create and quote share it,
   * so a quote fails exactly where the create would, and prices exactly what the create reserves.
   */
  async prepare(command: CreateGenerationCommand): Promise<PlannedGeneration> {
    const { user, kind, fields } = command;
    const model = this.catalog.requireUsable(command.modelName ?? DEFAULT_MODEL[kind], kind);
    const params = buildParams(kind, model, fields);
    if (kind === 'image-to-video') {
      if (!fields.id) throw new InvalidRequestError(['id should not be empty']);
      params.sourceImageKey = await this.requireImage(user, fields.id);
    }
    const plan = planFor(model, params.durationSeconds, this.config.generation.maxSegments);
    const webhook = await this.webhooks.subscription(fields as WebhookFields);
    return {
      user,
      webhook,
      dbKind: kind === 'image-to-video' ? 'IMAGE_TO_VIDEO' : 'TEXT_TO_VIDEO',
      model,
      params,
      plan,
      // One generation, however many provider runs it takes (a chain pays per segment, below).
      price: priceOf(model, { seconds: params.durationSeconds, segments: 1 }),
      endpoint: command.endpoint,
      body: command.body,
      idempotencyKey: command.idempotencyKey,
    };
  }

  /** What a prepared request costs against the caller's balance. Charges nothing and writes nothing. */
  async quote(planned: PlannedGeneration): Promise<QuotedGeneration> {
    const balance = await this.credits.availableBalance(planned.user.id);
    return { planned, quote: quoteFor(planned.price, balance) };
  }

  /** Writes the generation, its segments, the reservation and the job in one transaction. */
  async createPlanned(planned: PlannedGeneration): Promise<CreatedGeneration> {
    const { user, params, plan, model } = planned;
    const hash = requestHash(planned.endpoint, planned.body);
    const headers = lifecycleHeaders(model);
    if (planned.idempotencyKey) {
      const existing = await this.findByIdempotencyKey(user.id, planned.idempotencyKey, hash);
      if (existing) return { generation: existing, replayed: true, headers };
    }
    const id = randomUUID();
    const deadlineAt = new Date(Date.now() + this.config.generation.deadlineMs);
    try {
      const balance = await this.generations.transaction(
        async (tx) => {
          await this.generations.insert(tx, {
            id,
            userId: user.id,
            kind: planned.dbKind,
            model: model.name,
            prompt: params.prompt,
            params: params as unknown as Prisma.InputJsonValue,
            projectId: params.projectId,
            sourceImageKey: params.sourceImageKey,
            parentId: planned.parentId,
            idempotencyKey: planned.idempotencyKey,
            requestHash: planned.idempotencyKey ? hash : undefined,
            deadlineAt,
            webhookUrl: planned.webhook?.url,
            webhookEvents: planned.webhook?.events ?? [],
            segments: {
              create: segmentRows(planned),
            },
          });
          const reservation = await this.money.reserve(tx, id, {
            userId: user.id,
            amount: planned.price,
            reason: `${model.name} ${params.kind} ${params.duration}`,
          });
          await this.jobs.send(JobName.GenerationRun, { generationId: id, provider: model.provider }, { tx });
          await this.events.append(tx, [id], 'queued');
          return reservation.balance;
        },
        { maxWait: 30_000, timeout: 30_000 },
      );
      this.logger.log(
        `generation ${id} queued: ${model.name}, ${plan.length} segment(s), ${planned.price} credits`,
      );
      return { generation: await this.load(id), replayed: false, balance, headers };
    } catch (error) {
      // A concurrent request with the same Idempotency-Key won the race: answer with its generation.
      if (planned.idempotencyKey && isUniqueViolation(error)) {
        const existing = await this.findByIdempotencyKey(user.id, planned.idempotencyKey, hash);
        if (existing) return { generation: existing, replayed: true, headers };
      }
      throw error;
    }
  }

  /**
   * Seed 000's video extension: a new generation whose video is the original followed by a new segment made
   * from the original's last frame. Billed for the new part only.
   */
  async extend(
    user: AuthUser,
    parentId: string,
    request: { prompt: string; duration?: string; model?: string } & WebhookFields,
    idempotencyKey?: string,
  ): Promise<CreatedGeneration> {
    checkIdempotencyKey(idempotencyKey);
    const parent = await this.get(user, parentId);
    if (parent.status !== 'SUCCEEDED' || !parent.s3Key || parent.durationSeconds === null) {
      throw new ConflictError(
        `Generation ${parentId} has no finished video to extend (it is ${parent.status.toLowerCase()})`,
      );
    }
    const model = this.catalog.requireUsable(request.model ?? parent.model, 'image-to-video');
    const parentSeconds = Number(parent.durationSeconds);
    const native = model.extend === 'native' ? model.fal?.extendSeconds : undefined;
    const params = buildParams('image-to-video', model, {
      prompt: request.prompt,
      // A native extension has one length (Veo 3.1: 7 s): that is the default, not the seed's 8 s.
      duration: request.duration ?? (native ? `${native}s` : undefined),
      projectId: parent.projectId ?? undefined,
    });
    const newSeconds = params.durationSeconds;
    // The same cap as a chain: an extension is one video of the original's length plus the new part.
    const { chainMaxSeconds } = this.config.generation;
    if (parentSeconds + newSeconds > chainMaxSeconds) {
      throw new InvalidRequestError([
        `The extended video would be ${Math.round((parentSeconds + newSeconds) * 10) / 10}s; at most ` +
          `${chainMaxSeconds}s in all is allowed (CHAIN_MAX_SECONDS). Extend a shorter video or choose a shorter duration.`,
      ]);
    }
    const newPlan = planFor(model, newSeconds, this.config.generation.maxSegments - 1, 'extend');
    if (native) params.nativeExtendFrom = 1;
    params.durationSeconds = Math.round((parentSeconds + newSeconds) * 1000) / 1000;
    const webhook = await this.webhooks.subscription(request);
    return this.createPlanned({
      user,
      webhook,
      dbKind: 'EXTEND',
      model,
      params,
      plan: newPlan.map((segment) => ({ ...segment, index: segment.index + 1 })),
      // Billed for the new part only, as one generation of that length.
      price: priceOf(model, { seconds: newSeconds, segments: 1 }),
      parentId: parent.id,
      deliveredFirst: { s3Key: parent.s3Key, durationSeconds: parentSeconds, prompt: parent.prompt },
      endpoint: `POST /video-gen/generations/${parentId}/extend`,
      body: request,
      idempotencyKey,
    });
  }

  /**
   * Seed 000's `chain_videos.py`: one long video from planned segments, each made from the previous one's
   * last frame. Every segment is reserved up front; segments never made are refunded.
   */
  async createChain(
    user: AuthUser,
    request: ChainRequest,
    idempotencyKey?: string,
  ): Promise<CreatedGeneration> {
    checkIdempotencyKey(idempotencyKey);
    return this.createPlanned(await this.prepareChain(user, request, idempotencyKey));
  }

  /** Every check of a chain request, then its plan and price; nothing is written (create and quote share it). */
  async prepareChain(
    user: AuthUser,
    request: ChainRequest,
    idempotencyKey?: string,
  ): Promise<PlannedGeneration> {
    const first = request.prompts?.[0] ?? request.prompt;
    if (!first) throw new InvalidRequestError(['prompt or prompts should not be empty']);
    const { chainMaxSeconds, maxSegments } = this.config.generation;
    if (request.totalDuration > chainMaxSeconds) {
      throw new InvalidRequestError(
        `totalDuration must not be greater than ${chainMaxSeconds} (CHAIN_MAX_SECONDS)`,
      );
    }
    const kind: GenerationKind = request.imageId ? 'image-to-video' : 'text-to-video';
    const model = this.catalog.requireUsable(request.model ?? DEFAULT_MODEL['text-to-video'], kind);
    const plan = planFor(model, request.totalDuration, maxSegments, 'chain');
    if (plan.length > 1 && !model.kinds.includes('image-to-video')) {
      throw new InvalidRequestError(
        `Model "${model.name}" cannot continue a video from its last frame (it does no image-to-video)`,
      );
    }
    const prompts = request.prompts ?? [first];
    const limit = model.maxPromptLength;
    const tooLong = limit === undefined ? -1 : prompts.findIndex((p) => p.length > limit);
    if (tooLong >= 0) {
      throw new InvalidRequestError(
        `Model "${model.name}" takes prompts of at most ${limit} characters; prompt ${tooLong + 1} has ` +
          `${prompts[tooLong].length}. Shorten it.`,
      );
    }
    const params = buildParams(kind, model, {
      prompt: first,
      duration: `${request.totalDuration}s`,
      projectId: request.projectId,
      id: request.imageId,
    });
    params.segmentPrompts = plan.map((segment) => prompts[Math.min(segment.index, prompts.length - 1)]);
    params.transition = request.transition ?? 'cut';
    if (model.extend === 'native' && plan.length > 1) params.nativeExtendFrom = 1;
    if (request.imageId) params.sourceImageKey = await this.requireImage(user, request.imageId);
    const webhook = await this.webhooks.subscription(request);
    return {
      user,
      webhook,
      dbKind: 'CHAIN',
      model,
      params,
      plan,
      price: priceOf(model, { seconds: request.totalDuration, segments: plan.length }),
      endpoint: 'POST /video-gen/chains',
      body: request,
      idempotencyKey,
    };
  }

  /**
   * The caller's own image (403 for someone else's key), and one that passed upload validation: an object
   * PUT with a presigned URL but never completed was never decoded, and would fail after charging.
   */
  async requireImage(user: AuthUser, key: string): Promise<string> {
    const owned = assertOwnedKey(user, key, 'images');
    const notUploaded = () =>
      new InvalidRequestError([
        `No checked image at ${owned}: upload it with POST /uploads/images or complete the direct upload first ` +
          '(POST /uploads/images/complete)',
      ]);
    if (!(await this.validatedImages.isValidated(user.id, owned))) throw notUploaded();
    // Validated once, but removed from the bucket since.
    if (!(await this.storage.head(owned))) throw notUploaded();
    return owned;
  }

  async get(user: AuthUser, id: string): Promise<Generation> {
    if (!isUuid(id)) throw new NotFoundError('Generation not found');
    const generation = await this.generations.find(id);
    // A deleted generation is gone for its owner too; only its ledger entries remain.
    return ownedOr404(generation?.deletedAt ? null : generation, user);
  }

  load(id: string): Promise<Generation> {
    return this.generations.load(id);
  }

  /** The API view, with short-lived presigned URLs for a finished video. */
  async view(generation: Generation): Promise<GenerationView> {
    const urls: { videoUrl?: string; thumbnailUrl?: string } = {};
    if (generation.status === 'SUCCEEDED' && generation.s3Key) {
      urls.videoUrl = await this.storage.presignGet(generation.s3Key);
      if (generation.thumbnailKey) urls.thumbnailUrl = await this.storage.presignGet(generation.thumbnailKey);
    }
    return toGenerationView(generation, urls, this.isSimulated(generation));
  }

  /** Simulated mode answers fal and Azure models from simulators; local-motion renders for real either way. */
  isSimulated(generation: { model: string }): boolean {
    return (
      this.config.providers.mode === 'simulated' && this.catalog.find(generation.model)?.provider !== 'local'
    );
  }

  /** A stored event payload (a view without URLs) with fresh presigned URLs when it is a finished video. */
  async withUrls(payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (payload.status !== 'succeeded' || typeof payload.s3Key !== 'string') return payload;
    const urls: { videoUrl: string; thumbnailUrl?: string } = {
      videoUrl: await this.storage.presignGet(payload.s3Key),
    };
    if (typeof payload.thumbnailKey === 'string') {
      urls.thumbnailUrl = await this.storage.presignGet(payload.thumbnailKey);
    }
    return { ...payload, ...urls };
  }

  async list(
    user: AuthUser,
    query: { cursor?: string; limit?: number; status?: string; projectId?: string },
  ): Promise<{ items: Generation[]; nextCursor: string | null }> {
    const limit = query.limit ?? 20;
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const status = query.status?.toUpperCase() as GenerationStatus | undefined;
    // A status no generation can have matches none (the DTO has checked it already).
    if (status && !GENERATION_STATUSES.includes(status)) return { items: [], nextCursor: null };
    const rows = await this.generations.page(user.id, {
      limit: limit + 1,
      status,
      projectId: query.projectId,
      cursor,
    });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  /**
   * Cancels a queued or running generation: marks it cancelled and refunds what was not delivered in one
   * transaction, then asks the provider to stop (the settlement's rules). 409 once it has ended, or once the
   * worker is storing its finished video.
   */
  async cancel(user: AuthUser, id: string): Promise<Generation> {
    const generation = await this.get(user, id);
    if (isTerminal(generation)) {
      throw new ConflictError(`Generation ${id} is already ${generation.status.toLowerCase()}`);
    }
    if (generation.storingAt) throw storingConflict(id);
    if (!(await this.settlement.cancel(generation))) {
      const current = await this.load(id);
      if (!isTerminal(current) && current.storingAt) throw storingConflict(id);
      throw new ConflictError(`Generation ${id} is already ${current.status.toLowerCase()}`);
    }
    return this.load(id);
  }

  private async findByIdempotencyKey(
    userId: string,
    key: string,
    hash: string,
  ): Promise<Generation | undefined> {
    const existing = await this.generations.findByIdempotencyKey(userId, key);
    if (!existing) return undefined;
    if (existing.deletedAt) {
      throw new ConflictError(
        'This Idempotency-Key belongs to a generation you deleted; use a new key for a new request',
      );
    }
    if (existing.requestHash !== hash) {
      throw new ConflictError(
        'This Idempotency-Key was already used with a different request; use a new key for a new request',
      );
    }
    return existing;
  }
}

/** The segment rows of a new generation: the delivered original first (extend), then the planned calls. */
function segmentRows(planned: PlannedGeneration): Prisma.GenerationSegmentCreateWithoutGenerationInput[] {
  const { params, plan, model, deliveredFirst } = planned;
  const rows: Prisma.GenerationSegmentCreateWithoutGenerationInput[] = [];
  if (deliveredFirst) {
    rows.push({
      index: 0,
      status: 'SUCCEEDED',
      prompt: deliveredFirst.prompt,
      durationSeconds: new Prisma.Decimal(deliveredFirst.durationSeconds),
      provider: 'delivered',
      s3Key: deliveredFirst.s3Key,
      progress: 100,
      completedAt: new Date(),
    });
  }
  for (const segment of plan) {
    rows.push({
      index: segment.index,
      prompt: params.segmentPrompts?.[segment.index] ?? params.prompt,
      durationSeconds: new Prisma.Decimal(segment.durationSeconds),
      trimToSeconds:
        segment.trimToSeconds === undefined ? undefined : new Prisma.Decimal(segment.trimToSeconds),
      provider: model.provider,
    });
  }
  return rows;
}

function storingConflict(id: string): ConflictError {
  return new ConflictError(
    `Generation ${id} is already storing its finished video and can no longer be cancelled; ` +
      'it will be done in a moment',
  );
}

function checkIdempotencyKey(key: string | undefined): void {
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new InvalidRequestError('Idempotency-Key must be 1 to 200 visible ASCII characters');
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (
    (error as { code?: string })?.code === 'P2002' || /Unique constraint|duplicate key/i.test(String(error))
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (Number.isNaN(createdAt.getTime()) || !id || !isUuid(id)) throw invalidCursor();
  return { createdAt, id };
}
