import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { promptMarkers, submitRefusal } from './prompt-markers.js';
import type { Fault, FaultOperation, JobTiming } from './simulator-faults.js';
import { FormFile, RecordedRequest, sendFile, sendJson, sendMalformedJson, sleep } from './simulator-http.js';
import { SimulatedVideoRenderer } from './simulated-video.renderer.js';
import { SimulatorBase, type TimedJob } from './simulator-base.js';
import type { SimulatorStore } from './simulator-store.js';

export interface AzureSimulatorOptions {
  renderer: SimulatedVideoRenderer;
  /** Accepted as `api-key: <key>` or `Authorization: Bearer <key>`. */
  key: string;
  /** Deployments that speak the v1 Videos API (Sora 2). */
  videoDeployments?: string[];
  /** Deployments that speak the preview jobs API (Sora 1). */
  jobDeployments?: string[];
  /** Sora 2 sizes; Azure documents 720x1280 and 1280x720. */
  videoSizes?: string[];
  timing?: JobTiming;
  /** Where jobs and their videos persist (DATA_DIR/simulators/azure); memory only when absent. */
  store?: SimulatorStore;
  /** Unfinished jobs allowed at once; the next create gets 429 "Too many running tasks". */
  maxRunningJobs?: number;
}

const JOB_SIZES = [
  '480x480',
  '480x854',
  '854x480',
  '720x720',
  '720x1280',
  '1280x720',
  '1080x1080',
  '1080x1920',
  '1920x1080',
];
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const UNAUTHORIZED = {
  error: {
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  },
};

type Api = 'videos' | 'jobs';

interface SimJob extends TimedJob {
  api: Api;
  generationId: string;
  model: string;
  prompt: string;
  width: number;
  height: number;
  seconds: number;
  outcome: 'ok' | 'moderation' | 'generation-failure';
  inpaintItems?: unknown;
  remixedFrom?: string;
  /** The submitted image is kept as the file `<id>.source` (to render again after a restart). */
  hasImage?: boolean;
  video?: Buffer;
  renderError?: string;
  render?: Promise<void>;
}

