import type { ProviderName } from './provider-errors.js';

export type GenerationKind = 'image-to-video' | 'text-to-video';
export const GENERATION_KINDS: readonly GenerationKind[] = ['image-to-video', 'text-to-video'];

export interface ModelPrice {
  /** Credits as a decimal string ("750", "12.5"): never a float. */
  credits: string;
  /** `generation`: the same price whatever the duration (the seed's 750 for veo3); `second`: per second. */
  per: 'generation' | 'second';
}

/** Optional request fields a model can honour; the pipeline rejects the others with a 400. */
export interface ModelFeatures {
  audio: boolean;
  negativePrompt: boolean;
  seed: boolean;
  /** Seed 000's frame_index other than 0 (Azure jobs API only). */
  frameIndex: boolean;
  /** Crop bounds: applied to the source image before upload. */
  crop: boolean;
}

export type LifecycleStatus = 'active' | 'deprecated' | 'retired';
export const LIFECYCLE_STATUSES: readonly LifecycleStatus[] = ['active', 'deprecated', 'retired'];

/**
 * Where a model is in its life upstream. Deprecated models work and their responses carry Deprecation,
 * Sunset and Link headers; retired ones are refused before any charge. An operator re-enables a retired
 * model by overriding `lifecycle.status` through MODEL_CATALOG_JSON / MODEL_CATALOG_FILE.
 */
export interface ModelLifecycle {
  status: LifecycleStatus;
  /** ISO 8601 date-time the model was (or will be) deprecated: the Deprecation header (RFC 9745). */
  deprecatedAt?: string;
  /** ISO 8601 date-time the model stops working upstream: the Sunset header (RFC 8594). */
  sunsetAt?: string;
  /** Catalog name of the model to use instead: the Link rel="successor-version" header. */
  replacement?: string;
  note?: string;
}

/** How a video is made longer: the model's own extend endpoint, or a new segment from the last frame. */
export type ExtendMethod = 'native' | 'last-frame';

/**
 * How the common request maps to one fal endpoint's input, so that any fal video model is configuration,
 * not code. Every field is optional: the defaults are Veo's shape on fal.
 */
export interface FalInputMapping {
  /** Field that carries the start image (`image_url`, `start_image_url`, `first_frame_url`...). Default `image_url`. */
  imageField?: string;
  /** Field for an end frame, where the model has one (documented for operators; the API has no end frame yet). */
  endImageField?: string;
  /** Field for reference images, where the model has them (documented; the API sends none yet). */
  referenceImagesField?: string;
  /**
   * How the duration is sent: `seconds-s` ("8s", Veo), `string` ("5", Kling/Wan), `integer` (5, LTX/PixVerse)
   * or `none` (the model picks its own length; then `segmentDurations` must list exactly that length).
   */
  durationEncoding?: 'seconds-s' | 'string' | 'integer' | 'none';
  /** Default `duration`. */
  durationField?: string;
  /** Default `aspect_ratio`; null: the endpoint takes no aspect ratio. */
  aspectRatioField?: string | null;
  /** Aspect ratios the text-to-video endpoint takes when they differ (Veo text-to-video: 16:9, 9:16, never auto). */
  textToVideoAspectRatios?: string[];
  /** Default `resolution`; null: the endpoint takes no resolution. */
  resolutionField?: string | null;
  /** Default `generate_audio` (PixVerse: `generate_audio_switch`); null: no audio switch. */
  audioField?: string | null;
  /** Default `negative_prompt`. */
  negativePromptField?: string;
  /** Default `seed`. */
  seedField?: string;
  /** Sent as they are with every request (`{"enable_prompt_expansion": false}`). */
  extra?: Record<string, unknown>;
  /** Dotted path of the video URL in the result. Default `video.url`. */
  videoUrlPath?: string;
  /** Native extension (`extend: "native"`): the endpoint, the field carrying the video and its fixed length. */
  extendEndpoint?: string;
  /** Default `video_url`. */
  extendVideoField?: string;
  /** Seconds one native extension adds (Veo 3.1 on fal: 7). */
  extendSeconds?: number;
  /** Longest input video the extend endpoint takes, in seconds (Veo 3.1 on fal: 8); longer videos send their tail. */
  extendMaxInputSeconds?: number;
  /** Fields sent with every extend request (`{"resolution": "720p"}`). */
  extendExtra?: Record<string, unknown>;
}

/** Where a catalog entry's facts come from (fal's schema or llms.txt page) and when they were read. */
export interface ModelSource {
  url: string;
  retrieved: string;
  note?: string;
}

/** One entry of the model catalog: everything the API and the pipeline need to know about a model. */
export interface ModelEntry {
  /** The public name clients send (`veo3`, `sora-2`, `local-motion`). */
  name: string;
  displayName: string;
  description: string;
  provider: ProviderName;
  /** Who makes the model: google, openai, kuaishou, bytedance, alibaba, lightricks, pixverse, local... */
  vendor: string;
  lifecycle: ModelLifecycle;
  /** `native`: POST .../extend and chains call the model's extend endpoint; `last-frame`: a new segment from the last frame. */
  extend: ExtendMethod;
  /** fal endpoint id (image-to-video), Azure deployment name, or `local-motion`. */
  providerModel: string;
  /** fal only: endpoint id for text-to-video, when the model offers it. */
  textToVideoModel?: string;
  /** Azure only: which Azure surface this deployment speaks. */
  azureApi?: 'videos' | 'jobs';
  kinds: GenerationKind[];
  /** Durations one provider call can produce, in seconds, ascending. */
  segmentDurations: number[];
  /** fal: `aspect_ratio` values. */
  aspectRatios?: string[];
  /** fal: `resolution` values. */
  resolutions?: string[];
  /** Azure and local: `WIDTHxHEIGHT` output sizes. */
  sizes?: string[];
  /** Longest prompt the model takes, in characters; checked before anything is reserved. */
  maxPromptLength?: number;
  /** fal only: how the request maps to the endpoint's input. */
  fal?: FalInputMapping;
  source?: ModelSource;
  defaults: { aspectRatio?: string; resolution?: string; size?: string; generateAudio?: boolean };
  price: ModelPrice;
  features: ModelFeatures;
  /** False for local-motion: it moves a still image, it does not generate anything. */
  ai: boolean;
}

/** A catalog entry plus whether this server can use it, as listed by GET /video-gen/models. */
export interface ModelAvailability {
  available: boolean;
  /** Settings that must be set for the model to become available; empty when available. */
  missingSettings: string[];
}
