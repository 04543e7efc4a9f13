import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { promptMarkers, submitRefusal } from './prompt-markers.js';
import type { Fault, FaultOperation, JobTiming } from './simulator-faults.js';
import { RecordedRequest, sendFile, sendJson, sendMalformedJson, sleep } from './simulator-http.js';
import { SimulatedVideoRenderer } from './simulated-video.renderer.js';
import { SimulatorBase, type TimedJob } from './simulator-base.js';
import type { SimulatorStore } from './simulator-store.js';
import { falSchemaFor, type FalEndpointSchema } from './fal-schemas/fal-schemas.data.js';
import {
  requestedSeconds,
  validateFalInput,
  type FalValidationDetail,
} from './fal-schemas/fal-schema.validator.js';

export interface FalSimulatorOptions {
  renderer: SimulatedVideoRenderer;
  /** The key clients must send as `Authorization: Key <key>`. */
  key: string;
  timing?: JobTiming;
  /** Where jobs and files persist (DATA_DIR/simulators/fal); memory only when absent. */
  store?: SimulatorStore;
  /** Requests ahead of a new job when it is first seen (counts down as it waits). */
  queuePosition?: number;
  /** Where input validation errors surface: at result time (what fal does per reports) or at submit. */
  validationAt?: 'result' | 'submit';
}

type ValidationDetail = FalValidationDetail;

interface FalJob extends TimedJob {
  /** owner/app: the only part of the endpoint id that status, result and cancel URLs carry. */
  app: string;
  endpoint: string;
  input: Record<string, unknown>;
  /** The transcribed schema, or undefined for an endpoint the simulator does not know (accepted generically). */
  schema?: FalEndpointSchema;
  errors: ValidationDetail[];
  outcome: 'ok' | 'moderation' | 'generation-failure';
  cancelled: boolean;
  video?: { fileId: string; bytes: number };
  renderError?: string;
  render?: Promise<void>;
}

const QUEUE_HOST = 'https://queue.fal.run';

/**
 * A local fal queue: the URL shapes, status codes, bodies and headers the real queue uses (see
 * shared/reference/fal-veo.md), strict Veo input validation, fal storage uploads, and result files served
 * from loopback. Results are real MP4s made from the submitted image.
 */
export class FalQueueSimulator extends SimulatorBase<FalJob> {
  private readonly files = new Map<string, { bytes: Buffer; contentType: string; video: boolean }>();
  /** When each `[sim:rate-limit]` prompt was first submitted (its 429 window starts then). */
  private readonly firstSubmits = new Map<string, number>();
  protected readonly logger = new Logger('FalSimulator');

  private constructor(private readonly options: FalSimulatorOptions) {
    super(options);
  }

  /** Starts on its own server (`port` 0 = any free one), with the jobs and files persisted in `store`. */
  static async start(
    options: FalSimulatorOptions,
    at: { port?: number; host?: string } = {},
  ): Promise<FalQueueSimulator> {
    const simulator = await FalQueueSimulator.create(options);
    await simulator.listen(at.port, at.host);
    return simulator;
  }

  /** Not yet serving: mount() it on a shared server. Loads persisted files and jobs first. */
  static async create(options: FalSimulatorOptions): Promise<FalQueueSimulator> {
    const simulator = new FalQueueSimulator(options);
    await simulator.load();
    return simulator;
  }

  private async load(): Promise<void> {
    if (!this.store) return;
    for (const { meta, bytes } of await this.store.loadFiles<{
      id: string;
      contentType: string;
      video: boolean;
    }>()) {
      this.files.set(meta.id, { bytes, contentType: meta.contentType, video: meta.video });
    }
    for (const job of await this.store.loadJobs<FalJob>()) {
      this.jobs.set(job.id, job);
      // The render died with the previous process: render again (the timeline is wall-clock, unchanged).
      if (this.rendersVideo(job) && !job.video) job.render = this.track(this.render(job));
    }
  }

  private rendersVideo(job: FalJob): boolean {
    return job.errors.length === 0 && job.outcome === 'ok' && !job.cancelled;
  }

  protected record(job: FalJob): unknown {
    const { render: _render, renderError: _error, ...record } = job;
    return record;
  }

  protected override async forget(job: FalJob): Promise<void> {
    await super.forget(job);
    if (job.video) {
      this.files.delete(job.video.fileId);
      await this.store?.deleteFile(job.video.fileId);
    }
  }

  private async keepFile(id: string, file: { bytes: Buffer; contentType: string; video: boolean }) {
    this.files.set(id, file);
    await this.store?.saveFile(id, file.bytes, { contentType: file.contentType, video: file.video });
  }

