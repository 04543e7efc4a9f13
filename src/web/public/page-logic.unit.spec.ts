import {
  acceptedFields,
  chainBody,
  defaultModel,
  describeQuote,
  describeStatus,
  durationChoices,
  explainError,
  explainUnsuccessful,
  extendHint,
  generationBody,
  type GenerationView,
  isSelectable,
  modelBadges,
  modelLabel,
  type ModelView,
  type Quote,
} from './page-logic.js';

// Shaped as GET /video-gen/models answers (the API contract).
const localMotion: ModelView = {
  name: 'local-motion',
  displayName: 'Local motion (not AI)',
  description: 'Moves the still image: a slow zoom or pan',
  provider: 'local',
  vendor: 'local',
  providerModel: 'local-motion',
  lifecycle: { status: 'active' },
  extend: 'last-frame',
  ai: false,
  defaults: { size: '1280x720' },
  kinds: ['image-to-video'],
  segmentDurations: [4, 5, 6, 8, 10, 12],
  sizes: ['1280x720'],
  price: { credits: 10, per: 'generation' },
  features: { audio: false, negativePrompt: false, seed: true, frameIndex: false, crop: true },
  available: true,
  missingSettings: [],
};

const veo: ModelView = {
  name: 'veo3',
  displayName: 'Veo 3',
  description: 'Google Veo 3',
  provider: 'fal',
  vendor: 'google',
  providerModel: 'fal-ai/veo3',
  extend: 'last-frame',
  ai: true,
  defaults: { aspectRatio: '16:9', resolution: '720p', generateAudio: true },
  kinds: ['image-to-video', 'text-to-video'],
  segmentDurations: [4, 6, 8],
  aspectRatios: ['16:9', '9:16'],
  resolutions: ['720p', '1080p'],
  price: { credits: 750, per: 'generation' },
  features: { audio: true, negativePrompt: true, seed: true, frameIndex: false, crop: true },
  available: false,
  missingSettings: ['FAL_KEY'],
  lifecycle: { status: 'deprecated', sunsetAt: '2027-03-01T00:00:00.000Z', replacement: 'veo3.1' },
};

