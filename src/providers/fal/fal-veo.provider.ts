import { ApiError, createFalClient, type FalClient } from '@fal-ai/client';
import type { ImagePreparer } from '../image-preparer.js';
import {
  MODERATION_MESSAGE,
  ProviderAmbiguousSubmitError,
  ProviderError,
  ProviderFailedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderTransientError,
} from '../provider-errors.js';
import { openVideoStream } from '../video-download.js';
import { buildFalExtendInput, buildFalInput, falMapping, valueAtPath } from './fal-input.js';
import {
  FalRef,
  GenerationInput,
  PollResult,
  ProviderRef,
  SubmissionLookup,
  VideoProvider,
  VideoResult,
} from '../video-provider.js';
import {
  FalHttpFailure,
  FalTransportFailure,
  FalUnreadableReply,
  createFalFetch,
  falResponseHandler,
  redirectTo,
} from './fal-transport.js';

export interface FalVeoOptions {
  key: string;
  /** Unset: the real fal hosts; set: every request goes to this base URL (simulator, proxy). */
  baseUrl?: string;
  /** Images up to this many bytes go inline as a data URI; larger ones are uploaded to fal storage first. */
  inlineImageMaxBytes: number;
  requestTimeoutMs: number;
}

/** Kept for callers of the seed's name: the input is now built from the catalog mapping. */
export const buildFalRequest = buildFalInput;

/** `data:image/png;base64,...`, the seed's way of sending the source image. */
export function toDataUri(bytes: Buffer, contentType: string): string {
  return `data:${contentType};base64,${bytes.toString('base64')}`;
}

interface FalStatus {
  status?: unknown;
  queue_position?: unknown;
  error?: unknown;
  error_type?: unknown;
}

/**
 * Google Veo on fal.ai through the fal queue (@fal-ai/client). One client instance per adapter, never
 * the global singleton, so configuration cannot leak between adapters or tests.
 */
