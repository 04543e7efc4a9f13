/** The service's JSON, as the command line reads it (the client's own copy of the API contract). */

export type GenerationStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

// The service's own rule (pure, case-insensitive): succeeded, failed or cancelled.
export { isTerminal } from '../video-gen/generation.js';

export interface SegmentView {
  index: number;
  status: string;
  durationSeconds: number;
  progress?: number;
  queuePosition?: number;
  error?: string;
}

export interface GenerationView {
  id: string;
  kind: string;
  model: string;
  status: GenerationStatus;
  prompt: string;
  duration: string;
  progress?: number;
  queuePosition?: number;
  segments: SegmentView[];
  credits: { reserved: number; used: number; refunded: number };
  error?: string;
  errorCode?: string;
  s3Key?: string;
  videoUrl?: string;
  thumbnailUrl?: string;
  durationSeconds?: number;
  width?: number;
  height?: number;
  bytes?: number;
  createdAt: string;
  completedAt?: string;
}

export interface UploadedImage {
  key: string;
  contentType: string;
  width: number;
  height: number;
  bytes: number;
}

export interface Crop {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface CreateGenerationBody {
  kind: 'image-to-video' | 'text-to-video';
  id?: string;
  prompt: string;
  duration?: string;
  model?: string;
  frameIndex?: number;
  crop?: Crop;
  projectId?: string;
  aspectRatio?: string;
  resolution?: string;
  generateAudio?: boolean;
  negativePrompt?: string;
  seed?: number;
}

export interface ExtendBody {
  prompt: string;
  duration?: string;
  model?: string;
}

export interface ChainBody {
  prompt?: string;
  prompts?: string[];
  totalDuration: number;
  model?: string;
  imageId?: string;
  transition?: 'cut' | 'crossfade';
}