const view = (over: Partial<GenerationView>): GenerationView => ({
  id: 'g1',
  kind: 'text-to-video',
  model: 'veo3',
  simulated: false,
  status: 'failed',
  prompt: 'p',
  duration: '8s',
  segments: [],
  credits: { reserved: 750, used: 0, refunded: 750 },
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('the page: errors a person can read', () => {
  it('says what to do about insufficient credits, and that nothing was charged', () => {
    const e = explainError({ status: 400, message: 'Insufficient credits. Required: 750, Available: 100.0' });
    expect(e.message).toContain('Not enough credits');
    expect(e.message).toContain('Required: 750, Available: 100.0');
    expect(e.next).toContain('Nothing was charged');
  });

  it('names the missing setting of a model that is not configured', () => {
    const e = explainError({
      status: 400,
      message: 'Model "veo3" is not configured on this server: set FAL_KEY',
    });
    expect(e.message).toBe('This model is not set up on this server (it needs FAL_KEY).');
    expect(e.next).toContain('Pick another model');
  });

  it('treats no answer at all as a lost connection, and a 401 as being signed out', () => {
    expect(explainError({ status: 0, message: 'x' }).message).toBe('Lost the connection to the service.');
    const expired = explainError({ status: 401, message: 'Token expired' });
    expect(expired.message).toBe('You are signed out: Token expired.');
    expect(expired.next).toContain('Sign in again');
  });

  it('keeps the service’s own words for validation errors', () => {
    const e = explainError({ status: 400, message: ['prompt should not be empty'] });
    expect(e.message).toBe('Prompt should not be empty');
  });

  it('explains a moderation refusal with the refund', () => {
    const e = explainUnsuccessful(view({ errorCode: 'MODERATION', error: 'The prompt was flagged' }));
    expect(e.message).toContain('refused this request on safety grounds: The prompt was flagged');
    expect(e.message).toContain('750 of 750 credits were refunded.');
    expect(e.next).toContain('Reword the prompt');
  });

  it('explains a cancellation with what was charged for delivered segments', () => {
    const e = explainUnsuccessful(
      view({ status: 'cancelled', credits: { reserved: 20, used: 10, refunded: 10 } }),
    );
    expect(e.message).toBe('Cancelled. 10 of 20 credits were refunded (10 charged for what was delivered).');
  });
});

describe('the page: model picker and form', () => {
  it('labels models with price and badges: deprecated, sunset date, not configured', () => {
    expect(modelLabel(localMotion)).toBe('Local motion (not AI) · 10 credits · needs an image');
    expect(modelBadges(veo).map((b) => b.text)).toEqual([
      'deprecated',
      'sunset 2027-03-01',
      'not configured',
    ]);
    expect(isSelectable({ ...veo, lifecycle: { status: 'retired' } })).toBe(false);
  });

  it('defaults to an available model that fits the input', () => {
    expect(defaultModel([veo, localMotion], true)?.name).toBe('local-motion');
    expect(defaultModel([{ ...veo, available: true }, localMotion], false)?.name).toBe('veo3');
  });

  it('offers only the fields a model accepts; crop and frame index only with an image', () => {
    expect(acceptedFields(localMotion, true)).toMatchObject({
      aspectRatios: [],
      seed: true,
      crop: true,
      audio: false,
    });
    expect(acceptedFields(veo, false)).toMatchObject({
      aspectRatios: ['16:9', '9:16'],
      audio: true,
      crop: false,
    });
  });

  it('builds an image-to-video body with the image, leaving out what the model ignores', () => {
    const body = generationBody({
      model: localMotion,
      imageKey: 'images/alice/a.png',
      prompt: 'slow zoom',
      duration: '5s',
      aspectRatio: '16:9',
      generateAudio: true,
      negativePrompt: 'blur',
      seed: '42',
      crop: { left: 0.1, top: 0, right: 1, bottom: 1 },
    });
    expect(body).toEqual({
      kind: 'image-to-video',
      model: 'local-motion',
      prompt: 'slow zoom',
      duration: '5s',
      id: 'images/alice/a.png',
      seed: 42,
      crop: { left: 0.1, top: 0, right: 1, bottom: 1 },
    });
  });

  it('builds text-to-video without an image, and keeps an empty prompt for the service to refuse', () => {
    const body = generationBody({ model: veo, prompt: '', duration: '8s', aspectRatio: '9:16', seed: 'x' });
    expect(body).toEqual({
      kind: 'text-to-video',
      model: 'veo3',
      prompt: '',
      duration: '8s',
      aspectRatio: '9:16',
    });
    // An image-only model without an image still asks for image-to-video: the service says the image is missing.
    expect(generationBody({ model: localMotion, prompt: 'p', duration: '5s' }).kind).toBe('image-to-video');
  });

  it('builds a chain body from the non-empty prompts', () => {
    expect(
      chainBody({
        model: localMotion,
        imageKey: 'images/a/b.png',
        prompts: [' one ', '', 'two'],
        totalDuration: '8',
        transition: 'cut',
      }),
    ).toEqual({
      model: 'local-motion',
      prompts: ['one', 'two'],
      totalDuration: 8,
      transition: 'cut',
      imageId: 'images/a/b.png',
    });
  });

  it('offers the seed durations and the model’s native ones', () => {
    expect(durationChoices(localMotion)).toEqual(['4s', '5s', '6s', '8s', '10s', '12s']);
    expect(durationChoices(undefined)).toEqual(['5s', '8s', '10s']);
  });

  it('describes a quote and a status', () => {
    const quote: Quote = {
      model: 'veo3',
      price: { credits: 750 },
      durationSeconds: 16,
      segments: [
        { durationSeconds: 8, method: 'image-to-video' },
        { durationSeconds: 8, method: 'native-extend' },
      ],
      balance: 100,
      sufficient: false,
    };
    expect(describeQuote(quote)).toMatch(
      /^750 credits for 16 s in 2 segments\. Your balance: 100\. Not enough credits/,
    );
    expect(describeStatus(view({ status: 'queued', queuePosition: 3 }))).toBe(
      'Queued, position 3 in the queue',
    );
    expect(describeStatus(view({ status: 'running', progress: 41.6 }))).toBe('Running, 42%');
    expect(describeStatus(view({ status: 'succeeded', simulated: true }))).toBe('Succeeded (simulated)');
    expect(extendHint({ ...veo, extend: 'native' })).toBe('Veo 3 continues the video itself.');
    expect(extendHint(localMotion)).toBe('The new part starts from the last frame of this video.');
  });
});
