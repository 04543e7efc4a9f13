import { input, model } from '../../../test/support/provider-fixtures.js';
import { falSchemaFor } from '../../simulators/fal-schemas/fal-schemas.data.js';
import { validateFalInput } from '../../simulators/fal-schemas/fal-schema.validator.js';
import { DEFAULT_MODELS } from '../model-catalog.defaults.js';
import type { ModelEntry } from '../model-catalog.types.js';
import { ProviderRejectedError } from '../provider-errors.js';
import { buildFalExtendInput, buildFalInput, encodeDuration, valueAtPath } from './fal-input.js';

const IMAGE = 'data:image/png;base64,iVBORw0KGgo=';
const VIDEO = 'data:video/mp4;base64,AAAAGGZ0eXBtcDQy';
/** The contract test loads any data URI of the right kind: the mapping is what is under test here. */
const load = (url: string, kind: 'image' | 'video') =>
  url.startsWith(`data:${kind}/`) ? Buffer.from('x') : undefined;

const FAL_MODELS = DEFAULT_MODELS.filter((m) => m.provider === 'fal');

function errorsFor(endpoint: string, body: Record<string, unknown>) {
  const schema = falSchemaFor(endpoint);
  if (!schema) throw new Error(`no transcribed schema for ${endpoint}`);
  return validateFalInput(schema, body, load);
}

/** Every combination a client can ask of the model: each duration, aspect ratio, resolution and audio switch. */
function variants(entry: ModelEntry) {
  const out = [];
  for (const durationSeconds of entry.segmentDurations) {
    for (const aspectRatio of entry.aspectRatios ?? [undefined]) {
      for (const resolution of entry.resolutions ?? [undefined]) {
        out.push({
          durationSeconds,
          aspectRatio,
          resolution,
          generateAudio: entry.features.audio ? false : undefined,
          negativePrompt: entry.features.negativePrompt ? 'blur' : undefined,
          seed: entry.features.seed ? 42 : undefined,
        });
      }
    }
  }
  return out;
}

describe('contract: the input built from each shipped fal model validates against its transcribed schema', () => {
  it('ships at least six current fal models from at least three vendors', () => {
    const active = FAL_MODELS.filter((m) => m.lifecycle.status === 'active');
    expect(active.length).toBeGreaterThanOrEqual(6);
    expect(new Set(active.map((m) => m.vendor)).size).toBeGreaterThanOrEqual(3);
    for (const entry of active) expect(entry.source?.url).toMatch(/^https:\/\/fal\.ai\//);
  });

  describe.each(FAL_MODELS.map((m) => [m.name, m] as const))('%s', (_name, entry) => {
    it(`image-to-video: ${entry.providerModel}`, () => {
      for (const variant of variants(entry)) {
        const body = buildFalInput(input(entry, variant), IMAGE);
        expect({ variant, errors: errorsFor(entry.providerModel, body) }).toEqual({ variant, errors: [] });
      }
    });

    if (entry.textToVideoModel) {
      it(`text-to-video: ${entry.textToVideoModel}`, () => {
        for (const variant of variants(entry)) {
          const body = buildFalInput(input(entry, { ...variant, image: undefined }), undefined);
          expect({ variant, errors: errorsFor(entry.textToVideoModel!, body) }).toEqual({
            variant,
            errors: [],
          });
        }
      });
    }

    if (entry.extend === 'native') {
      it(`native extension: ${entry.fal!.extendEndpoint}`, () => {
        const body = buildFalExtendInput(
          input(entry, { image: undefined, negativePrompt: 'blur', seed: 3 }),
          VIDEO,
        );
        expect(errorsFor(entry.fal!.extendEndpoint!, body)).toEqual([]);
      });
    }
  });

  it('a wrong mapping fails: Kling takes start_image_url, not image_url', () => {
    const kling = model('kling-4');
    const wrong = { ...kling, fal: { ...kling.fal, imageField: 'image_url' } };
    const errors = errorsFor(kling.providerModel, buildFalInput(input(wrong), IMAGE));
    expect(errors.map((e) => [e.loc.at(-1), e.type])).toEqual([
      ['start_image_url', 'missing'],
      ['image_url', 'extra_forbidden'],
    ]);
  });

  it('a wrong duration encoding fails: LTX-2 takes an integer, not "6"', () => {
    const ltx = model('ltx-2');
    const wrong = { ...ltx, fal: { ...ltx.fal, durationEncoding: 'string' as const } };
    const errors = errorsFor(ltx.providerModel, buildFalInput(input(wrong), IMAGE));
    expect(errors).toEqual([expect.objectContaining({ loc: ['body', 'duration'], type: 'literal_error' })]);
  });
});

describe('buildFalInput', () => {
  it('never sends auto to Veo text-to-video: the default is left to the endpoint', () => {
    const veo = model('veo3.1');
    expect(buildFalInput(input(veo, { image: undefined }), undefined)).not.toHaveProperty('aspect_ratio');
    expect(buildFalInput(input(veo, { image: undefined, aspectRatio: '9:16' }), undefined)).toMatchObject({
      aspect_ratio: '9:16',
    });
    expect(buildFalInput(input(veo), IMAGE)).toMatchObject({ aspect_ratio: 'auto' });
  });

  it('adds fixed extra fields and drops what the model cannot honour', () => {
    const wan = model('wan-2.6');
    expect(buildFalInput(input(wan, { durationSeconds: 10, generateAudio: true }), IMAGE)).toEqual({
      prompt: 'A lighthouse at dusk, waves rolling in',
      image_url: IMAGE,
      duration: '10',
      resolution: '720p',
      enable_prompt_expansion: false,
    });
  });

  it('refuses a duration the model cannot make', () => {
    expect(() => buildFalInput(input(model('veo3'), { durationSeconds: 5 }), IMAGE)).toThrow(
      ProviderRejectedError,
    );
  });

  it('encodes durations four ways', () => {
    expect(
      [8, 5, 5].map((s, i) => encodeDuration((['seconds-s', 'string', 'integer'] as const)[i], s)),
    ).toEqual(['8s', '5', 5]);
    expect(encodeDuration('none', 5)).toBeUndefined();
  });

  it('reads the video URL at a dotted path', () => {
    expect(valueAtPath({ video: { url: 'u' } }, 'video.url')).toBe('u');
    expect(valueAtPath({ videos: [{ url: 'u' }] }, 'videos.0.url')).toBe('u');
    expect(valueAtPath({ video: 'u' }, 'video.url')).toBeUndefined();
  });
});