export class FalVeoProvider extends VideoProvider {
  readonly name = 'fal' as const;
  private readonly client: FalClient;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly options: FalVeoOptions,
    private readonly images: ImagePreparer,
  ) {
    super();
    this.fetch = createFalFetch(options.requestTimeoutMs);
    this.client = createFalClient({
      credentials: options.key,
      suppressLocalCredentialsWarning: true,
      fetch: this.fetch,
      responseHandler: falResponseHandler,
      ...(options.baseUrl ? { requestMiddleware: redirectTo(options.baseUrl) } : {}),
    });
  }

  async submit(input: GenerationInput): Promise<FalRef> {
    const endpoint = this.endpointFor(input);
    const body = input.video
      ? buildFalExtendInput(input, await this.upload(input.video.bytes, input.video.contentType))
      : buildFalInput(input, input.image ? await this.imageUrl(input) : undefined);
    const submittedAt = new Date();
    let reply: { request_id?: unknown };
    try {
      reply = await this.client.queue.submit(endpoint, { input: body });
    } catch (error) {
      throw this.submitError(error, submittedAt);
    }
    if (typeof reply?.request_id !== 'string' || reply.request_id === '') {
      throw new ProviderAmbiguousSubmitError(
        'fal',
        'fal accepted the submit but sent no request_id',
        submittedAt,
      );
    }
    const { videoUrlPath } = falMapping(input.model);
    return {
      provider: 'fal',
      endpoint,
      requestId: reply.request_id,
      ...(videoUrlPath !== 'video.url' ? { videoUrlPath } : {}),
    };
  }

  async poll(ref: ProviderRef): Promise<PollResult> {
    const { endpoint, requestId, videoUrlPath } = this.falRef(ref);
    const status = (await this.call('status', () =>
      this.client.queue.status(endpoint, { requestId, logs: true }),
    )) as FalStatus;
    switch (status?.status) {
      case 'IN_QUEUE':
        return {
          state: 'queued',
          ...(typeof status.queue_position === 'number' ? { queuePosition: status.queue_position } : {}),
        };
      case 'IN_PROGRESS':
        return { state: 'running' };
      case 'COMPLETED':
        return this.completedOutcome(endpoint, requestId, status, videoUrlPath);
      default:
        throw new ProviderTransientError(
          'fal',
          `fal reported an unknown status ${JSON.stringify(status?.status)}`,
        );
    }
  }

  async fetchResult(ref: ProviderRef): Promise<VideoResult> {
    const { endpoint, requestId, videoUrlPath } = this.falRef(ref);
    const url = videoUrlOf(await this.call('result', () => this.result(endpoint, requestId)), videoUrlPath);
    return openVideoStream('fal', url, {
      timeoutMs: this.options.requestTimeoutMs,
      what: 'fal result video',
    });
  }

  async cancel(ref: ProviderRef): Promise<void> {
    const { endpoint, requestId } = this.falRef(ref);
    try {
      await this.client.queue.cancel(endpoint, { requestId });
    } catch (error) {
      // Already finished (fal: ALREADY_COMPLETED / NOT_FOUND answers) is not a failure to cancel.
      if (error instanceof FalHttpFailure && [400, 404, 409].includes(error.status)) return;
      throw this.classify(error, 'cancel');
    }
  }

  async findSubmission(): Promise<SubmissionLookup> {
    return { unknown: 'the fal queue API cannot list requests, so an unanswered submit cannot be looked up' };
  }

  private endpointFor(input: GenerationInput): string {
    if (input.video) {
      const endpoint = input.model.fal?.extendEndpoint;
      if (!endpoint) {
        throw new ProviderRejectedError('fal', 'invalid_input', `${input.model.name} has no extend endpoint`);
      }
      return endpoint;
    }
    if (input.image) return input.model.providerModel;
    if (input.model.textToVideoModel) return input.model.textToVideoModel;
    throw new ProviderRejectedError('fal', 'invalid_input', `${input.model.name} needs a source image`);
  }

  /** Seed behaviour: the image inline as base64; above the configured size, through fal storage. */
  private async imageUrl(input: GenerationInput): Promise<string> {
    let image = input.image!;
    if (input.crop) image = await this.images.crop(image, input.crop);
    if (image.bytes.length <= this.options.inlineImageMaxBytes)
      return toDataUri(image.bytes, image.contentType);
    return this.upload(image.bytes, image.contentType);
  }

  /** Through fal storage: videos always (data URIs for video are not documented), large images. */
  private async upload(bytes: Buffer, contentType: string): Promise<string> {
    try {
      return await this.client.storage.upload(new Blob([new Uint8Array(bytes)], { type: contentType }));
    } catch (error) {
      // Nothing was submitted yet, so an upload failure is never ambiguous.
      const classified = this.classify(error, 'upload');
      throw classified instanceof ProviderAmbiguousSubmitError
        ? new ProviderTransientError('fal', classified.message)
        : classified;
    }
  }

  /**
   * fal never reports FAILED: a failed request completes, and the error comes from the result call (or as
   * `error` on the status). So a COMPLETED status is confirmed against the result before it counts.
   */
  private async completedOutcome(
    endpoint: string,
    requestId: string,
    status: FalStatus,
    videoUrlPath?: string,
  ): Promise<PollResult> {
    if (status.error) {
      if (status.error_type === 'client_cancelled') return { state: 'cancelled' };
      return { state: 'failed', error: failureFromDetail(String(status.error), status.error_type) };
    }
    try {
      videoUrlOf(await this.result(endpoint, requestId), videoUrlPath);
      return { state: 'succeeded', progress: 100 };
    } catch (error) {
      // The result call returns the model's own error; a plain 500 there is the model failing, not the gateway.
      const status = error instanceof FalHttpFailure || error instanceof ApiError ? error.status : 0;
      if (status === 500) {
        return {
          state: 'failed',
          error: new ProviderFailedError(
            'fal',
            'generation_failed',
            `fal generation failed: ${(error as Error).message}`,
          ),
        };
      }
      const classified = this.classify(error, 'result');
      if (classified instanceof ProviderRejectedError || classified instanceof ProviderFailedError) {
        return { state: 'failed', error: classified };
      }
      throw classified;
    }
  }

  /**
   * GET the result ourselves rather than through queue.result(): that method installs the client's own
   * response handler and retries 429 and 5xx inside the client, ignoring Retry-After. Here a 429 becomes a
   * ProviderRateLimitedError carrying Retry-After, and the pipeline waits as told. Owner/app only, as fal
   * routes result URLs.
   */
  private async result(endpoint: string, requestId: string): Promise<{ data: unknown; requestId: string }> {
    const [owner, alias] = endpoint.split('/');
    let request: Awaited<ReturnType<ReturnType<typeof redirectTo>>> = {
      method: 'GET',
      url: `https://queue.fal.run/${owner}/${alias}/requests/${encodeURIComponent(requestId)}`,
      headers: { Authorization: `Key ${this.options.key}`, Accept: 'application/json' },
    };
    if (this.options.baseUrl) request = await redirectTo(this.options.baseUrl)(request);
    const headers = request.headers as Record<string, string> | undefined;
    const response = await this.fetch(request.url, { method: 'GET', headers });
    return { data: await falResponseHandler(response), requestId };
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.classify(error, operation);
    }
  }

  private submitError(error: unknown, submittedAt: Date): ProviderError {
    const sent = 'the request may have been accepted';
    if (error instanceof FalTransportFailure && error.reachedServer) {
      return new ProviderAmbiguousSubmitError(
        'fal',
        `fal submit got no answer (${error.message}); ${sent}`,
        submittedAt,
      );
    }
    if (error instanceof FalUnreadableReply) {
      return new ProviderAmbiguousSubmitError('fal', `${error.message}; ${sent}`, submittedAt);
    }
    // A gateway that timed out or failed in front of the queue says nothing about whether it enqueued.
    if (error instanceof FalHttpFailure && (error.status === 502 || error.status === 504)) {
      return new ProviderAmbiguousSubmitError('fal', `${error.message}; ${sent}`, submittedAt);
    }
    return this.classify(error, 'submit');
  }

  private classify(error: unknown, operation: string): ProviderError {
    if (error instanceof ProviderError) return error;
    // queue.result() installs the client's own response handler, so its failures arrive as ApiError.
    if (error instanceof ApiError) {
      error = new FalHttpFailure(error.status, error.body, undefined, undefined);
    }
    if (error instanceof SyntaxError) error = new FalUnreadableReply(200, error.message);
    if (error instanceof FalHttpFailure) {
      const { status } = error;
      if (status === 422 || status === 400) return rejectionFromBody(error.body, error.message);
      if (status === 401 || status === 403) {
        return new ProviderFailedError(
          'fal',
          'unauthorized',
          `fal refused the key (check FAL_KEY): ${error.message}`,
        );
      }
      if (status === 404)
        return new ProviderFailedError('fal', 'not_found', `fal ${operation}: ${error.message}`);
      if (status === 429)
        return new ProviderRateLimitedError('fal', `fal ${operation}: ${error.message}`, error.retryAfterMs);
      return new ProviderTransientError('fal', `fal ${operation}: ${error.message}`);
    }
    if (error instanceof FalTransportFailure || error instanceof FalUnreadableReply) {
      return new ProviderTransientError('fal', `fal ${operation}: ${error.message}`);
    }
    return new ProviderTransientError(
      'fal',
      `fal ${operation} failed: ${(error as Error)?.message ?? String(error)}`,
      {
        cause: error,
      },
    );
  }

  private falRef(ref: ProviderRef): FalRef {
    if (ref.provider !== 'fal') throw new Error(`FalVeoProvider got a ${ref.provider} ref`);
    return ref;
  }
}