  get baseUrl(): string {
    return this.baseUrlOfServer;
  }

  protected async handle(request: RecordedRequest, res: ServerResponse): Promise<void> {
    const { method, path } = request;
    const segments = path.split('/').filter(Boolean);

    if (method === 'GET' && segments[0] === 'files' && segments.length === 2) {
      return this.serveFile(segments[1], res);
    }
    if (method === 'PUT' && segments[0] === 'upload' && segments.length === 2) {
      if (await this.applyFaults('upload', res)) return;
      await this.keepFile(segments[1], {
        bytes: request.body,
        contentType: request.headers['content-type'] ?? 'application/octet-stream',
        video: false,
      });
      res.writeHead(200).end();
      return;
    }
    if (!this.authorised(request)) {
      return sendJson(res, 401, { detail: 'No user found for Key ID and Secret' });
    }
    if (method === 'POST' && path === '/storage/upload/initiate') {
      if (await this.applyFaults('upload', res)) return;
      const id = randomUUID();
      return sendJson(res, 200, {
        upload_url: `${this.baseUrl}/upload/${id}`,
        file_url: `${this.baseUrl}/files/${id}`,
      });
    }
    const requestsAt = segments.indexOf('requests');
    if (requestsAt === 2 && segments.length >= 4) {
      const app = segments.slice(0, 2).join('/');
      const id = segments[3];
      const rest = segments.slice(4).join('/');
      if (method === 'GET' && rest === 'status') return this.status(app, id, request, res);
      if (method === 'GET' && rest === '') return this.result(app, id, res);
      if (method === 'PUT' && rest === 'cancel') return this.cancel(app, id, res);
      // fal answers a full endpoint path on these routes with 405 (the sub-path belongs on submit only).
      return sendJson(res, 405, { detail: 'Method Not Allowed' });
    }
    if (method === 'POST' && segments.length >= 2) return this.submit(segments.join('/'), request, res);
    return sendJson(res, 404, { detail: 'Not Found' });
  }

  private authorised(request: RecordedRequest): boolean {
    return request.headers.authorization === `Key ${this.options.key}`;
  }

  /** Applies the faults for one request. True when the fault answered (or will never answer) the request. */
  private async applyFaults(
    operation: FaultOperation,
    res: ServerResponse,
    requestId?: string,
  ): Promise<boolean> {
    for (const fault of this.behaviours(operation)) {
      if (fault.kind === 'latency') {
        await sleep(fault.ms);
        continue;
      }
      if (this.answerFault(fault, res, requestId)) return true;
    }
    return false;
  }

  private answerFault(fault: Fault, res: ServerResponse, requestId?: string): boolean {
    const idHeader: Record<string, string> = requestId ? { 'x-fal-request-id': requestId } : {};
    switch (fault.kind) {
      case 'rate-limit':
        sendJson(
          res,
          429,
          { detail: 'Rate limit exceeded', error_type: 'rate_limited' },
          { 'retry-after': String(fault.retryAfterSeconds ?? 2), ...idHeader },
        );
        return true;
      case 'server-error': {
        const status = fault.status ?? 503;
        const errorType =
          status === 504
            ? 'request_timeout'
            : status === 503
              ? 'runner_scheduling_failure'
              : 'internal_error';
        sendJson(
          res,
          status,
          { detail: 'Simulated server error', error_type: errorType },
          { 'x-fal-error-type': errorType, ...idHeader },
        );
        return true;
      }
      case 'hang':
        return true; // never answered; the connection is closed when the simulator stops
      case 'malformed-json':
        sendMalformedJson(res);
        return true;
      case 'not-found':
        sendJson(res, 404, { detail: 'Not Found' });
        return true;
      default:
        return false;
    }
  }

