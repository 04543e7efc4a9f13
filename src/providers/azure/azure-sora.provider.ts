import axios, { AxiosError, AxiosRequestConfig } from 'axios';
import FormData from 'form-data';
import type { ImagePreparer } from '../image-preparer.js';
import { parseSize } from '../image-preparer.js';
import { neverReachedServer } from '../../common/failures/network-errors.js';
import { extensionOfContentType } from '../../media/image-types.js';
import {
  MODERATION_MESSAGE,
  ProviderAmbiguousSubmitError,
  ProviderError,
  ProviderFailedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderTransientError,
  parseRetryAfter,
} from '../provider-errors.js';
import { headerGetter, openVideoStream } from '../video-download.js';
import {
  AzureRef,
  GenerationInput,
  PollResult,
  ProviderRef,
  SourceImage,
  SubmissionLookup,
  VideoProvider,
  VideoResult,
} from '../video-provider.js';

export interface AzureSoraOptions {
  /** `https://<resource>.openai.azure.com` (any path prefix is kept). */
  endpoint: string;
  apiKey: string;
  /** `api-key` header, or the key as a bearer token (what the OpenAI SDK samples do). */
  auth: 'api-key' | 'bearer';
  requestTimeoutMs: number;
}

const VIDEOS_SECONDS = new Set([4, 8, 12]);
const JOBS_API_VERSION = 'api-version=preview';

/** A request ready for axios: where, and which body (JSON object or multipart form). */
export interface AzureCreateRequest {
  path: string;
  json?: Record<string, unknown>;
  form?: FormData;
  /** Multipart fields as sent, for logs and contract tests. */
  fields?: Record<string, string>;
}

/**
 * Sora 2 (v1 Videos API): multipart for both kinds, as the Azure OpenAI.v1 spec documents `POST /videos`
 * (multipart/form-data only), with `input_reference` for image-to-video. Pure.
 */
export function buildVideosRequest(
  deployment: string,
  input: GenerationInput,
  size: string,
  image: SourceImage | undefined,
): AzureCreateRequest {
  if (!VIDEOS_SECONDS.has(input.durationSeconds)) {
    throw new ProviderRejectedError(
      'azure',
      'invalid_input',
      `Sora 2 makes 4, 8 or 12 second videos, not ${input.durationSeconds}`,
    );
  }
  const fields = { model: deployment, prompt: input.prompt, seconds: String(input.durationSeconds), size };
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (image) {
    form.append('input_reference', image.bytes, {
      filename: imageFileName(image),
      contentType: image.contentType,
    });
  }
  return { path: '/openai/v1/videos', form, fields };
}

/** Sora 1 jobs API (seed 000): width/height/n_seconds, and `files` + `inpaint_items` for an image. Pure. */
export function buildJobsRequest(
  deployment: string,
  input: GenerationInput,
  size: string,
  image: SourceImage | undefined,
): AzureCreateRequest {
  if (!Number.isInteger(input.durationSeconds) || input.durationSeconds < 1 || input.durationSeconds > 20) {
    throw new ProviderRejectedError(
      'azure',
      'invalid_input',
      `Sora makes 1 to 20 second videos, not ${input.durationSeconds}`,
    );
  }
  const { width, height } = parseSize(size);
  const path = `/openai/v1/video/generations/jobs?${JOBS_API_VERSION}`;
  const common = { model: deployment, prompt: input.prompt };
  if (!image) {
    return { path, json: { ...common, width, height, n_seconds: input.durationSeconds, n_variants: 1 } };
  }
  const fileName = imageFileName(image);
  // The image is already cropped to the requested bounds (ImagePreparer.fit), so the provider gets the whole frame.
  const inpaintItems = [
    {
      frame_index: input.frameIndex ?? 0,
      type: 'image',
      file_name: fileName,
      crop_bounds: { left_fraction: 0, top_fraction: 0, right_fraction: 1, bottom_fraction: 1 },
    },
  ];
  const fields: Record<string, string> = {
    ...common,
    width: String(width),
    height: String(height),
    n_seconds: String(input.durationSeconds),
    n_variants: '1',
    inpaint_items: JSON.stringify(inpaintItems),
  };
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('files', image.bytes, { filename: fileName, contentType: image.contentType });
  return { path, form, fields };
}

function imageFileName(image: SourceImage): string {
  return `source.${extensionOfContentType(image.contentType)}`;
}

interface AzureErrorFields {
  code?: unknown;
  message?: unknown;
  type?: unknown;
  inner_error?: { code?: unknown };
}