function videoUrlOf(result: unknown, path = 'video.url'): string {
  const url = valueAtPath((result as { data?: unknown })?.data, path);
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new ProviderTransientError('fal', 'fal result has no video URL');
  }
  return url;
}

interface FalDetail {
  msg?: unknown;
  type?: unknown;
  loc?: unknown;
}

/** fal's FastAPI-style `{detail: [...]}` (or `{detail: "..."}`) as a ProviderRejectedError. */
export function rejectionFromBody(body: unknown, fallback: string): ProviderRejectedError {
  const detail = (body as { detail?: unknown })?.detail;
  const items: FalDetail[] = Array.isArray(detail)
    ? detail
    : typeof detail === 'string'
      ? [{ msg: detail, type: 'value_error' }]
      : [];
  const moderation = items.some((d) => /content_policy|moderation|safety/i.test(String(d.type ?? '')));
  const messages = items.map((d) => {
    const field = Array.isArray(d.loc) ? d.loc.filter((part) => part !== 'body').join('.') : '';
    return field ? `${field}: ${String(d.msg)}` : String(d.msg);
  });
  const providerDetail = messages.length > 0 ? messages.join('; ') : fallback;
  return moderation
    ? new ProviderRejectedError('fal', 'moderation', MODERATION_MESSAGE, providerDetail)
    : new ProviderRejectedError(
        'fal',
        'invalid_input',
        `The video provider rejected the request: ${providerDetail}`,
        providerDetail,
      );
}

function failureFromDetail(message: string, errorType: unknown): ProviderRejectedError | ProviderFailedError {
  if (/content_policy|moderation|safety/i.test(String(errorType ?? ''))) {
    return rejectionFromBody({ detail: [{ msg: message, type: errorType }] }, message);
  }
  return new ProviderFailedError('fal', 'generation_failed', `fal generation failed: ${message}`);
}
