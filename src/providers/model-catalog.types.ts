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

/** One entry of the model catalog: everything the API and the pipeline need to know about a model. */
export interface ModelEntry {
  /** The public name clients send (`veo3`, `sora-2`, `local-motion`). */
  name: string;
  displayName: string;
  description: string;
  provider: ProviderName;
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