/** `{error: {...}}` (Videos API, observed bodies) or top-level `{code, message, inner_error}` (jobs API spec). */
interface AzureErrorBody extends AzureErrorFields {
  error?: AzureErrorFields;
}

/** The error fields of either shape. Pure. */
export function azureErrorOf(body: unknown): AzureErrorFields | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const wrapped = (body as AzureErrorBody).error;
  if (typeof wrapped === 'object' && wrapped !== null) return wrapped;
  const top = body as AzureErrorFields;
  return top.code !== undefined || top.message !== undefined || top.inner_error !== undefined
    ? top
    : undefined;
}

export type HttpReply = { status: number; body: unknown; headers: Record<string, unknown> };

class AzureUnreadableReply extends Error {}

/**
 * OpenAI Sora on Azure OpenAI, with axios and form-data. Two surfaces, chosen per catalog entry
 * (`azureApi`): the v1 Videos API (`videos`, Sora 2) and the preview video generation jobs API (`jobs`).
 */
export class AzureSoraProvider extends VideoProvider {
  readonly name = 'azure' as const;
  private readonly base: string;

  constructor(
    private readonly options: AzureSoraOptions,
    private readonly images: ImagePreparer,
  ) {
    super();
    this.base = options.endpoint.replace(/\/+$/, '');
  }

  async submit(input: GenerationInput): Promise<AzureRef> {
    const api = input.model.azureApi ?? 'videos';
    const deployment = input.model.providerModel;
    const size = input.size ?? input.model.defaults.size;
    if (!size) throw new ProviderRejectedError('azure', 'invalid_input', `${input.model.name} needs a size`);
    if (api === 'videos' && (input.frameIndex ?? 0) !== 0) {
      throw new ProviderRejectedError(
        'azure',
        'invalid_input',
        `${input.model.name} can only start from the image (frameIndex 0)`,
      );
    }
    const image = input.image ? await this.prepareImage(input, size) : undefined;
    const request =
      api === 'videos'
        ? buildVideosRequest(deployment, input, size, image)
        : buildJobsRequest(deployment, input, size, image);
    const submittedAt = new Date();
    let reply: HttpReply;
    try {
      reply = await this.send({
        method: 'POST',
        url: request.path,
        data: request.form ?? request.json,
        headers: request.form ? request.form.getHeaders() : { 'Content-Type': 'application/json' },
      });
    } catch (error) {
      throw this.transportError(error, 'create', submittedAt);
    }
    if (reply.status === 502 || reply.status === 504) {
      throw new ProviderAmbiguousSubmitError(
        'azure',
        `Azure create answered HTTP ${reply.status}; the job may have been created`,
        submittedAt,
      );
    }
    if (reply.status < 200 || reply.status >= 300) throw azureHttpError(reply, 'create');
    const id = (reply.body as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string' || id === '') {
      throw new ProviderAmbiguousSubmitError(
        'azure',
        'Azure accepted the create but sent no id',
        submittedAt,
      );
    }
    return { provider: 'azure', api, deployment, id };
  }

  async poll(ref: ProviderRef): Promise<PollResult> {
    const azure = this.azureRef(ref);
    const job = await this.getJson(this.jobPath(azure), 'status');
    return azure.api === 'videos' ? videoPollResult(job) : jobPollResult(job);
  }

  async fetchResult(ref: ProviderRef): Promise<VideoResult> {
    const azure = this.azureRef(ref);
    let contentPath: string;
    if (azure.api === 'videos') {
      contentPath = `/openai/v1/videos/${encodeURIComponent(azure.id)}/content?variant=video`;
    } else {
      const job = (await this.getJson(this.jobPath(azure), 'status')) as {
        generations?: Array<{ id?: unknown }>;
      };
      const generation = job?.generations?.[0]?.id;
      if (typeof generation !== 'string') {
        throw new ProviderFailedError(
          'azure',
          'result_unavailable',
          'Azure job has no generation to download',
        );
      }
      contentPath = `/openai/v1/video/generations/${encodeURIComponent(generation)}/content/video?${JOBS_API_VERSION}`;
    }
    return openVideoStream('azure', `${this.base}${contentPath}`, {
      headers: this.authHeaders(),
      timeoutMs: this.options.requestTimeoutMs,
      what: 'Azure video content',
    });
  }

  async cancel(ref: ProviderRef): Promise<void> {
    const azure = this.azureRef(ref);
    let reply: HttpReply;
    try {
      reply = await this.send({ method: 'DELETE', url: this.jobPath(azure) });
    } catch (error) {
      throw this.transportError(error, 'delete');
    }
    if (reply.status === 404 || (reply.status >= 200 && reply.status < 300)) return;
    throw azureHttpError(reply, 'delete');
  }

