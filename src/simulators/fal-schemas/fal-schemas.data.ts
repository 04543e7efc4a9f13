/**
 * Input schemas of fal endpoints, transcribed from fal's published schema pages (llms.txt, /api, docs). Kept
 * apart from the model catalog on purpose: the simulator validates against these, so a wrong mapping in the
 * catalog fails a test instead of being checked against itself. Each entry cites where it was read.
 *
 * Only the fields we send or that matter for validation are transcribed; fal ignores unknown fields, but
 * the simulator refuses them (`extra_forbidden`) so that a misspelt field name in a mapping is caught.
 */
export type FalFieldType = 'string' | 'integer' | 'number' | 'boolean' | 'image' | 'video' | 'string-list';

export interface FalFieldSchema {
  type: FalFieldType;
  required?: boolean;
  /** Allowed values, compared strictly: "5" is not 5. */
  enum?: ReadonlyArray<string | number>;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  default?: string | number | boolean;
}

export interface FalEndpointSchema {
  endpoint: string;
  kind: 'image-to-video' | 'text-to-video' | 'extend-video';
  source: { url: string; retrieved: string; note?: string };
  input: Readonly<Record<string, FalFieldSchema>>;
  /** The field holding the duration and how long a video is when it is absent. */
  duration: { field?: string; defaultSeconds: number };
}

const RETRIEVED = '2026-12-01';
const SAFETY = ['1', '2', '3', '4', '5', '6'];
/** fal answers a longer Veo prompt with 422 string_too_long (reported in TanStack/ai #394). */
const VEO_PROMPT = { type: 'string', required: true, maxLength: 2500 } as const;

function veoImageToVideo(endpoint: string, resolutions: string[], url: string): FalEndpointSchema {
  return {
    endpoint,
    kind: 'image-to-video',
    source: { url, retrieved: RETRIEVED },
    input: {
      prompt: VEO_PROMPT,
      image_url: { type: 'image', required: true },
      aspect_ratio: { type: 'string', enum: ['auto', '16:9', '9:16'], default: 'auto' },
      duration: { type: 'string', enum: ['4s', '6s', '8s'], default: '8s' },
      resolution: { type: 'string', enum: resolutions, default: '720p' },
      generate_audio: { type: 'boolean', default: true },
      negative_prompt: { type: 'string' },
      seed: { type: 'integer' },
      auto_fix: { type: 'boolean' },
      safety_tolerance: { type: 'string', enum: SAFETY, default: '4' },
    },
    duration: { defaultSeconds: 8 },
  };
}

function veoTextToVideo(endpoint: string, url: string): FalEndpointSchema {
  return {
    endpoint,
    kind: 'text-to-video',
    source: { url, retrieved: RETRIEVED, note: 'text-to-video takes 16:9 and 9:16 only, no auto' },
    input: {
      prompt: VEO_PROMPT,
      aspect_ratio: { type: 'string', enum: ['16:9', '9:16'], default: '16:9' },
      duration: { type: 'string', enum: ['4s', '6s', '8s'], default: '8s' },
      resolution: { type: 'string', enum: ['720p', '1080p', '4k'], default: '720p' },
      generate_audio: { type: 'boolean', default: true },
      negative_prompt: { type: 'string' },
      seed: { type: 'integer' },
      auto_fix: { type: 'boolean' },
      safety_tolerance: { type: 'string', enum: SAFETY, default: '4' },
    },
    duration: { defaultSeconds: 8 },
  };
}

function veoExtend(endpoint: string, url: string): FalEndpointSchema {
  return {
    endpoint,
    kind: 'extend-video',
    source: {
      url,
      retrieved: RETRIEVED,
      note:
        'duration is a free string defaulting to "7s" and the page says extension is 720p, input up to 8 s; ' +
        'transcribed as "7s" and 720p only',
    },
    input: {
      prompt: VEO_PROMPT,
      video_url: { type: 'video', required: true },
      aspect_ratio: { type: 'string', enum: ['auto', '16:9', '9:16'], default: 'auto' },
      duration: { type: 'string', enum: ['7s'], default: '7s' },
      resolution: { type: 'string', enum: ['720p'], default: '720p' },
      generate_audio: { type: 'boolean', default: true },
      negative_prompt: { type: 'string' },
      seed: { type: 'integer' },
      auto_fix: { type: 'boolean' },
      safety_tolerance: { type: 'string', enum: SAFETY, default: '4' },
    },
    duration: { defaultSeconds: 7 },
  };
}

const VEO31_I2V = 'https://fal.ai/docs/model-api-reference/video-generation-api/veo3.1-image-to-video';

