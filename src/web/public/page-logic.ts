/**
 * The page's decisions that need no DOM: which fields a model accepts, what a request body looks like, and
 * what a person reads when something goes wrong. Unit-tested in page-logic.spec.ts; app.ts only wires them up.
 */
// Type only: erased from the page's script, which loads no server module.
import type { Crop } from '../../common/crop.js';

// The service's responses: the API contract shared with the server and the command line. Type-only, so the
// browser never loads it (swc drops `import type`).
import type { GenerationView, ModelView, QuoteView, SegmentView } from '../../common/api-contract.js';

export type { GenerationView, ModelView, SegmentView };
export type Quote = QuoteView;

/** The service's error body, or `status: 0` when no answer came back at all. */
export interface ServiceError {
  status: number;
  message: string | string[];
}

/** What a person reads: what happened, then what to do next. */
export interface Explanation {
  message: string;
  next: string;
}

export const DURATIONS = ['5s', '8s', '10s'] as const;
export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

export function serviceMessage(error: ServiceError): string {
  return Array.isArray(error.message) ? error.message.join('; ') : error.message;
}

/** A refused or failed request, explained: the service's own words, and the next step a person can take. */
export function explainError(error: ServiceError): Explanation {
  const message = serviceMessage(error);
  if (error.status === 0) {
    return {
      message: 'Lost the connection to the service.',
      next: 'Check your network and try again. A video already started keeps going on the server: open it from History.',
    };
  }
  if (error.status === 401) {
    return {
      message: `You are signed out: ${message}.`,
      next: 'Sign in again (paste a new token, or use Dev sign-in in development).',
    };
  }
  if (/insufficient credits/i.test(message)) {
    return {
      message: `Not enough credits. ${message}.`,
      next: 'Nothing was charged. Choose a shorter duration or a cheaper model, or ask for more credits.',
    };
  }
  const notConfigured = /is not configured on this server: set (.+)$/.exec(message);
  if (notConfigured) {
    return {
      message: `This model is not set up on this server (it needs ${notConfigured[1]}).`,
      next: 'Pick another model, or ask whoever runs the service to configure it. Nothing was charged.',
    };
  }
  if (error.status === 413) {
    return { message: `That image is too large. ${message}.`, next: 'Choose a smaller image.' };
  }
  if (error.status === 415) {
    return {
      message: `That file is not an image the service can use. ${message}`,
      next: 'Choose a JPEG, PNG or WebP image.',
    };
  }
  if (error.status === 429) {
    return { message: `Too many requests. ${message}`, next: 'Wait a minute, then try again.' };
  }
  if (error.status >= 500) {
    return {
      message: `The service failed: ${message}`,
      next: 'Try again in a moment; if it keeps failing, tell whoever runs the service.',
    };
  }
  return { message: capitalise(message), next: 'Correct the request and try again. Nothing was charged.' };
}

/** Why a generation ended without a video, and what happened to its credits. */
export function explainUnsuccessful(view: GenerationView): Explanation {
  const refund = refundSentence(view);
  if (view.status === 'cancelled')
    return { message: `Cancelled. ${refund}`, next: 'Change the request and generate again.' };
  if (view.errorCode === 'MODERATION') {
    return {
      message: `The provider refused this request on safety grounds: ${view.error ?? 'moderation'}. ${refund}`,
      next: 'Reword the prompt or choose another image, then try again.',
    };
  }
  if (view.errorCode === 'INVALID_INPUT') {
    return {
      message: `The provider could not use this input: ${view.error ?? 'invalid input'}. ${refund}`,
      next: 'Change the prompt, image or options and try again.',
    };
  }
  return {
    message: `The generation failed: ${view.error ?? 'no reason given'}. ${refund}`,
    next: 'Try again; if it keeps failing, try another model.',
  };
}