  async findSubmission(input: GenerationInput, since: Date): Promise<SubmissionLookup> {
    const api = input.model.azureApi ?? 'videos';
    const deployment = input.model.providerModel;
    const size = input.size ?? input.model.defaults.size ?? '';
    const listPath =
      api === 'videos'
        ? '/openai/v1/videos?limit=50&order=desc'
        : `/openai/v1/video/generations/jobs?${JOBS_API_VERSION}&limit=50`;
    const list = (await this.getJson(listPath, 'list')) as { data?: Array<Record<string, unknown>> };
    // Allow for clock skew between this host and Azure.
    const earliest = Math.floor(since.getTime() / 1000) - 120;
    const { width, height } = parseSize(size);
    const candidates = (list?.data ?? []).filter((job) => {
      if (typeof job.created_at === 'number' && job.created_at < earliest) return false;
      if (job.model !== undefined && job.model !== deployment) return false;
      if (typeof job.prompt === 'string' && job.prompt !== input.prompt) return false;
      return api === 'videos'
        ? String(job.seconds) === String(input.durationSeconds) && job.size === size
        : job.n_seconds === input.durationSeconds && job.width === width && job.height === height;
    });
    if (candidates.length === 1 && typeof candidates[0].id === 'string') {
      return { found: { provider: 'azure', api, deployment, id: candidates[0].id } };
    }
    if (candidates.length === 0) return { absent: true };
    return { unknown: `${candidates.length} Azure jobs match; cannot tell which one is ours` };
  }

  private async prepareImage(input: GenerationInput, size: string): Promise<SourceImage> {
    const { width, height } = parseSize(size);
    return this.images.fit(input.image!, width, height, input.crop, 'azure');
  }

  private jobPath(ref: AzureRef): string {
    return ref.api === 'videos'
      ? `/openai/v1/videos/${encodeURIComponent(ref.id)}`
      : `/openai/v1/video/generations/jobs/${encodeURIComponent(ref.id)}?${JOBS_API_VERSION}`;
  }

  private async getJson(path: string, operation: string): Promise<unknown> {
    let reply: HttpReply;
    try {
      reply = await this.send({ method: 'GET', url: path });
    } catch (error) {
      throw this.transportError(error, operation);
    }
    if (reply.status < 200 || reply.status >= 300) throw azureHttpError(reply, operation);
    return reply.body;
  }

  private authHeaders(): Record<string, string> {
    return this.options.auth === 'bearer'
      ? { Authorization: `Bearer ${this.options.apiKey}` }
      : { 'api-key': this.options.apiKey };
  }

  /** One HTTP exchange. Resolves for every status; rejects only when no readable answer came back. */
  private async send(config: AxiosRequestConfig): Promise<HttpReply> {
    const response = await axios.request<string>({
      ...config,
      baseURL: this.base,
      headers: { Accept: 'application/json', ...config.headers, ...this.authHeaders() },
      timeout: this.options.requestTimeoutMs,
      responseType: 'text',
      transformResponse: [(data: string) => data],
      validateStatus: () => true,
      maxBodyLength: Infinity,
      maxContentLength: 10 * 1024 * 1024,
    });
    const text = response.data ?? '';
    const isJson = String(response.headers['content-type'] ?? '').includes('json');
    let body: unknown = text;
    if (isJson && text !== '') {
      try {
        body = JSON.parse(text);
      } catch (error) {
        if (response.status >= 200 && response.status < 300) {
          throw new AzureUnreadableReply(
            `Azure answered HTTP ${response.status} with malformed JSON: ${(error as Error).message}`,
          );
        }
      }
    } else if (response.status >= 200 && response.status < 300 && response.status !== 204) {
      throw new AzureUnreadableReply(`Azure answered HTTP ${response.status} without JSON`);
    }
    return { status: response.status, body, headers: response.headers as Record<string, unknown> };
  }

  private transportError(error: unknown, operation: string, submittedAt?: Date): ProviderError {
    const unreadable = error instanceof AzureUnreadableReply;
    const code = (error as AxiosError).code;
    const neverSent = neverReachedServer(error);
    const message = unreadable
      ? (error as Error).message
      : `Azure ${operation} got no answer: ${code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? 'timed out' : (code ?? (error as Error).message)}`;
    if (submittedAt && !neverSent) {
      return new ProviderAmbiguousSubmitError(
        'azure',
        `${message}; the job may have been created`,
        submittedAt,
      );
    }
    return new ProviderTransientError('azure', message);
  }

