import type { FalInputMapping, ModelEntry } from '../model-catalog.types.js';
import { ProviderRejectedError } from '../provider-errors.js';
import type { GenerationInput } from '../video-provider.js';

/** The mapping with every default filled in: Veo's shape on fal. */
export type ResolvedFalMapping = Required<
  Pick<
    FalInputMapping,
    | 'imageField'
    | 'durationEncoding'
    | 'durationField'
    | 'aspectRatioField'
    | 'resolutionField'
    | 'audioField'
    | 'negativePromptField'
    | 'seedField'
    | 'videoUrlPath'
    | 'extendVideoField'
  >
> &
  FalInputMapping;

export function falMapping(model: ModelEntry): ResolvedFalMapping {
  const mapping = model.fal ?? {};
  return {
    ...mapping,
    imageField: mapping.imageField ?? 'image_url',
    durationEncoding: mapping.durationEncoding ?? 'seconds-s',
    durationField: mapping.durationField ?? 'duration',
    aspectRatioField: mapping.aspectRatioField === undefined ? 'aspect_ratio' : mapping.aspectRatioField,
    resolutionField: mapping.resolutionField === undefined ? 'resolution' : mapping.resolutionField,
    audioField: mapping.audioField === undefined ? 'generate_audio' : mapping.audioField,
    negativePromptField: mapping.negativePromptField ?? 'negative_prompt',
    seedField: mapping.seedField ?? 'seed',
    videoUrlPath: mapping.videoUrlPath ?? 'video.url',
    extendVideoField: mapping.extendVideoField ?? 'video_url',
  };
}

/** The duration as the endpoint wants it ("8s", "5", 5), or undefined when the endpoint takes none. */
export function encodeDuration(
  encoding: ResolvedFalMapping['durationEncoding'],
  seconds: number,
): string | number | undefined {
  switch (encoding) {
    case 'seconds-s':
      return `${seconds}s`;
    case 'string':
      return String(seconds);
    case 'integer':
      return seconds;
    case 'none':
      return undefined;
  }
}

/**
 * Builds the JSON input of one fal call from the catalog mapping alone: no code per model. Pure; throws
 * ProviderRejectedError for what the model cannot take (the pipeline has checked it already; this is the
 * last line before a paid call).
 */
export function buildFalInput(input: GenerationInput, imageUrl: string | undefined): Record<string, unknown> {
  const { model } = input;
  const map = falMapping(model);
  if (!model.segmentDurations.includes(input.durationSeconds)) {
    throw new ProviderRejectedError(
      'fal',
      'invalid_input',
      `${model.name} makes segments of ${model.segmentDurations.join(', ')} seconds, not ${input.durationSeconds}`,
    );
  }
  const body: Record<string, unknown> = { prompt: input.prompt };
  if (imageUrl !== undefined) body[map.imageField] = imageUrl;
  const duration = encodeDuration(map.durationEncoding, input.durationSeconds);
  if (duration !== undefined) body[map.durationField] = duration;
  if (map.aspectRatioField) {
    const aspectRatio = input.aspectRatio ?? model.defaults.aspectRatio;
    // Veo text-to-video takes only 16:9 and 9:16: a default of `auto` is left to the endpoint's own default.
    const allowed = imageUrl === undefined ? map.textToVideoAspectRatios : undefined;
    if (aspectRatio && (!allowed || allowed.includes(aspectRatio))) body[map.aspectRatioField] = aspectRatio;
  }
  const resolution = input.resolution ?? model.defaults.resolution;
  if (map.resolutionField && resolution) body[map.resolutionField] = resolution;
  const audio = input.generateAudio ?? model.defaults.generateAudio;
  if (map.audioField && model.features.audio && audio !== undefined) body[map.audioField] = audio;
  if (input.negativePrompt && model.features.negativePrompt)
    body[map.negativePromptField] = input.negativePrompt;
  if (input.seed !== undefined && model.features.seed) body[map.seedField] = input.seed;
  return { ...body, ...(map.extra ?? {}) };
}

/** The input of a native extension call: the video to continue, the prompt, and the endpoint's fixed fields. */
export function buildFalExtendInput(input: GenerationInput, videoUrl: string): Record<string, unknown> {
  const { model } = input;
  const map = falMapping(model);
  const body: Record<string, unknown> = { prompt: input.prompt, [map.extendVideoField]: videoUrl };
  if (map.durationEncoding !== 'none' && map.extendSeconds) {
    body[map.durationField] = encodeDuration(map.durationEncoding, map.extendSeconds);
  }
  const audio = input.generateAudio ?? model.defaults.generateAudio;
  if (map.audioField && model.features.audio && audio !== undefined) body[map.audioField] = audio;
  if (input.negativePrompt && model.features.negativePrompt)
    body[map.negativePromptField] = input.negativePrompt;
  if (input.seed !== undefined && model.features.seed) body[map.seedField] = input.seed;
  return { ...body, ...(map.extendExtra ?? {}) };
}

/** The value at a dotted path (`video.url`) of a result, or undefined. Pure. */
export function valueAtPath(data: unknown, path: string): unknown {
  let current: unknown = data;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