export function refundSentence(view: GenerationView): string {
  const { reserved, used, refunded } = view.credits;
  if (refunded > 0) {
    return (
      `${formatCredits(refunded)} of ${formatCredits(reserved)} credits were refunded` +
      (used > 0 ? ` (${formatCredits(used)} charged for what was delivered).` : '.')
    );
  }
  return reserved > 0
    ? `${formatCredits(reserved)} credits are still reserved; the refund follows shortly.`
    : 'Nothing was charged.';
}

/** Credits have at most one decimal place. */
export function formatCredits(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

/** The option label in the model picker: name, price, and why it may not be usable. */
export function modelLabel(model: ModelView): string {
  const per = model.price.per === 'second' ? 'credits/s' : 'credits';
  const notes = modelBadges(model).map((badge) => badge.text);
  return [`${model.displayName} · ${formatCredits(model.price.credits)} ${per}`, ...notes].join(' · ');
}

export interface Badge {
  text: string;
  tone: 'info' | 'warn' | 'bad';
}

export function modelBadges(model: ModelView): Badge[] {
  const badges: Badge[] = [];
  const life = model.lifecycle;
  if (life?.status === 'retired') badges.push({ text: 'retired', tone: 'bad' });
  if (life?.status === 'deprecated') {
    badges.push({ text: 'deprecated', tone: 'warn' });
    if (life.sunsetAt) badges.push({ text: `sunset ${life.sunsetAt.slice(0, 10)}`, tone: 'warn' });
  }
  if (!model.available) badges.push({ text: 'not configured', tone: 'bad' });
  if (!model.kinds.includes('text-to-video')) badges.push({ text: 'needs an image', tone: 'info' });
  return badges;
}

/** Retired models cannot be used at all; the others can be chosen (an unconfigured one is explained on quote). */
export function isSelectable(model: ModelView): boolean {
  return model.lifecycle?.status !== 'retired';
}

/** The first usable model, preferring one that fits whether an image is there. */
export function defaultModel(models: ModelView[], hasImage: boolean): ModelView | undefined {
  const usable = models.filter((m) => isSelectable(m) && m.available);
  const kind = hasImage ? 'image-to-video' : 'text-to-video';
  return usable.find((m) => m.kinds.includes(kind)) ?? usable[0] ?? models.find(isSelectable);
}

/** Which optional fields to offer for a model: only what it accepts. */
export interface AcceptedFields {
  aspectRatios: string[];
  resolutions: string[];
  audio: boolean;
  negativePrompt: boolean;
  seed: boolean;
  frameIndex: boolean;
  crop: boolean;
}

export function acceptedFields(model: ModelView, hasImage: boolean): AcceptedFields {
  return {
    aspectRatios: model.aspectRatios ?? [],
    resolutions: model.resolutions ?? [],
    audio: model.features.audio,
    negativePrompt: model.features.negativePrompt,
    seed: model.features.seed,
    // Both place or trim the source image: meaningless without one.
    frameIndex: model.features.frameIndex && hasImage,
    crop: model.features.crop && hasImage,
  };
}

export type { Crop };

export interface FormState {
  model: ModelView;
  imageKey?: string;
  prompt: string;
  duration: string;
  aspectRatio?: string;
  resolution?: string;
  generateAudio?: boolean;
  negativePrompt?: string;
  seed?: string;
  frameIndex?: string;
  crop?: Crop;
}

/**
 * The body for POST /video-gen/generations (and /quote): an image makes it image-to-video when the model
 * takes images; fields the model does not accept are left out. The prompt is sent as typed, so the service's
 * own validation message is what the person sees.
 */
export function generationBody(state: FormState): Record<string, unknown> {
  const { model } = state;
  const hasImage = state.imageKey !== undefined;
  const accepts = acceptedFields(model, hasImage);
  const imageToVideo =
    model.kinds.includes('image-to-video') && (hasImage || !model.kinds.includes('text-to-video'));
  const body: Record<string, unknown> = {
    kind: imageToVideo ? 'image-to-video' : 'text-to-video',
    model: model.name,
    prompt: state.prompt,
    duration: state.duration,
  };
  if (imageToVideo && hasImage) body.id = state.imageKey;
  if (state.aspectRatio && accepts.aspectRatios.includes(state.aspectRatio))
    body.aspectRatio = state.aspectRatio;
  if (state.resolution && accepts.resolutions.includes(state.resolution)) body.resolution = state.resolution;
  if (accepts.audio && state.generateAudio !== undefined) body.generateAudio = state.generateAudio;
  if (accepts.negativePrompt && state.negativePrompt) body.negativePrompt = state.negativePrompt;
  const seed = integerField(state.seed);
  if (accepts.seed && seed !== undefined) body.seed = seed;
  const frameIndex = integerField(state.frameIndex);
  if (imageToVideo && accepts.frameIndex && frameIndex !== undefined && frameIndex > 0)
    body.frameIndex = frameIndex;
  if (imageToVideo && accepts.crop && state.crop && !isWholeImage(state.crop)) body.crop = state.crop;
  return body;
}

export interface ChainState {
  model: ModelView;
  imageKey?: string;
  prompts: string[];
  totalDuration: string;
  transition: string;
}

/** The body for POST /video-gen/chains (and its quote). */
export function chainBody(state: ChainState): Record<string, unknown> {
  const prompts = state.prompts.map((p) => p.trim()).filter((p) => p.length > 0);
  const total = Number(state.totalDuration);
  const body: Record<string, unknown> = {
    model: state.model.name,
    prompts: prompts.length > 0 ? prompts : [''],
    totalDuration: Number.isFinite(total) && state.totalDuration.trim() !== '' ? total : state.totalDuration,
    transition: state.transition,
  };
  if (state.imageKey && state.model.kinds.includes('image-to-video')) body.imageId = state.imageKey;
  return body;
}

function integerField(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
}

export function isWholeImage(crop: Crop): boolean {
  return crop.left === 0 && crop.top === 0 && crop.right === 1 && crop.bottom === 1;
}

/** One line for the quote box. */
export function describeQuote(quote: Quote): string {
  const parts = quote.segments.length > 1 ? ` in ${quote.segments.length} segments` : '';
  const line = `${formatCredits(quote.price.credits)} credits for ${quote.durationSeconds} s${parts}. Your balance: ${formatCredits(quote.balance)}.`;
  return quote.sufficient
    ? line
    : `${line} Not enough credits: choose a shorter duration or a cheaper model, or ask for more credits.`;
}

/** "Queued, position 3 in the queue", "Running, 40%", "Succeeded (simulated)". */
export function describeStatus(view: GenerationView): string {
  const status = capitalise(view.status) + (view.simulated ? ' (simulated)' : '');
  if (view.status === 'queued' && view.queuePosition !== undefined)
    return `${status}, position ${view.queuePosition} in the queue`;
  if (view.status === 'running' && view.progress !== undefined)
    return `${status}, ${Math.round(view.progress)}%`;
  return status;
}

export function describeSegment(segment: SegmentView, count: number): string {
  const progress = segment.progress !== undefined ? ` ${Math.round(segment.progress)}%` : '';
  const queue = segment.queuePosition !== undefined ? `, position ${segment.queuePosition} in the queue` : '';
  return `Segment ${segment.index + 1} of ${count} (${segment.durationSeconds} s): ${segment.status}${progress}${queue}`;
}

function capitalise(text: string): string {
  return text.length > 0 ? text[0].toUpperCase() + text.slice(1) : text;
}

/** How an extension of a video from this model is made, for the Extend form. */
export function extendHint(model: ModelView | undefined): string {
  if (model?.extend === 'native') return `${model.displayName} continues the video itself.`;
  return 'The new part starts from the last frame of this video.';
}

/** The seed's durations plus the model's native segment lengths, shortest first ("4s", "5s", "8s", ...). */
export function durationChoices(model: ModelView | undefined): string[] {
  const seconds = new Set<number>(DURATIONS.map((d) => Number.parseInt(d, 10)));
  for (const s of model?.segmentDurations ?? []) seconds.add(s);
  return [...seconds].sort((a, b) => a - b).map((s) => `${s}s`);
}