  private azureRef(ref: ProviderRef): AzureRef {
    if (ref.provider !== 'azure') throw new Error(`AzureSoraProvider got a ${ref.provider} ref`);
    return ref;
  }
}

/**
 * A non-2xx Azure answer as a ProviderError. Reads both error shapes; a content-policy code (top-level or in
 * `inner_error`, e.g. ResponsibleAIPolicyViolation on a jobs create) is moderation. Pure.
 */
export function azureHttpError(reply: HttpReply, operation: string): ProviderError {
  const error = azureErrorOf(reply.body);
  const detail =
    typeof error?.message === 'string'
      ? error.message
      : typeof reply.body === 'string'
        ? reply.body.slice(0, 300)
        : '';
  const message = `Azure ${operation} answered HTTP ${reply.status}${detail ? `: ${detail}` : ''}`;
  switch (true) {
    case reply.status === 400 || reply.status === 422:
      return isModeration(error?.code) || isModeration(error?.inner_error?.code)
        ? new ProviderRejectedError('azure', 'moderation', MODERATION_MESSAGE, detail)
        : new ProviderRejectedError(
            'azure',
            'invalid_input',
            `The video provider rejected the request: ${detail}`,
            detail,
          );
    case reply.status === 401 || reply.status === 403:
      return new ProviderFailedError(
        'azure',
        'unauthorized',
        `${message} (check AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT)`,
      );
    case reply.status === 404:
      return operation === 'create'
        ? new ProviderFailedError('azure', 'misconfigured', `${message} (check the deployment name)`)
        : new ProviderFailedError('azure', 'not_found', message);
    case reply.status === 429:
      return new ProviderRateLimitedError('azure', message, parseRetryAfter(headerGetter(reply.headers)));
    default:
      return new ProviderTransientError('azure', message);
  }
}

function isModeration(code: unknown): boolean {
  return (
    typeof code === 'string' &&
    /moderation|content_policy|content_filter|ResponsibleAIPolicyViolation/i.test(code)
  );
}

/** Sora 2 `Video` object -> our poll result. Pure. */
export function videoPollResult(body: unknown): PollResult {
  const video = body as {
    status?: unknown;
    progress?: unknown;
    error?: { code?: unknown; message?: unknown } | null;
  };
  const progress =
    typeof video?.progress === 'number' ? Math.max(0, Math.min(100, video.progress)) : undefined;
  const withProgress = progress === undefined ? {} : { progress };
  switch (video?.status) {
    case 'queued':
      return { state: 'queued', ...withProgress };
    case 'in_progress':
      return { state: 'running', ...withProgress };
    case 'completed':
      return { state: 'succeeded', progress: 100 };
    case 'cancelled':
      return { state: 'cancelled', ...withProgress };
    case 'failed': {
      const code = String(video.error?.code ?? 'unknown');
      const detail = `${code}: ${String(video.error?.message ?? 'no message')}`;
      return {
        state: 'failed',
        error: isModeration(code)
          ? new ProviderRejectedError('azure', 'moderation', MODERATION_MESSAGE, detail)
          : new ProviderFailedError('azure', 'generation_failed', `Sora generation failed: ${detail}`),
      };
    }
    case undefined:
      // Reported by third parties: `status` is sometimes missing mid-job. Treat it as a transient hiccup.
      throw new ProviderTransientError('azure', 'Azure video status came back without a status');
    default:
      throw new ProviderTransientError(
        'azure',
        `Azure reported an unknown video status ${JSON.stringify(video.status)}`,
      );
  }
}

/** Sora 1 job object -> our poll result. Pure. */
export function jobPollResult(body: unknown): PollResult {
  const job = body as { status?: unknown; failure_reason?: unknown; generations?: unknown[] };
  switch (job?.status) {
    case 'queued':
      return { state: 'queued' };
    case 'preprocessing':
    case 'running':
    case 'processing':
      return { state: 'running' };
    case 'succeeded':
      return { state: 'succeeded', progress: 100 };
    case 'cancelled':
      return { state: 'cancelled' };
    case 'failed': {
      const reason = String(job.failure_reason ?? 'unknown');
      return {
        state: 'failed',
        error: isModeration(reason)
          ? new ProviderRejectedError('azure', 'moderation', MODERATION_MESSAGE, reason)
          : new ProviderFailedError('azure', 'generation_failed', `Sora job failed: ${reason}`),
      };
    }
    default:
      throw new ProviderTransientError(
        'azure',
        `Azure reported an unknown job status ${JSON.stringify(job?.status)}`,
      );
  }
}