  private async submit(endpoint: string, request: RecordedRequest, res: ServerResponse): Promise<void> {
    const markers = promptMarkers(isObject(request.json) ? request.json.prompt : undefined);
    const refusal = submitRefusal(markers, this.firstSubmit(markers, request.json), Date.now());
    const faults = this.behaviours('submit', refusal ? [refusal] : []);
    for (const fault of faults) {
      if (fault.kind === 'latency') await sleep(fault.ms);
      else if (this.answerFault(fault, res)) return;
    }
    const schema = falSchemaFor(endpoint);
    if (!isObject(request.json)) {
      return sendJson(res, 422, {
        detail: [
          { loc: ['body'], msg: 'Input should be a valid JSON object', type: 'model_attributes_type' },
        ],
      });
    }
    const input = request.json;
    const errors = schema ? validateFalInput(schema, input, (url, kind) => this.fileBytes(url, kind)) : [];
    if (errors.length > 0 && this.options.validationAt === 'submit') {
      return sendJson(res, 422, { detail: errors }, { 'x-fal-retryable': 'false' });
    }
    const [owner, alias] = endpoint.split('/');
    const marked = this.markersOf(markers);
    const job: FalJob = {
      id: randomUUID(),
      app: `${owner}/${alias}`,
      endpoint,
      createdAt: Date.now(),
      polls: 0,
      markers: marked,
      input,
      schema,
      errors,
      outcome: faults.some((f) => f.kind === 'moderation')
        ? 'moderation'
        : faults.some((f) => f.kind === 'generation-failure')
          ? 'generation-failure'
          : (marked.outcome ?? 'ok'),
      cancelled: false,
    };
    this.jobs.set(job.id, job);
    // Persisted before the answer: a job the client was told about survives a crash of the simulator.
    await this.persist(job);
    if (this.rendersVideo(job)) job.render = this.track(this.render(job));
    sendJson(
      res,
      200,
      {
        status: 'IN_QUEUE',
        request_id: job.id,
        ...this.urls(job),
        logs: null,
        metrics: {},
        queue_position: this.position(job),
      },
      { 'x-fal-request-id': job.id },
    );
  }

