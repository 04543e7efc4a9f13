import type { ModelEntry } from './model-catalog.types.js';

const VEO_DURATIONS = [4, 6, 8];
const VEO_ASPECT_RATIOS = ['auto', '16:9', '9:16'];
const VEO_FEATURES = { audio: true, negativePrompt: true, seed: true, frameIndex: false, crop: true };
const VEO_DEFAULTS = { aspectRatio: 'auto', resolution: '720p', generateAudio: true };

/**
 * The built-in catalog. Prices are in credits; veo3's 750 per generation is the seed's. The others are
 * scaled from fal's published per-second prices relative to veo3 (see README) and can be overridden with
 * MODEL_CATALOG_JSON / MODEL_CATALOG_FILE without a code change.
 */
export const DEFAULT_MODELS: readonly ModelEntry[] = [
  {
    name: 'veo3',
    displayName: 'Veo 3',
    description: 'Google Veo 3 image-to-video on fal.ai, with sound. 4, 6 or 8 s per call.',
    provider: 'fal',
    providerModel: 'fal-ai/veo3/image-to-video',
    kinds: ['image-to-video'],
    segmentDurations: VEO_DURATIONS,
    aspectRatios: VEO_ASPECT_RATIOS,
    resolutions: ['720p', '1080p'],
    defaults: VEO_DEFAULTS,
    price: { credits: '750', per: 'generation' },
    features: VEO_FEATURES,
    ai: true,
  },
  {
    name: 'veo3-fast',
    displayName: 'Veo 3 Fast',
    description: 'Google Veo 3 Fast image-to-video on fal.ai: quicker and cheaper than Veo 3.',
    provider: 'fal',
    providerModel: 'fal-ai/veo3/fast/image-to-video',
    kinds: ['image-to-video'],
    segmentDurations: VEO_DURATIONS,
    aspectRatios: VEO_ASPECT_RATIOS,
    resolutions: ['720p', '1080p'],
    defaults: VEO_DEFAULTS,
    price: { credits: '300', per: 'generation' },
    features: VEO_FEATURES,
    ai: true,
  },
  {
    name: 'veo3.1',
    displayName: 'Veo 3.1',
    description: 'Google Veo 3.1 image-to-video on fal.ai, up to 4k.',
    provider: 'fal',
    providerModel: 'fal-ai/veo3.1/image-to-video',
    kinds: ['image-to-video'],
    segmentDurations: VEO_DURATIONS,
    aspectRatios: VEO_ASPECT_RATIOS,
    resolutions: ['720p', '1080p', '4k'],
    defaults: VEO_DEFAULTS,
    price: { credits: '750', per: 'generation' },
    features: VEO_FEATURES,
    ai: true,
  },
  {
    name: 'veo3.1-fast',
    displayName: 'Veo 3.1 Fast',
    description: 'Google Veo 3.1 Fast image-to-video on fal.ai.',
    provider: 'fal',
    providerModel: 'fal-ai/veo3.1/fast/image-to-video',
    kinds: ['image-to-video'],
    segmentDurations: VEO_DURATIONS,
    aspectRatios: VEO_ASPECT_RATIOS,
    resolutions: ['720p', '1080p', '4k'],
    defaults: VEO_DEFAULTS,
    price: { credits: '300', per: 'generation' },
    features: VEO_FEATURES,
    ai: true,
  },
  {
    name: 'sora-2',
    displayName: 'Sora 2',
    description: 'OpenAI Sora 2 on Azure OpenAI: text-to-video and image-to-video, 4, 8 or 12 s per call.',
    provider: 'azure',
    providerModel: 'sora-2',
    azureApi: 'videos',
    kinds: ['image-to-video', 'text-to-video'],
    segmentDurations: [4, 8, 12],
    sizes: ['1280x720', '720x1280'],
    defaults: { size: '1280x720' },
    price: { credits: '500', per: 'generation' },
    features: { audio: false, negativePrompt: false, seed: false, frameIndex: false, crop: true },
    ai: true,
  },
  {
    name: 'local-motion',
    displayName: 'Local motion (not AI)',
    description:
      'Moves the source image with a slow zoom or pan, rendered by ffmpeg on this server. Not AI: nothing ' +
      'in the picture moves by itself. Works with no configuration. Image-to-video only.',
    provider: 'local',
    providerModel: 'local-motion',
    kinds: ['image-to-video'],
    segmentDurations: [4, 5, 6, 8, 10, 12],
    sizes: ['1280x720', '720x1280', '1920x1080', '1080x1920', '1080x1080', '720x720'],
    defaults: { size: '1280x720' },
    price: { credits: '10', per: 'generation' },
    features: { audio: false, negativePrompt: false, seed: true, frameIndex: false, crop: true },
    ai: false,
  },
];
