import type { Readable } from 'node:stream';
import type { Crop } from '../common/crop.js';
import type { ModelEntry } from './model-catalog.types.js';
import type { ProviderFailedError, ProviderRejectedError } from './provider-errors.js';

export interface SourceImage {
  bytes: Buffer;
  /** `image/jpeg`, `image/png` or `image/webp`. */
  contentType: string;
  width: number;
  height: number;
}

export interface SourceVideo {
  bytes: Buffer;
  contentType: string;
  durationSeconds: number;
}

export interface GenerationInput {
  model: ModelEntry;
  prompt: string;
  /** Present for image-to-video, absent for text-to-video. */
  image?: SourceImage;
  /**
   * A native extension (`model.extend === 'native'`): the video to continue, already cut to what the extend
   * endpoint takes. The result may be the new part alone or the input followed by it; the receive step keeps the new part.
   */
  video?: SourceVideo;
  /** One of the model's native segment durations (`model.segmentDurations`). */
  durationSeconds: number;
  /** fal: `auto` | `16:9` | `9:16`. */
  aspectRatio?: string;
  /** fal: `720p` | `1080p` | `4k`. */
  resolution?: string;
  /** Azure and local-motion: `WIDTHxHEIGHT`, one of `model.sizes`. */
  size?: string;
  generateAudio?: boolean;
  negativePrompt?: string;
  seed?: number;
  /** Azure jobs API: the frame at which the image appears. */
  frameIndex?: number;
  crop?: Crop;
}

/**
 * What the caller persists right after `submit` and hands back to `poll`, `fetchResult` and `cancel`,
 * possibly in another process after a restart. Plain JSON: no class instances, no dates.
 */
export type ProviderRef = FalRef | AzureRef | LocalRef;

export interface FalRef {
  provider: 'fal';
  /** The full endpoint id it was submitted to; status/result/cancel derive owner/app from it. */
  endpoint: string;
  requestId: string;
  /** Dotted path of the video URL in the result, when not `video.url` (from the catalog mapping). */
  videoUrlPath?: string;
}

export interface AzureRef {
  provider: 'azure';
  api: 'videos' | 'jobs';
  deployment: string;
  /** Sora 2 video id or Sora 1 job id. */
  id: string;
}

export interface LocalRef {
  provider: 'local';
  jobId: string;
}

export type GenerationState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface PollResult {
  state: GenerationState;
  /** 0..100 when the provider reports it. */
  progress?: number;
  /** Requests ahead of this one, when the provider reports it (fal). */
  queuePosition?: number;
  /** Set when `state` is `failed`: why, already classified. */
  error?: ProviderRejectedError | ProviderFailedError;
}

export interface VideoResult {
  /** The video bytes as they arrive; errors on it are ProviderErrors. Never buffered whole. */
  stream: Readable;
  contentType: string;
  /** From Content-Length when the provider sends it. */
  bytes?: number;
}

/** Looking up an ambiguous submit: found (resume polling), absent (safe to resubmit) or unknowable. */
export type SubmissionLookup = { found: ProviderRef } | { absent: true } | { unknown: string };

/**
 * One video generation backend. Injection token for the registry's providers; each adapter is stateless
 * apart from its HTTP client, so every method works with only the persisted ref.
 *
 * Every method throws only ProviderErrors (see provider-errors.ts).
 */
export abstract class VideoProvider {
  abstract readonly name: 'fal' | 'azure' | 'local';

  /** Sends the job. Returns as soon as the provider has accepted it; the caller persists the ref first. */
  abstract submit(input: GenerationInput): Promise<ProviderRef>;

  abstract poll(ref: ProviderRef): Promise<PollResult>;

  /** Streams the finished video. Call only after `poll` reported `succeeded`. */
  abstract fetchResult(ref: ProviderRef): Promise<VideoResult>;

  /** Best effort: the provider may already have finished. Never throws for an already-finished job. */
  abstract cancel(ref: ProviderRef): Promise<void>;

  /**
   * After a ProviderAmbiguousSubmitError: is there a job at the provider for this input, submitted at or
   * after `since`? Providers without a way to list jobs answer `unknown`.
   */
  abstract findSubmission(input: GenerationInput, since: Date): Promise<SubmissionLookup>;
}