export const FAL_SCHEMAS: readonly FalEndpointSchema[] = [
  // Veo 3.0: withdrawn from fal's client on 2026-08-02; kept so that an operator's old entry still simulates.
  veoImageToVideo(
    'fal-ai/veo3/image-to-video',
    ['720p', '1080p'],
    'https://fal.ai/models/fal-ai/veo3/image-to-video/llms.txt',
  ),
  veoImageToVideo(
    'fal-ai/veo3/fast/image-to-video',
    ['720p', '1080p'],
    'https://fal.ai/models/fal-ai/veo3/image-to-video/llms.txt',
  ),
  veoImageToVideo('fal-ai/veo3.1/image-to-video', ['720p', '1080p', '4k'], VEO31_I2V),
  veoImageToVideo('fal-ai/veo3.1/fast/image-to-video', ['720p', '1080p', '4k'], VEO31_I2V),
  veoImageToVideo(
    'fal-ai/veo3.1/lite/image-to-video',
    ['720p', '1080p'],
    'https://fal.ai/models/fal-ai/veo3.1/lite/image-to-video/llms.txt',
  ),
  veoTextToVideo('fal-ai/veo3.1', 'https://fal.ai/models/fal-ai/veo3.1/llms.txt'),
  veoTextToVideo('fal-ai/veo3.1/fast', 'https://fal.ai/models/fal-ai/veo3.1/llms.txt'),
  veoExtend(
    'fal-ai/veo3.1/extend-video',
    'https://fal.ai/docs/model-api-reference/video-generation-api/veo3.1-extend-video',
  ),
  veoExtend(
    'fal-ai/veo3.1/fast/extend-video',
    'https://fal.ai/models/fal-ai/veo3.1/fast/extend-video/llms.txt',
  ),
  {
    endpoint: 'fal-ai/kling-video/v4/image-to-video',
    kind: 'image-to-video',
    source: {
      url: 'https://fal.ai/models/fal-ai/kling-video/v4/image-to-video/llms.txt',
      retrieved: RETRIEVED,
      note:
        'prompt, start_image_url, middle_image_urls, end_image_url read on the v4 page; duration (string ' +
        'enum), generate_audio, negative_prompt, cfg_scale as on https://fal.ai/docs/model-api-reference/' +
        'video-generation-api/kling-video-v3-standard, widened to v4 lengths of 3 to 30 s',
    },
    input: {
      prompt: { type: 'string' },
      start_image_url: { type: 'image', required: true },
      middle_image_urls: { type: 'string-list' },
      end_image_url: { type: 'image' },
      duration: {
        type: 'string',
        enum: Array.from({ length: 28 }, (_, i) => String(i + 3)),
        default: '5',
      },
      generate_audio: { type: 'boolean', default: true },
      negative_prompt: { type: 'string' },
      cfg_scale: { type: 'number', minimum: 0, maximum: 1 },
    },
    duration: { defaultSeconds: 5 },
  },
  {
    endpoint: 'bytedance/seedance-2.0/image-to-video',
    kind: 'image-to-video',
    source: {
      url: 'https://fal.ai/docs/model-api-reference/video-generation-api/bytedance-seedance-2.0-image-to-video',
      retrieved: RETRIEVED,
      note: 'duration "auto" or 4 to 15 (https://fal.ai/models/bytedance/seedance-2.0/image-to-video)',
    },
    input: {
      prompt: { type: 'string', required: true },
      image_url: { type: 'image', required: true },
      end_image_url: { type: 'image' },
      resolution: { type: 'string', enum: ['480p', '720p', '1080p'], default: '720p' },
      duration: {
        type: 'string',
        enum: ['auto', ...Array.from({ length: 12 }, (_, i) => String(i + 4))],
        default: 'auto',
      },
      aspect_ratio: {
        type: 'string',
        enum: ['auto', '21:9', '16:9', '4:3', '1:1', '3:4', '9:16'],
        default: 'auto',
      },
      generate_audio: { type: 'boolean', default: true },
      seed: { type: 'integer' },
    },
    duration: { defaultSeconds: 5 },
  },
  {
    endpoint: 'wan/v2.6/image-to-video',
    kind: 'image-to-video',
    source: {
      url: 'https://fal.ai/models/wan/v2.6/image-to-video/api',
      retrieved: RETRIEVED,
      note: '720p and 1080p; 5, 10 or 15 s as a string enum (as the wan/v2.6 text-to-video schema)',
    },
    input: {
      prompt: { type: 'string', required: true, maxLength: 2000 },
      image_url: { type: 'image', required: true },
      resolution: { type: 'string', enum: ['720p', '1080p'], default: '1080p' },
      duration: { type: 'string', enum: ['5', '10', '15'], default: '5' },
      negative_prompt: { type: 'string', maxLength: 500 },
      seed: { type: 'integer', minimum: 0, maximum: 2147483647 },
      enable_prompt_expansion: { type: 'boolean', default: true },
      audio_url: { type: 'string' },
    },
    duration: { defaultSeconds: 5 },
  },
  {
    endpoint: 'fal-ai/ltx-2/image-to-video',
    kind: 'image-to-video',
    source: { url: 'https://fal.ai/models/fal-ai/ltx-2/image-to-video/llms.txt', retrieved: RETRIEVED },
    input: {
      image_url: { type: 'image', required: true },
      prompt: { type: 'string', required: true },
      duration: { type: 'integer', enum: [6, 8, 10], default: 6 },
      resolution: { type: 'string', enum: ['1080p', '1440p', '2160p'], default: '1080p' },
      fps: { type: 'integer', enum: [25, 50], default: 25 },
      generate_audio: { type: 'boolean', default: true },
    },
    duration: { defaultSeconds: 6 },
  },
  {
    endpoint: 'fal-ai/pixverse/v6/image-to-video',
    kind: 'image-to-video',
    source: {
      url: 'https://fal.ai/models/fal-ai/pixverse/c1/image-to-video/llms.txt',
      retrieved: RETRIEVED,
      note:
        'the v6 image-to-video page was not read: fields as PixVerse C1 image-to-video and v6 extend ' +
        '(https://fal.ai/models/fal-ai/pixverse/v6/extend/llms.txt), same family and resolutions',
    },
    input: {
      prompt: { type: 'string', required: true },
      image_url: { type: 'image', required: true },
      resolution: { type: 'string', enum: ['360p', '540p', '720p', '1080p'], default: '720p' },
      duration: { type: 'integer', minimum: 1, maximum: 15, default: 5 },
      negative_prompt: { type: 'string' },
      seed: { type: 'integer' },
      generate_audio_switch: { type: 'boolean' },
    },
    duration: { defaultSeconds: 5 },
  },
];

export function falSchemaFor(endpoint: string): FalEndpointSchema | undefined {
  return FAL_SCHEMAS.find((schema) => schema.endpoint === endpoint);
}
