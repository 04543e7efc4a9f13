/**
 * The API's JSON responses, as types only: the one copy the clients (the command line in src/cli, the browser page
 * in src/web/public) import with `import type`, and the server's view classes implement, so a change on either
 * side that the other does not follow fails the type-check.
 *
 * Type-only on purpose: the page is compiled on its own (tsconfig.web.json) and the browser loads only its own
 * files, so this module imports types only (erased) and leaves nothing behind at run time.
 */

import type { Crop } from './crop.js';
import type { FailureCode } from './failures/failure-code.js';

// ------------------------------------------------------------------------------------------- generations

export type GenerationStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface SegmentView {
  index: number;
  /** queued, submitted, running, succeeded, failed, cancelled... (lower case, dashes) */
  status: string;
  durationSeconds: number;
  /** Cut to this length afterwards (the model cannot make it exactly). */
  trimToSeconds?: number;
  progress?: number;
  queuePosition?: number;
  error?: string;
}

export interface GenerationCredits {
  /** Credits reserved when the generation was created. */
  reserved: number;
  /** Credits charged for what was delivered. */
  used: number;
  /** Credits given back (failure, cancellation, undelivered segments). */
  refunded: number;
}

/** GET /video-gen/generations/:id, and the answer of every create, extend, chain and cancel. */
export interface GenerationView {
  id: string;
  /** image-to-video, text-to-video, extend or chain. */
  kind: string;
  model: string;
  /** Made by a simulated provider (development without provider keys): not a real video. */
  simulated: boolean;
  status: GenerationStatus;
  prompt: string;
  duration: string;
  projectId?: string;
  sourceImageKey?: string;
  parentId?: string;
  /** 0..100 */
  progress?: number;
  /** Requests ahead at the provider, when it says. */
  queuePosition?: number;
  segments: SegmentView[];
  credits: GenerationCredits;
  errorCode?: FailureCode;
  error?: string;
  s3Key?: string;
  /** Presigned, short-lived. */
  videoUrl?: string;
  /** Presigned, short-lived. */
  thumbnailUrl?: string;
  thumbnailKey?: string;
  durationSeconds?: number;
  width?: number;
  height?: number;
  bytes?: number;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  /** Milliseconds from creation to completion. */
  generationTime?: number;
}

/** GET /video-gen/generations: newest first; pass `nextCursor` as `cursor` for the next page (null on the last). */
export interface GenerationPage {
  items: GenerationView[];
  nextCursor: string | null;
}

export type GenerationEventType =
  'queued' | 'running' | 'progress' | 'segment' | 'succeeded' | 'failed' | 'cancelled';

/** One event of GET /video-gen/generations/:id/events (SSE `status` data): the view when it happened, and what. */
export interface GenerationEvent extends GenerationView {
  type: GenerationEventType;
  /** Increases by one per event of this generation; the SSE `id:`. */
  seq: number;
}

export type WebhookEventType =
  | 'generation.succeeded'
  | 'generation.failed'
  | 'generation.cancelled'
  | 'generation.progress'
  | 'generation.segment';

/** The JSON body of a webhook (Standard Webhooks). */
export interface WebhookPayload {
  type: WebhookEventType;
  /** When the event happened (ISO 8601). */
  timestamp: string;
  data: GenerationEvent;
}

/** POST /video-gen/generations/:id/stream-token: a short-lived `access_token` for the event stream. */
export interface StreamToken {
  token: string;
  expiresAt: string;
}

// ------------------------------------------------------------------------------------------- request bodies

/** Where the image sits in the frame, as fractions of its width and height (one home: common/crop.ts). */
export type { Crop };

/** Fields every create endpoint shares. */
export interface GenerationOptions {
  prompt: string;
  /** `5s`, `8s`, `10s`, or a model's own segment length such as `4s`. */
  duration?: string;
  projectId?: string;
  model?: string;
  aspectRatio?: string;
  resolution?: string;
  generateAudio?: boolean;
  negativePrompt?: string;
  seed?: number;
  webhookUrl?: string;
  webhookEvents?: WebhookEventType[];
}

/** POST /video-gen/generations (and POST /video-gen/quote): `id`, the uploaded image's key, for image-to-video. */
export interface CreateGenerationBody extends GenerationOptions {
  kind: 'image-to-video' | 'text-to-video';
  id?: string;
  frameIndex?: number;
  crop?: Crop;
}

/** POST /video-gen/generations/:id/extend. */
export type ExtendBody = Pick<
  GenerationOptions,
  'prompt' | 'duration' | 'model' | 'webhookUrl' | 'webhookEvents'
