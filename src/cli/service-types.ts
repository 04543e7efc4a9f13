/**
 * What the command line sends and reads. The responses are the API contract (src/common/api-contract.ts), shared
 * with the server and the browser page; the request bodies are the command line's own subset.
 */

export type { GenerationStatus, GenerationView, SegmentView, UploadedImage } from '../common/api-contract.js';

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

export function isTerminal(view: { status: string }): boolean {
  return TERMINAL_STATUSES.has(view.status);
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