class BadRequest extends Error {
  constructor(
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/**
 * A local Azure OpenAI resource with both video surfaces (see shared/reference/azure-sora.md): the v1
 * Videos API for Sora 2 and the preview video generation jobs API, with their statuses, progress, error
 * bodies, 401/404/429 behaviour and strict validation. Results are real MP4s made from the submitted image.
 */
export class AzureOpenAISimulator extends SimulatorBase<SimJob> {
  protected readonly logger = new Logger('AzureSimulator');

  /** When each `[sim:rate-limit]` prompt was first submitted (its 429 window starts then). */
  private readonly firstSubmits = new Map<string, number>();

  private constructor(private readonly options: AzureSimulatorOptions) {
    super(options);
  }

  /** Starts on its own server (`port` 0 = any free one), with the jobs persisted in `store`. */
  static async start(
    options: AzureSimulatorOptions,
    at: { port?: number; host?: string } = {},
  ): Promise<AzureOpenAISimulator> {
    const simulator = await AzureOpenAISimulator.create(options);
    await simulator.listen(at.port, at.host);
    return simulator;
  }

  /** Not yet serving: mount() it on a shared server. Loads persisted jobs first. */
  static async create(options: AzureSimulatorOptions): Promise<AzureOpenAISimulator> {
    const simulator = new AzureOpenAISimulator(options);
    await simulator.load();
    return simulator;
  }

  private async load(): Promise<void> {
    if (!this.store) return;
    const files = new Map((await this.store.loadFiles<{ id: string }>()).map((f) => [f.meta.id, f.bytes]));
    for (const job of await this.store.loadJobs<SimJob>()) {
      this.jobs.set(job.id, job);
      job.video = files.get(`${job.id}.mp4`);
      // The render died with the previous process: render again (the timeline is wall-clock, unchanged).
      if (job.outcome === 'ok' && !job.video) {
        job.render = this.track(this.render(job, job.hasImage ? files.get(`${job.id}.source`) : undefined));
      }
    }
  }

  protected record(job: SimJob): unknown {
    const { video: _video, render: _render, renderError: _error, ...record } = job;
    return record;
  }

  protected override async forget(job: SimJob): Promise<void> {
    await super.forget(job);
    await this.store?.deleteFile(`${job.id}.mp4`);
    await this.store?.deleteFile(`${job.id}.source`);
  }

  /** The resource endpoint, like https://<resource>.openai.azure.com. */
  get endpoint(): string {
    return this.baseUrlOfServer;
  }

  protected async handle(request: RecordedRequest, res: ServerResponse): Promise<void> {
    if (!this.authorised(request)) return sendJson(res, 401, UNAUTHORIZED);
    const segments = request.path.split('/').filter(Boolean);
    if (segments[0] !== 'openai' || segments[1] !== 'v1') return this.notFound(res);
    const route = segments.slice(2);
    const { method } = request;
    try {
      if (route[0] === 'videos') {
        // The OpenAI.v1 spec's api-version is `v1` (its default) or `preview`; none at all is the OpenAI SDK.
        const version = request.query['api-version'];
        if (version !== undefined && version !== 'preview' && version !== 'v1') {
          throw new BadRequest(`API version '${version}' is not supported on the v1 API`);
        }
        if (route.length === 1 && method === 'POST') return await this.create('videos', request, res);
        if (route.length === 3 && route[2] === 'remix' && method === 'POST') {
          return await this.remix(this.job('videos', route[1]), request, res);
        }
        if (route.length === 1 && method === 'GET') return await this.list('videos', request, res);
        const job = this.job('videos', route[1]);
        if (route.length === 2 && method === 'GET') return await this.status(job, res);
        if (route.length === 2 && method === 'DELETE') return await this.remove(job, res);
        if (route.length === 3 && route[2] === 'content' && method === 'GET') {
          return await this.content(job, request.query.variant ?? 'video', res, false);
        }
      } else if (route[0] === 'video' && route[1] === 'generations') {
        if (request.query['api-version'] !== undefined && request.query['api-version'] !== 'preview') {
          throw new BadRequest(`API version '${request.query['api-version']}' is not supported`);
        }
        const rest = route.slice(2);
        if (rest[0] === 'jobs') {
          if (rest.length === 1 && method === 'POST') return await this.create('jobs', request, res);
          if (rest.length === 1 && method === 'GET') return await this.list('jobs', request, res);
          const job = this.job('jobs', rest[1]);
          if (rest.length === 2 && method === 'GET') return await this.status(job, res);
          if (rest.length === 2 && method === 'DELETE') return await this.remove(job, res);
        } else if (rest.length >= 1) {
          const job = [...this.jobs.values()].find((j) => j.api === 'jobs' && j.generationId === rest[0]);
          if (!job || this.view(job).status !== 'succeeded') return this.notFound(res);
          if (rest.length === 1 && method === 'GET') return sendJson(res, 200, this.generation(job));
          if (rest.length === 3 && rest[1] === 'content' && (method === 'GET' || method === 'HEAD')) {
            return await this.content(job, rest[2], res, method === 'HEAD');
          }
        }
      }
      return this.notFound(res);
    } catch (error) {
      if (error instanceof BadRequest && route[0] === 'video') {
        // The preview jobs API's error body is top-level (AzureOpenAIVideoGenerationErrorResponse).
        return sendJson(res, 400, {
          code: error.code ?? 'invalid_request',
          message: error.message,
          param: error.param,
          type: 'invalid_request_error',
        });
      }
      if (error instanceof BadRequest) {
        return sendJson(res, 400, {
          error: {
            message: error.message,
            type: 'invalid_request_error',
            param: error.param,
            code: error.code,
          },
        });
      }
      if (error instanceof NotFound) return this.notFound(res);
      throw error;
    }
  }

  private authorised(request: RecordedRequest): boolean {
    return (
      request.headers['api-key'] === this.options.key ||
      request.headers.authorization === `Bearer ${this.options.key}`
    );
  }

  private notFound(res: ServerResponse): void {
    sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } });
  }

  private job(api: Api, id: string | undefined): SimJob {
    const job = id ? this.jobs.get(id) : undefined;
    if (!job || job.api !== api) throw new NotFound();
    return job;
  }

  private async applyFaults(
    operation: FaultOperation,
    res: ServerResponse,
    own: Fault[] = [],
  ): Promise<{ answered: boolean; faults: Fault[] }> {
    const faults = this.behaviours(operation, own);
    for (const fault of faults) {
      switch (fault.kind) {
        case 'latency':
          await sleep(fault.ms);
          break;
        case 'rate-limit': {
          const seconds = fault.retryAfterSeconds ?? 2;
          sendJson(
            res,
            429,
            { error: { code: '429', message: 'Rate limit is exceeded. Try again later.' } },
            { 'retry-after': String(seconds), 'retry-after-ms': String(seconds * 1000) },
          );
          return { answered: true, faults };
        }
        case 'server-error':
          sendJson(res, fault.status ?? 500, {
            error: {
              code: 'InternalServerError',
              message: 'The server had an error while processing your request.',
            },
          });
          return { answered: true, faults };
        case 'hang':
          return { answered: true, faults };
        case 'malformed-json':
          sendMalformedJson(res);
          return { answered: true, faults };
        case 'not-found':
          this.notFound(res);
          return { answered: true, faults };
        default:
          break;
      }
    }
    return { answered: false, faults };
  }

  private async create(api: Api, request: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = request.json ?? request.form?.fields;
    const prompt =
      typeof body === 'object' && body !== null ? (body as { prompt?: unknown }).prompt : undefined;
    const markers = promptMarkers(prompt);
    let firstSubmit: number | undefined;
    if (markers.has('rate-limit')) {
      firstSubmit = this.firstSubmits.get(String(prompt));
      if (firstSubmit === undefined) this.firstSubmits.set(String(prompt), Date.now());
    }
    const refusal = submitRefusal(markers, firstSubmit, Date.now());
    const { answered, faults } = await this.applyFaults('submit', res, refusal ? [refusal] : []);
    if (answered) return;
    const parsed =
      api === 'videos' ? await this.parseVideoCreate(request) : await this.parseJobCreate(request);
    const deployments =
      api === 'videos'
        ? (this.options.videoDeployments ?? ['sora-2'])
        : (this.options.jobDeployments ?? ['sora']);
    if (!deployments.includes(parsed.model)) {
      return sendJson(res, 404, {
        error: {
          message: `The API deployment '${parsed.model}' for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.`,
          type: 'video_generation_user_error',
          param: null,
          code: null,
        },
      });
    }
    const running = [...this.jobs.values()].filter((job) => !isTerminal(this.view(job).status)).length;
    if (running >= (this.options.maxRunningJobs ?? 2)) {
      return sendJson(
        res,
        429,
        {
          error: {
            message: 'Too many running tasks',
            type: 'video_generation_user_error',
            param: null,
            code: null,
          },
        },
        { 'retry-after': '10' },
      );
    }
    const marked = this.markersOf(markers);
    const job: SimJob = {
      api,
      id:
        api === 'videos'
          ? `video_${randomBytes(16).toString('hex')}`
          : `task_${randomBytes(13).toString('hex')}`,
      generationId: `gen_${randomBytes(13).toString('hex')}`,
      ...parsed.job,
      model: parsed.model,
      createdAt: Date.now(),
      polls: 0,
      markers: marked,
      hasImage: parsed.image !== undefined,
      outcome: faults.some((f) => f.kind === 'moderation')
        ? 'moderation'
        : faults.some((f) => f.kind === 'generation-failure')
          ? 'generation-failure'
          : (marked.outcome ?? 'ok'),
    };
    this.jobs.set(job.id, job);
    // Persisted before the answer: a job the client was told about survives a crash of the simulator.
    if (parsed.image) await this.store?.saveFile(`${job.id}.source`, parsed.image, {});
    await this.persist(job);
    if (job.outcome === 'ok') job.render = this.track(this.render(job, parsed.image));
    sendJson(res, 200, this.view(job));
  }

  /**
   * Sora 2: JSON or multipart with `input_reference` (a file, or `{image_url}` as the spec also allows: a JSON
   * object, or the `input_reference[image_url]` field the OpenAI SDK sends in multipart); seconds "4" | "8" |
   * "12"; an image exactly `size`.
   */
  private async parseVideoCreate(request: RecordedRequest) {
    const { fields, files } = this.body(request, [
      'model',
      'prompt',
      'seconds',
      'size',
      'input_reference',
      'input_reference[image_url]',
    ]);
    const model = requireString(fields, 'model');
    const prompt = requireString(fields, 'prompt');
    const seconds = fields.seconds ?? '4';
    if (typeof seconds !== 'string') {
      throw new BadRequest(
        `Invalid type for 'seconds': expected a string, but got ${typeof seconds} instead.`,
        'seconds',
        'invalid_type',
      );
    }
    if (!['4', '8', '12'].includes(seconds)) {
      throw new BadRequest(
        `Invalid value: '${seconds}'. Supported values are: '4', '8', and '12'.`,
        'seconds',
        'invalid_value',
      );
    }
    const size = fields.size ?? '720x1280';
    const sizes = this.options.videoSizes ?? ['720x1280', '1280x720'];
    if (typeof size !== 'string' || !sizes.includes(size)) {
      throw new BadRequest(
        `Invalid value: '${String(size)}'. Supported values are: ${sizes.map((s) => `'${s}'`).join(', ')}.`,
        'size',
        'invalid_value',
      );
    }
    const [width, height] = size.split('x').map(Number);
    let image: Buffer | undefined;
    const referenceUrl = imageUrlOf(fields);
    if (referenceUrl !== undefined) {
      const data = /^data:(image\/(?:jpeg|png|webp));base64,([A-Za-z0-9+/=]+)$/.exec(referenceUrl);
      if (!data) {
        throw new BadRequest(
          'input_reference.image_url could not be loaded: the simulator reads data:image/... URIs only.',
          'input_reference',
          'invalid_value',
        );
      }
      const bytes = Buffer.from(data[2], 'base64');
      const actual = await this.options.renderer.imageSize(bytes);
      if (!actual) throw new BadRequest('The input_reference image is not readable.', 'input_reference');
      if (actual.width !== width || actual.height !== height) {
        throw new BadRequest('Inpaint image must match the requested width and height');
      }
      image = bytes;
    } else if (files.length > 0) {
      const reference = files.find((f) => f.field === 'input_reference');
      if (!reference || files.length > 1)
        throw new BadRequest('Only one input_reference file is accepted.', 'input_reference');
      if (!IMAGE_TYPES.includes(reference.contentType)) {
        throw new BadRequest(
          `Invalid file type for 'input_reference': ${reference.contentType}. Supported: image/jpeg, image/png, image/webp.`,
          'input_reference',
          'invalid_type',
        );
      }
      const actual = await this.options.renderer.imageSize(reference.bytes);
      if (!actual)
        throw new BadRequest('The input_reference file is not a readable image.', 'input_reference');
      if (actual.width !== width || actual.height !== height) {
        throw new BadRequest('Inpaint image must match the requested width and height');
      }
      image = reference.bytes;
    } else if (fields.input_reference !== undefined) {
      throw new BadRequest(
        "Invalid type for 'input_reference': expected a file, but got a string instead.",
        'input_reference',
        'invalid_type',
      );
    }
    return { model, image, job: { prompt, width, height, seconds: Number(seconds) } };
  }

  /** `POST /videos/{id}/remix` (multipart or JSON `prompt`): a new video like a completed one, re-prompted. */
  private async remix(source: SimJob, request: RecordedRequest, res: ServerResponse): Promise<void> {
    const { fields } = this.body(request, ['prompt']);
    const prompt = requireString(fields, 'prompt');
    if (this.view(source).status !== 'completed') {
      throw new BadRequest('Only a completed video can be remixed.', 'video_id', 'invalid_value');
    }
    const job: SimJob = {
      ...source,
      id: `video_${randomBytes(16).toString('hex')}`,
      generationId: `gen_${randomBytes(13).toString('hex')}`,
      prompt,
      createdAt: Date.now(),
      polls: 0,
      outcome: 'ok',
      remixedFrom: source.id,
      video: undefined,
      renderError: undefined,
    };
    this.jobs.set(job.id, job);
    job.render = this.track(this.render(job, undefined));
    sendJson(res, 200, this.view(job));
  }

  /** Sora 1 jobs: width/height/n_seconds/n_variants; multipart `files` + `inpaint_items` (a JSON string). */
  private async parseJobCreate(request: RecordedRequest) {
    const { fields, files } = this.body(request, [
      'model',
      'prompt',
      'width',
      'height',
      'n_seconds',
      'n_variants',
      'inpaint_items',
      'files',
    ]);
    const model = requireString(fields, 'model');
    const prompt = requireString(fields, 'prompt');
    const integer = (name: string, fallback?: number): number => {
      const raw = fields[name] ?? fallback;
      if (raw === undefined)
        throw new BadRequest(`Missing required parameter: '${name}'.`, name, 'missing_required_parameter');
      const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
      if (!Number.isInteger(value))
        throw new BadRequest(`Invalid type for '${name}': expected an integer.`, name, 'invalid_type');
      return value as number;
    };
    const width = integer('width');
    const height = integer('height');
    if (!JOB_SIZES.includes(`${width}x${height}`)) {
      throw new BadRequest(
        `Unsupported resolution ${width}x${height}. Supported: ${JOB_SIZES.join(', ')}.`,
        'width',
        'invalid_value',
      );
    }
    const seconds = integer('n_seconds', 5);
    if (seconds < 1 || seconds > 20)
      throw new BadRequest('n_seconds must be between 1 and 20.', 'n_seconds', 'invalid_value');
    const variants = integer('n_variants', 1);
    const maxVariants = Math.max(width, height) >= 1920 ? 1 : Math.max(width, height) >= 1280 ? 2 : 4;
    if (variants < 1 || variants > maxVariants) {
      throw new BadRequest(
        `n_variants must be between 1 and ${maxVariants} at ${width}x${height}.`,
        'n_variants',
        'invalid_value',
      );
    }
    let image: Buffer | undefined;
    let inpaintItems: unknown;
    if (fields.inpaint_items !== undefined || files.length > 0) {
      if (typeof fields.inpaint_items !== 'string')
        throw new BadRequest('inpaint_items must be JSON string', 'inpaint_items');
      try {
        inpaintItems = JSON.parse(fields.inpaint_items);
      } catch {
        throw new BadRequest('inpaint_items must be JSON string', 'inpaint_items');
      }
      image = this.checkInpaintItems(inpaintItems, files, seconds);
    }
    return { model, image, job: { prompt, width, height, seconds, inpaintItems } };
  }

  private checkInpaintItems(items: unknown, files: FormFile[], seconds: number): Buffer | undefined {
    if (!Array.isArray(items) || items.length === 0 || items.length > 2) {
      throw new BadRequest('inpaint_items must be a list of 1 or 2 items', 'inpaint_items');
    }
    if (files.some((f) => f.field !== 'files'))
      throw new BadRequest(`Unknown file field '${files.find((f) => f.field !== 'files')!.field}'`);
    let firstImage: Buffer | undefined;
    items.forEach((item: Record<string, unknown>, index) => {
      const at = `inpaint_items[${index}]`;
      if (
        !Number.isInteger(item?.frame_index) ||
        (item.frame_index as number) < 0 ||
        (item.frame_index as number) > seconds * 30
      ) {
        throw new BadRequest(`${at}.frame_index must be a frame within the video`, 'inpaint_items');
      }
      if (item.type !== 'image' && item.type !== 'video')
        throw new BadRequest(`${at}.type must be "image" or "video"`, 'inpaint_items');
      const file = files.find((f) => f.filename === item.file_name);
      if (typeof item.file_name !== 'string' || !file) {
        throw new BadRequest(
          `${at}.file_name '${String(item.file_name)}' does not match any uploaded file`,
          'inpaint_items',
        );
      }
      const allowed = item.type === 'image' ? IMAGE_TYPES : ['video/mp4'];
      if (!allowed.includes(file.contentType))
        throw new BadRequest(
          `${at}: file '${file.filename}' is ${file.contentType}, not ${item.type}`,
          'files',
        );
      const crop = item.crop_bounds as Record<string, unknown> | undefined;
      if (crop !== undefined) {
        const names = ['left_fraction', 'top_fraction', 'right_fraction', 'bottom_fraction'];
        const values = names.map((name) => crop?.[name]);
        if (values.some((v) => typeof v !== 'number' || v < 0 || v > 1)) {
          throw new BadRequest(
            `${at}.crop_bounds needs ${names.join(', ')} between 0 and 1`,
            'inpaint_items',
          );
        }
        const [left, top, right, bottom] = values as number[];
        if (left >= right || top >= bottom)
          throw new BadRequest(`${at}.crop_bounds must have left < right and top < bottom`, 'inpaint_items');
      }
      if (item.type === 'image' && firstImage === undefined) firstImage = file.bytes;
    });
    const unreferenced = files.find(
      (f) => !items.some((item: { file_name?: unknown }) => item?.file_name === f.filename),
    );
    if (unreferenced)
      throw new BadRequest(`File '${unreferenced.filename}' is not referenced by inpaint_items`, 'files');
    return firstImage;
  }

  /** The create body as fields and files, rejecting unknown parameters like the real API does. */
  private body(
    request: RecordedRequest,
    known: string[],
  ): { fields: Record<string, unknown>; files: FormFile[] } {
    const contentType = request.headers['content-type'] ?? '';
    let fields: Record<string, unknown>;
    let files: FormFile[] = [];
    if (request.form) {
      fields = request.form.fields;
      files = request.form.files;
    } else if (contentType.includes('application/json')) {
      if (typeof request.json !== 'object' || request.json === null || Array.isArray(request.json)) {
        throw new BadRequest(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
        );
      }
      fields = request.json as Record<string, unknown>;
    } else {
      throw new BadRequest(
        `Unsupported content type '${contentType}'. Send application/json or multipart/form-data.`,
      );
    }
    for (const name of [...Object.keys(fields), ...files.map((f) => f.field)]) {
      if (!known.includes(name))
        throw new BadRequest(`Unknown parameter: '${name}'.`, name, 'unknown_parameter');
    }
    return { fields, files };
  }

  private async render(job: SimJob, image: Buffer | undefined): Promise<void> {
    try {
      const video = await this.options.renderer.render({
        image,
        prompt: job.prompt,
        durationSeconds: job.seconds,
        width: job.width,
        height: job.height,
      });
      await this.store?.saveFile(`${job.id}.mp4`, video, { contentType: 'video/mp4' });
      job.video = video;
    } catch (error) {
      job.renderError = (error as Error).message;
      this.logger.warn(`render of ${job.id} failed: ${job.renderError}`);
    }
  }

  /** The job as the API shows it now. */
  private view(job: SimJob): Record<string, unknown> & { status: string } {
    const { phase, fraction } = this.progressOf(job);
    const rendering = job.outcome === 'ok' && !job.video && !job.renderError;
    const done = phase === 'done' && !rendering;
    const failed = done && (job.outcome !== 'ok' || !!job.renderError);
    const created = Math.floor(job.createdAt / 1000);
    const finished = done ? created + 60 : null;
    if (job.api === 'videos') {
      const status = !done
        ? phase === 'queued'
          ? 'queued'
          : 'in_progress'
        : failed
          ? 'failed'
          : 'completed';
      return {
        id: job.id,
        object: 'video',
        model: job.model,
        status,
        progress:
          status === 'completed'
            ? 100
            : status === 'in_progress'
              ? Math.min(99, Math.max(1, Math.round(fraction * 100)))
              : 0,
        created_at: created,
        completed_at: status === 'completed' ? finished : null,
        expires_at: status === 'queued' ? null : created + 86_400,
        error: failed
          ? job.outcome === 'moderation'
            ? { code: 'moderation_blocked', message: 'Your request was blocked by our moderation system.' }
            : { code: 'internal_error', message: 'Video generation failed.' }
          : null,
        remixed_from_video_id: job.remixedFrom ?? null,
        seconds: String(job.seconds),
        size: `${job.width}x${job.height}`,
        prompt: job.prompt,
      };
    }
    const steps = ['preprocessing', 'running', 'processing'];
    const status = !done
      ? phase === 'queued'
        ? 'queued'
        : steps[Math.min(steps.length - 1, Math.floor(fraction * steps.length))]
      : failed
        ? 'failed'
        : 'succeeded';
    return {
      object: 'video.generation.job',
      id: job.id,
      status,
      created_at: created,
      finished_at: done ? finished : null,
      expires_at: done ? (finished ?? created) + 86_400 : null,
      generations:
        status === 'succeeded' || (failed && job.outcome === 'moderation') ? [this.generation(job)] : [],
      prompt: job.prompt,
      model: job.model,
      n_variants: 1,
      n_seconds: job.seconds,
      height: job.height,
      width: job.width,
      inpaint_items: job.inpaintItems ?? null,
      failure_reason: failed ? (job.outcome === 'moderation' ? 'input_moderation' : 'internal_error') : null,
    };
  }

  private generation(job: SimJob): Record<string, unknown> {
    return {
      object: 'video.generation',
      id: job.generationId,
      job_id: job.id,
      created_at: Math.floor(job.createdAt / 1000),
      width: job.width,
      height: job.height,
      n_seconds: job.seconds,
      prompt: job.prompt,
    };
  }

  private async status(job: SimJob, res: ServerResponse): Promise<void> {
    if ((await this.applyFaults('status', res)).answered) return;
    job.polls += 1;
    sendJson(res, 200, this.view(job));
  }

  private async list(api: Api, request: RecordedRequest, res: ServerResponse): Promise<void> {
    if ((await this.applyFaults('list', res)).answered) return;
    if (api === 'jobs' && request.query.limit === undefined) {
      throw new BadRequest("Missing required parameter: 'limit'.", 'limit', 'missing_required_parameter');
    }
    const limit = Math.min(100, Number(request.query.limit ?? 20));
    const data = [...this.jobs.values()]
      .filter((job) => job.api === api)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit)
      .map((job) => this.view(job));
    sendJson(res, 200, {
      object: 'list',
      data,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
      has_more: false,
    });
  }

  private async remove(job: SimJob, res: ServerResponse): Promise<void> {
    if ((await this.applyFaults('cancel', res)).answered) return;
    this.jobs.delete(job.id);
    await this.forget(job);
    if (job.api === 'jobs') {
      res.writeHead(204).end();
      return;
    }
    sendJson(res, 200, { id: job.id, object: 'video.deleted', deleted: true });
  }

  private async content(job: SimJob, variant: string, res: ServerResponse, head: boolean): Promise<void> {
    const faults = this.behaviours('content');
    let damage: 'truncated' | 'non-video' | undefined;
    for (const fault of faults) {
      if (fault.kind === 'latency') await sleep(fault.ms);
      else if (fault.kind === 'truncated' || fault.kind === 'non-video') damage = fault.kind;
      else if (fault.kind === 'not-found') return this.notFound(res);
      else if (fault.kind === 'hang') return;
      else if (fault.kind === 'server-error')
        return sendJson(res, fault.status ?? 500, {
          error: { code: 'InternalServerError', message: 'The server had an error.' },
        });
      else if (fault.kind === 'rate-limit') {
        return sendJson(
          res,
          429,
          { error: { code: '429', message: 'Rate limit is exceeded.' } },
          { 'retry-after': String(fault.retryAfterSeconds ?? 2) },
        );
      }
    }
    const status = this.view(job).status;
    if ((status !== 'completed' && status !== 'succeeded') || !job.video) {
      return sendJson(res, 404, {
        error: {
          message: 'The video is not ready yet. Poll the job until it has completed.',
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      });
    }
    if (variant === 'video') return sendFile(res, job.video, 'video/mp4', damage, head);
    // The simulator's spritesheet is a single frame: the format is an image/jpeg like the real one.
    if (variant === 'thumbnail' || variant === 'spritesheet')
      return sendFile(res, await this.options.renderer.thumbnail(job.video), 'image/jpeg', undefined, head);
    throw new BadRequest(
      `Invalid value: '${variant}'. Supported values are: 'video', 'thumbnail' and 'spritesheet'.`,
      'variant',
      'invalid_value',
    );
  }
}

class NotFound extends Error {}

/** `input_reference` given as `{image_url}`: a JSON object, or the SDK's `input_reference[image_url]` form field. */
function imageUrlOf(fields: Record<string, unknown>): string | undefined {
  const bracketed = fields['input_reference[image_url]'];
  if (typeof bracketed === 'string') return bracketed;
  const reference = fields.input_reference;
  if (typeof reference === 'object' && reference !== null && !Array.isArray(reference)) {
    const url = (reference as { image_url?: unknown }).image_url;
    if (typeof url !== 'string') {
      throw new BadRequest(
        "input_reference must have an 'image_url' string.",
        'input_reference',
        'invalid_type',
      );
    }
    return url;
  }
  return undefined;
}

function isTerminal(status: string): boolean {
  return ['completed', 'succeeded', 'failed', 'cancelled'].includes(status);
}

function requireString(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (value === undefined || value === '')
    throw new BadRequest(`Missing required parameter: '${name}'.`, name, 'missing_required_parameter');
  if (typeof value !== 'string')
    throw new BadRequest(`Invalid type for '${name}': expected a string.`, name, 'invalid_type');
  return value;
}