  /** The bytes behind a data URI or a file this simulator stores; undefined for anything else. */
  private fileBytes(url: string, kind: 'image' | 'video' = 'image'): Buffer | undefined {
    const data = /^data:((?:image|video)\/[\w.+-]+);base64,([A-Za-z0-9+/=]+)$/.exec(url);
    if (data) return data[1].startsWith(`${kind}/`) ? Buffer.from(data[2], 'base64') : undefined;
    // By path, not origin: a simulator restarted on another port still knows the files it stored.
    const path = /^https?:\/\/[^/]+\/files\/([^/?#]+)$/.exec(url);
    const local = path ? this.files.get(path[1]) : undefined;
    return local && local.contentType.startsWith(`${kind}/`) ? local.bytes : undefined;
  }

  /**
   * The start image of a job: the schema's image field, or for an unknown endpoint the first field whose
   * value loads as an image (image_url, start_image_url, first_frame_url...).
   */
  private startImage(job: FalJob): Buffer | undefined {
    const fields = job.schema
      ? Object.entries(job.schema.input)
          .filter(([field, spec]) => spec.type === 'image' && !/end|last|tail/.test(field))
          .map(([field]) => field)
      : Object.keys(job.input);
    for (const field of fields) {
      const value = job.input[field];
      const bytes = typeof value === 'string' ? this.fileBytes(value) : undefined;
      if (bytes) return bytes;
    }
    return undefined;
  }

  private async render(job: FalJob): Promise<void> {
    const input = job.input;
    const portrait = input.aspect_ratio === '9:16';
    try {
      // Unknown endpoints get a video of the length they asked for (5 s when the field is not `duration`).
      const seconds = job.schema
        ? requestedSeconds(job.schema, input)
        : requestedSeconds({ duration: { defaultSeconds: 5 } } as FalEndpointSchema, input);
      // An extend endpoint answers with the new part only (the runner also accepts input + extension).
      const video = await this.options.renderer.render({
        image: this.startImage(job),
        prompt: String(input.prompt ?? ''),
        durationSeconds: seconds,
        width: portrait ? 720 : 1280,
        height: portrait ? 1280 : 720,
      });
      const fileId = `${job.id}.mp4`;
      await this.keepFile(fileId, { bytes: video, contentType: 'video/mp4', video: true });
      job.video = { fileId, bytes: video.length };
      await this.persist(job);
    } catch (error) {
      job.renderError = (error as Error).message;
      this.logger.warn(`render of ${job.id} failed: ${job.renderError}`);
    }
  }

  private phase(job: FalJob): 'queued' | 'running' | 'done' {
    if (job.cancelled) return 'done';
    const { phase } = this.progressOf(job);
    // A render still going keeps the job in progress whatever the timeline says.
    if (
      phase === 'done' &&
      job.outcome === 'ok' &&
      job.errors.length === 0 &&
      !job.video &&
      !job.renderError
    ) {
      return 'running';
    }
    return phase;
  }

  private position(job: FalJob): number {
    const start = this.options.queuePosition ?? 2;
    return Math.max(0, Math.round(start * (1 - this.progressOf(job).queueFraction)));
  }

  private async status(
    app: string,
    id: string,
    request: RecordedRequest,
    res: ServerResponse,
  ): Promise<void> {
    if (await this.applyFaults('status', res, id)) return;
    const job = this.jobs.get(id);
    if (!job || job.app !== app) return sendJson(res, 404, { detail: `Request ${id} not found` });
    job.polls += 1;
    const withLogs = request.query.logs === '1' || request.query.logs === 'true';
    const phase = this.phase(job);
    const base = { request_id: job.id, ...this.urls(job) };
    const header = { 'x-fal-request-id': job.id };
    if (phase === 'queued') {
      return sendJson(res, 202, { status: 'IN_QUEUE', queue_position: this.position(job), ...base }, header);
    }
    if (phase === 'running') {
      const { fraction } = this.progressOf(job);
      const logs = withLogs
        ? [
            {
              message: `Generating video (${Math.round(fraction * 100)}%)`,
              level: 'INFO',
              source: 'USER',
              timestamp: new Date().toISOString(),
            },
          ]
        : null;
      return sendJson(res, 202, { status: 'IN_PROGRESS', logs, ...base }, header);
    }
    const failure = job.cancelled
      ? { error: 'Request cancelled by the client', error_type: 'client_cancelled' }
      : {};
    return sendJson(
      res,
      200,
      {
        status: 'COMPLETED',
        logs: withLogs ? [] : null,
        metrics: { inference_time: 42.1 },
        ...failure,
        ...base,
      },
      header,
    );
  }

  private async result(app: string, id: string, res: ServerResponse): Promise<void> {
    if (await this.applyFaults('result', res, id)) return;
    const job = this.jobs.get(id);
    if (!job || job.app !== app) return sendJson(res, 404, { detail: `Request ${id} not found` });
    const header = { 'x-fal-request-id': job.id };
    if (this.phase(job) !== 'done')
      return sendJson(res, 400, { detail: 'Request is still in progress' }, header);
    if (job.cancelled) return sendJson(res, 400, { detail: 'Request was cancelled' }, header);
    if (job.errors.length > 0)
      return sendJson(res, 422, { detail: job.errors }, { ...header, 'x-fal-retryable': 'false' });
    if (job.outcome === 'moderation') {
      return sendJson(
        res,
        422,
        {
          detail: [
            {
              loc: ['body', 'prompt'],
              msg: 'The content could not be processed because it contained material flagged by a content checker.',
              type: 'content_policy_violation',
              url: 'https://docs.fal.ai/errors/#content_policy_violation',
            },
          ],
        },
        { ...header, 'x-fal-retryable': 'false' },
      );
    }
    if (job.outcome === 'generation-failure' || job.renderError || !job.video) {
      return sendJson(
        res,
        500,
        { detail: 'Internal server error', error_type: 'runner_server_error' },
        { ...header, 'x-fal-error-type': 'runner_server_error' },
      );
    }
    return sendJson(
      res,
      200,
      {
        video: {
          url: `${this.baseUrl}/files/${job.video.fileId}`,
          content_type: 'video/mp4',
          file_name: 'output.mp4',
          file_size: job.video.bytes,
        },
      },
      header,
    );
  }

  private async cancel(app: string, id: string, res: ServerResponse): Promise<void> {
    if (await this.applyFaults('cancel', res, id)) return;
    const job = this.jobs.get(id);
    if (!job || job.app !== app) return sendJson(res, 404, { status: 'NOT_FOUND' });
    if (this.phase(job) === 'done') return sendJson(res, 400, { status: 'ALREADY_COMPLETED' });
    job.cancelled = true;
    await this.persist(job);
    return sendJson(res, 202, { status: 'CANCELLATION_REQUESTED' });
  }

  private async serveFile(id: string, res: ServerResponse): Promise<void> {
    const file = this.files.get(id);
    const faults = file?.video ? this.behaviours('content') : [];
    let variant: 'truncated' | 'non-video' | undefined;
    for (const fault of faults) {
      if (fault.kind === 'latency') await sleep(fault.ms);
      else if (fault.kind === 'truncated' || fault.kind === 'non-video') variant = fault.kind;
      else if (this.answerFault(fault, res)) return;
    }
    if (!file) return sendJson(res, 404, { detail: 'Not Found' });
    sendFile(res, file.bytes, file.contentType, variant);
  }

  private firstSubmit(markers: Set<string>, body: unknown): number | undefined {
    if (!markers.has('rate-limit') || !isObject(body)) return undefined;
    return firstSubmitOf(this.firstSubmits, String(body.prompt));
  }

  private urls(job: FalJob): Record<string, string> {
    const base = `${QUEUE_HOST}/${job.app}/requests/${job.id}`;
    return { response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
  }
}

/** A rate-limited prompt's first submit time (recorded now when this is its first). */
function firstSubmitOf(seen: Map<string, number>, prompt: string): number | undefined {
  const first = seen.get(prompt);
  if (first === undefined) seen.set(prompt, Date.now());
  return first;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