>;

/** POST /video-gen/chains (and POST /video-gen/chains/quote): `prompt` or `prompts`, not both. */
export interface ChainBody extends Pick<GenerationOptions, 'model' | 'webhookUrl' | 'webhookEvents'> {
  prompt?: string;
  prompts?: string[];
  totalDuration: number;
  imageId?: string;
  transition?: 'cut' | 'crossfade';
  projectId?: string;
}

// ------------------------------------------------------------------------------------------- quotes

export type SegmentMethod = 'text-to-video' | 'image-to-video' | 'last-frame' | 'native-extend';

export interface QuotedSegment {
  durationSeconds: number;
  trimToSeconds?: number;
  method: SegmentMethod;
}

/** POST /video-gen/quote and POST /video-gen/chains/quote. */
export interface QuoteView {
  model: string;
  /** What creating the same request now would reserve. */
  price: { credits: number };
  /** Seconds of video asked for. */
  durationSeconds: number;
  segments: QuotedSegment[];
  /** The caller's balance now. */
  balance: number;
  sufficient: boolean;
}

// ------------------------------------------------------------------------------------------- models

export interface ModelLifecycle {
  status: 'active' | 'deprecated' | 'retired';
  deprecatedAt?: string;
  sunsetAt?: string;
  replacement?: string;
  note?: string;
}

/** One entry of GET /video-gen/models. Credits are JSON numbers with at most one decimal place. */
export interface ModelView {
  /** The name to send as `model`. */
  name: string;
  displayName: string;
  description: string;
  provider: 'fal' | 'azure' | 'local';
  vendor: string;
  providerModel: string;
  textToVideoModel?: string;
  lifecycle: ModelLifecycle;
  /** `native`: the model's own extend endpoint; `last-frame`: a new segment from the last frame. */
  extend: 'native' | 'last-frame';
  extendSeconds?: number;
  maxPromptLength?: number;
  /** False for local-motion: it moves the still image, nothing is generated. */
  ai: boolean;
  kinds: Array<'image-to-video' | 'text-to-video'>;
  segmentDurations: number[];
  aspectRatios?: string[];
  resolutions?: string[];
  sizes?: string[];
  defaults: { aspectRatio?: string; resolution?: string; size?: string; generateAudio?: boolean };
  price: { credits: number; per: 'generation' | 'second' };
  features: { audio: boolean; negativePrompt: boolean; seed: boolean; frameIndex: boolean; crop: boolean };
  source?: { url: string; retrieved: string; note?: string };
  /** Whether this server can use the model now. */
  available: boolean;
  /** Settings to set for the model to become available. */
  missingSettings: string[];
}

export interface ModelList {
  models: ModelView[];
}

// ------------------------------------------------------------------------------------------- credits

/** Credits as JSON numbers with at most one decimal place (a balance of 150.0 is sent as 150). */
export interface Balance {
  balance: number;
}

export type LedgerEntryType = 'GRANT' | 'RESERVE' | 'CAPTURE' | 'REFUND' | 'ADJUSTMENT';

export interface LedgerEntry {
  id: string;
  type: LedgerEntryType;
  /** Change to the balance: GRANT and REFUND positive, RESERVE negative, CAPTURE 0. */
  amount: number;
  balanceAfter: number;
  reason: string;
  generationId: string | null;
  createdAt: string;
}

/** GET /credits/ledger: newest first; null `nextCursor` at the end. */
export interface LedgerPage {
  entries: LedgerEntry[];
  nextCursor: string | null;
}

/** POST /admin/credits/grant. */
export interface GrantResult {
  userId: string;
  balance: number;
  entry: LedgerEntry;
}

// ------------------------------------------------------------------------------------------- uploads

export type ImageContentType = 'image/jpeg' | 'image/png' | 'image/webp';

/** POST /uploads/images and POST /uploads/images/complete. */
export interface UploadedImage {
  /** Send it as `id` when creating a generation. */
  key: string;
  contentType: ImageContentType;
  width: number;
  height: number;
  bytes: number;
}

/** POST /uploads/images/presign: PUT the file to `url` with exactly `headers`, then complete with `key`. */
export interface PresignedImageUpload {
  key: string;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
}

// ------------------------------------------------------------------------------------------- errors

/** Every error's body. */
export interface ErrorBody {
  statusCode: number;
  /** What went wrong and what to do next; validation errors list one message per invalid field. */
  message: string | string[];
  /** The HTTP status name. */
  error: string;
  /** Only on 5xx: quote it when reporting a problem. */
  errorId?: string;
}
