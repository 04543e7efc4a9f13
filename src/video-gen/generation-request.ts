import { createHash } from 'node:crypto';
import { InvalidRequestError } from '../common/domain-errors.js';
import type { GenerationKind, ModelEntry } from '../providers/model-catalog.types.js';
import {
  DurationPlanError,
  parseDurationLabel,
  PlannedSegment,
  planNativeChain,
  planNativeExtension,
  planSegments,
} from './duration-planner.js';
import type { Crop } from '../common/crop.js';

/** Everything a generation needs, validated against its model, as stored in Generation.params. */
export interface GenerationParams {
  kind: GenerationKind;
  model: string;
  prompt: string;
  /** The duration label the caller asked for ("8s"), echoed in responses. */
  duration: string;
  durationSeconds: number;
  sourceImageKey?: string;
  projectId?: string;
  aspectRatio?: string;
  resolution?: string;
  size?: string;
  generateAudio?: boolean;
  negativePrompt?: string;
  seed?: number;
  frameIndex?: number;
  crop?: Crop;
  transition?: 'cut' | 'crossfade';
  /** Chains only: one prompt per segment. */
  segmentPrompts?: string[];
  /** Segments from this index on are native extensions of the previous segment's video (model.extend "native"). */
  nativeExtendFrom?: number;
}

export interface RequestFields {
  prompt: string;
  duration?: string;
  projectId?: string;
  aspectRatio?: string;
  resolution?: string;
  generateAudio?: boolean;
  negativePrompt?: string;
  seed?: number;
  frameIndex?: number;
  crop?: Crop;
  id?: string;
}

export const DEFAULT_DURATION = '8s';

/**
 * Checks the optional fields against what the model can honour (a 400 naming the field otherwise) and
 * fills in the model's defaults. Pure: no I/O, so every rule is unit-tested.
 */
export function buildParams(
  kind: GenerationKind,
  model: ModelEntry,
  fields: RequestFields,
): GenerationParams {
  const problems: string[] = [];
  const unsupported = (field: string, hint: string) =>
    problems.push(`Model "${model.name}" cannot honour ${field}${hint ? `: ${hint}` : ''}`);

  if (fields.aspectRatio !== undefined && !(model.aspectRatios ?? []).includes(fields.aspectRatio)) {
    unsupported(`aspectRatio ${fields.aspectRatio}`, listOrNone('aspect ratios', model.aspectRatios));
  }
  const t2vRatios = model.fal?.textToVideoAspectRatios;
  if (
    kind === 'text-to-video' &&
    t2vRatios &&
    fields.aspectRatio !== undefined &&
    (model.aspectRatios ?? []).includes(fields.aspectRatio) &&
    !t2vRatios.includes(fields.aspectRatio)
  ) {
    unsupported(
      `aspectRatio ${fields.aspectRatio} for text-to-video`,
      `its text-to-video aspect ratios are ${t2vRatios.join(', ')}`,
    );
  }
  if (fields.resolution !== undefined && !(model.resolutions ?? []).includes(fields.resolution)) {
    unsupported(`resolution ${fields.resolution}`, listOrNone('resolutions', model.resolutions));
  }
  if (fields.generateAudio && !model.features.audio) unsupported('generateAudio', 'it makes silent video');
  if (fields.negativePrompt !== undefined && !model.features.negativePrompt)
    unsupported('negativePrompt', '');
  if (fields.seed !== undefined && !model.features.seed) unsupported('seed', '');
  if (fields.frameIndex !== undefined && fields.frameIndex !== 0 && !model.features.frameIndex) {
    unsupported('frameIndex', 'only 0 (the image starts the video)');
  }
  if (fields.crop !== undefined && !model.features.crop) unsupported('crop', '');
  if (model.maxPromptLength !== undefined && fields.prompt.length > model.maxPromptLength) {
    problems.push(
      `Model "${model.name}" takes prompts of at most ${model.maxPromptLength} characters; this one has ` +
        `${fields.prompt.length}. Shorten it.`,
    );
  }
  if (kind === 'text-to-video' && (fields.crop !== undefined || fields.frameIndex !== undefined)) {
    problems.push('crop and frameIndex apply to image-to-video only');
  }
  if (problems.length > 0) throw new InvalidRequestError(problems);

  const duration = fields.duration ?? DEFAULT_DURATION;
  return {
    kind,
    model: model.name,
    prompt: fields.prompt,
    duration,
    durationSeconds: parseDurationLabel(duration),
    sourceImageKey: fields.id,
    projectId: fields.projectId,
    aspectRatio: fields.aspectRatio ?? model.defaults.aspectRatio,
    resolution: fields.resolution ?? model.defaults.resolution,
    size: model.defaults.size,
    generateAudio: model.features.audio ? (fields.generateAudio ?? model.defaults.generateAudio) : undefined,
    negativePrompt: fields.negativePrompt,
    seed: fields.seed,
    frameIndex: fields.frameIndex,
    crop: fields.crop ? { ...fields.crop } : undefined,
  };
}

/**
 * Native segments for the requested duration; a 400 when the model cannot make it. `use`: `generate` (one
 * generation or chain of them), `chain` (a long video: native extensions after the first segment when the model
 * extends natively) or `extend` (new seconds after an existing video).
 */
export function planFor(
  model: ModelEntry,
  seconds: number,
  maxSegments: number,
  use: 'generate' | 'chain' | 'extend' = 'generate',
): PlannedSegment[] {
  const native = model.extend === 'native' ? model.fal?.extendSeconds : undefined;
  try {
    if (native && use === 'extend') return planNativeExtension(seconds, native, maxSegments);
    if (native && use === 'chain')
      return planNativeChain(seconds, model.segmentDurations, native, maxSegments);
    return planSegments(seconds, model.segmentDurations, maxSegments);
  } catch (error) {
    if (error instanceof DurationPlanError) {
      throw new InvalidRequestError(
        `Model "${model.name}" cannot make ${seconds}s: ${error.message}. It makes segments of ` +
          `${model.segmentDurations.join(', ')} s, chained for longer videos (at most ${maxSegments}).`,
      );
    }
    throw error;
  }
}

function listOrNone(what: string, values?: string[]): string {
  return values && values.length > 0 ? `its ${what} are ${values.join(', ')}` : `it has no ${what} to choose`;
}

/**
 * Fingerprint of a create request for idempotency: the same Idempotency-Key with a different body is a
 * conflict. Keys are sorted so field order does not matter.
 */
export function requestHash(endpoint: string, body: unknown): string {
  return createHash('sha256')
    .update(`${endpoint}\n${canonicalJson(body)}`)
    .digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
