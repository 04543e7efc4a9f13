import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Motion } from '../../media/index.js';
import { MediaError, MOTIONS } from '../../media/index.js';
import type { ImagePreparer } from '../image-preparer.js';
import { parseSize } from '../image-preparer.js';
import { ProviderFailedError, ProviderRejectedError } from '../provider-errors.js';
import {
  GenerationInput,
  LocalRef,
  PollResult,
  ProviderRef,
  SubmissionLookup,
  VideoProvider,
  VideoResult,
} from '../video-provider.js';

export interface LocalMotionOptions {
  /** Jobs live in `<workDir>/<jobId>/` for a day, like a provider's results. */
  workDir: string;
  fps?: number;
}

interface LocalJob {
  durationSeconds: number;
  width: number;
  height: number;
  motion: Motion;
  fps: number;
  createdAt: string;
}

const KEEP_MS = 24 * 60 * 60 * 1000;

/**
 * The motion asked for in the prompt ("slow zoom out", "pan left", "still"), else one picked by the seed,
 * else a zoom in. Pure.
 */
export function chooseMotion(prompt: string, seed?: number): Motion {
  const text = prompt.toLowerCase();
  if (/zoom(ing)?[\s-]*out|pull(ing)?[\s-]*back/.test(text)) return 'zoom-out';
  if (/zoom(ing)?[\s-]*in|push(ing)?[\s-]*in/.test(text)) return 'zoom-in';
  if (/pan(ning)?[\s-]*left/.test(text)) return 'pan-left';
  if (/pan(ning)?[\s-]*right/.test(text)) return 'pan-right';
  if (/\b(static|still|no motion)\b/.test(text)) return 'static';
  const moving = MOTIONS.filter((m) => m !== 'static');
  return seed === undefined ? 'zoom-in' : moving[Math.abs(Math.trunc(seed)) % moving.length];
}

/**
 * No network, no cost, not AI: moves the source image with a slow zoom or pan (ffmpeg through MediaService)
 * into an H.264 MP4 of the requested duration and size. Image-to-video only: with no image there is nothing
 * honest to show, so text-to-video is refused (the catalog does not offer it).
 *
 * The job is a folder on this machine, so it survives a restart of this process: a render that was cut
 * short is started again on the next poll. A job submitted on another machine is not found here.
 */
export class LocalMotionProvider extends VideoProvider {
  readonly name = 'local' as const;
  private readonly renders = new Map<string, { promise: Promise<void>; abort: AbortController }>();

  constructor(
    private readonly options: LocalMotionOptions,
    private readonly images: ImagePreparer,
  ) {
    super();
  }

  async submit(input: GenerationInput): Promise<LocalRef> {
    if (!input.image) {
      throw new ProviderRejectedError(
        'local',
        'invalid_input',
        'local-motion animates an image: send a source image',
      );
    }
    const size = input.size ?? input.model.defaults.size ?? '1280x720';
    const { width, height } = parseSize(size);
    const image = input.crop ? await this.images.crop(input.image, input.crop, 'local') : input.image;
    const jobId = randomUUID();
    const dir = this.jobDir(jobId);
    await this.removeExpired();
    await mkdir(dir, { recursive: true });
    const job: LocalJob = {
      durationSeconds: input.durationSeconds,
      width,
      height,
      motion: chooseMotion(input.prompt, input.seed),
      fps: this.options.fps ?? 24,
      createdAt: new Date().toISOString(),
    };
    await writeFile(join(dir, 'source.img'), image.bytes);
    await writeFile(join(dir, 'job.json'), JSON.stringify(job));
    this.startRender(jobId, job);
    return { provider: 'local', jobId };
  }

  async poll(ref: ProviderRef): Promise<PollResult> {
    const { jobId } = this.localRef(ref);
    const dir = this.jobDir(jobId);
    if (await exists(join(dir, 'cancelled'))) return { state: 'cancelled' };
    if (await exists(join(dir, 'video.mp4'))) return { state: 'succeeded', progress: 100 };
    const failure = await readFile(join(dir, 'error.json'), 'utf8').catch(() => undefined);
    if (failure !== undefined) {
      const { badImage, message } = JSON.parse(failure) as { badImage: boolean; message: string };
      return {
        state: 'failed',
        error: badImage
          ? new ProviderRejectedError(
              'local',
              'invalid_input',
              `The source image could not be animated: ${message}`,
            )
          : new ProviderFailedError('local', 'generation_failed', `local-motion render failed: ${message}`),
      };
    }
    if (this.renders.has(jobId)) return { state: 'running' };
    const job = await readFile(join(dir, 'job.json'), 'utf8').catch(() => undefined);
    if (job === undefined) {
      throw new ProviderFailedError('local', 'not_found', `local-motion job ${jobId} is not on this machine`);
    }
    this.startRender(jobId, JSON.parse(job) as LocalJob);
    return { state: 'running' };
  }

  async fetchResult(ref: ProviderRef): Promise<VideoResult> {
    const { jobId } = this.localRef(ref);
    const file = join(this.jobDir(jobId), 'video.mp4');
    const info = await stat(file).catch(() => undefined);
    if (!info)
      throw new ProviderFailedError('local', 'result_unavailable', `local-motion job ${jobId} has no video`);
    return { stream: createReadStream(file), contentType: 'video/mp4', bytes: info.size };
  }

  async cancel(ref: ProviderRef): Promise<void> {
    const { jobId } = this.localRef(ref);
    const dir = this.jobDir(jobId);
    if (!(await exists(dir)) || (await exists(join(dir, 'video.mp4')))) return;
    await writeFile(join(dir, 'cancelled'), '');
    this.renders.get(jobId)?.abort.abort();
  }

  async findSubmission(): Promise<SubmissionLookup> {
    // submit writes the job before it returns: a failed submit left nothing behind.
    return { absent: true };
  }

  private startRender(jobId: string, job: LocalJob): void {
    const dir = this.jobDir(jobId);
    const abort = new AbortController();
    const promise = (async () => {
      try {
        const image = await readFile(join(dir, 'source.img'));
        await this.images.animate(image, join(dir, 'video.mp4'), { ...job, signal: abort.signal });
      } catch (error) {
        if (!abort.signal.aborted) {
          const badImage =
            error instanceof MediaError && (error.code === 'INVALID_INPUT' || error.code === 'BAD_REQUEST');
          await writeFile(
            join(dir, 'error.json'),
            JSON.stringify({ badImage, message: (error as Error).message }),
          ).catch(() => {});
        }
      } finally {
        this.renders.delete(jobId);
      }
    })();
    this.renders.set(jobId, { promise, abort });
  }

  /** Waits for renders in flight (shutdown, tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.renders.values()].map((r) => r.promise));
  }

  private async removeExpired(): Promise<void> {
    const entries = await readdir(this.options.workDir).catch(() => [] as string[]);
    const cutoff = Date.now() - KEEP_MS;
    await Promise.all(
      entries.map(async (entry) => {
        const info = await stat(join(this.options.workDir, entry)).catch(() => undefined);
        if (info && info.mtimeMs < cutoff && !this.renders.has(entry)) {
          await rm(join(this.options.workDir, entry), { recursive: true, force: true });
        }
      }),
    );
  }

  private jobDir(jobId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(jobId))
      throw new ProviderFailedError('local', 'not_found', `not a local-motion job id: ${jobId}`);
    return join(this.options.workDir, jobId);
  }

  private localRef(ref: ProviderRef): LocalRef {
    if (ref.provider !== 'local') throw new Error(`LocalMotionProvider got a ${ref.provider} ref`);
    return ref;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
