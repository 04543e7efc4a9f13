import { rm, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import {
  animateImageArgs,
  concatCopyArgs,
  concatEncodeArgs,
  concatListFile,
  decodeImageArgs,
  extractFrameArgs,
  extractLastFrameArgs,
  imageInfoArgs,
  LAST_FRAME_WINDOW_SECONDS,
  type LastFrameSeek,
  prepareImageArgs,
  probeArgs,
  readAllPacketsArgs,
  stillsArgs,
  trimArgs,
} from './ffmpeg-args.js';
import { runProcess } from './ffmpeg.runner.js';
import { resolveBinary, ResolvedBinary } from './media.binaries.js';
import { MediaError, summariseStderr } from './media.error.js';
import { fileSize, materialise, withTempDir, writeAtomically } from './media.files.js';
import { parseCapabilities, parseImageInfo, parseVideoProbe, ProbedVideo } from './media.parsers.js';
import type {
  AnimateImageOptions,
  ConcatOptions,
  ConcatResult,
  FfmpegCapabilities,
  MediaCallOptions,
  PrepareImageOptions,
  VideoInfo,
} from './media.types.js';
import type { ImageInfo } from './image-types.js';

export interface MediaTools {
  ffmpeg: ResolvedBinary;
  ffprobe: ResolvedBinary;
  capabilities: FfmpegCapabilities;
}

const DEFAULT_CROSSFADE_SECONDS = 0.5;
const DEFAULT_THUMBNAIL_WIDTH = 640;

/**
 * Every ffmpeg and ffprobe call in the service. Binaries are found and their capabilities detected once, at
 * start-up (or on first use when the service is constructed outside Nest, as the CLI and benchmark do).
 * Outputs are written under a temporary name and renamed into place, so a failure never leaves a partial file.
 */
@Injectable()
export class MediaService implements OnModuleInit {
  private readonly logger = new Logger('Media');
  private toolsPromise?: Promise<MediaTools>;

  constructor(@Inject(AppConfig) private readonly config: Pick<AppConfig, 'media'>) {}

  async onModuleInit(): Promise<void> {
    try {
      const { ffmpeg, ffprobe, capabilities } = await this.tools();
      this.logger.log(
        `ffmpeg ${ffmpeg.version} (${ffmpeg.source}: ${ffmpeg.path}), ffprobe ${ffprobe.version} (${ffprobe.source})`,
      );
      if (!capabilities.xfade) {
        this.logger.warn(
          `this ffmpeg has no xfade filter (needs ffmpeg 4.3 or newer): crossfade transitions will be plain cuts`,
        );
      }
    } catch (error) {
      // A wrong FFMPEG_PATH is a configuration mistake: refuse to start. No ffmpeg at all only disables media work.
      if (this.config.media.ffmpegPath || this.config.media.ffprobePath) throw error;
      this.logger.error(`${(error as Error).message}; video operations will fail until ffmpeg is installed`);
    }
  }

  /** The binaries in use and what they can do. */
  tools(): Promise<MediaTools> {
    this.toolsPromise ??= this.detectTools();
    return this.toolsPromise;
  }

  private async detectTools(): Promise<MediaTools> {
    const [ffmpeg, ffprobe] = await Promise.all([
      resolveBinary('ffmpeg', this.config.media.ffmpegPath, '@ffmpeg-installer/ffmpeg'),
      resolveBinary('ffprobe', this.config.media.ffprobePath, '@ffprobe-installer/ffprobe'),
    ]);
    const [filters, help] = await Promise.all([
      runProcess(ffmpeg.path, ['-hide_banner', '-filters'], { timeoutMs: 15_000, captureStdout: true }),
      runProcess(ffmpeg.path, ['-hide_banner', '-h', 'long'], { timeoutMs: 15_000, captureStdout: true }),
    ]);
    const capabilities = parseCapabilities(filters.stdout.toString('utf8'), help.stdout.toString('utf8'));
    return { ffmpeg, ffprobe, capabilities };
  }

  private timeout(options: MediaCallOptions): number {
    return options.timeoutMs ?? this.config.media.timeoutMs;
  }

  private async ffmpeg(args: string[], options: MediaCallOptions, stdin?: Buffer): Promise<string> {
    const { ffmpeg } = await this.tools();
    const { stderr } = await runProcess(ffmpeg.path, args, {
      timeoutMs: this.timeout(options),
      signal: options.signal,
      stdin,
    });
    return stderr;
  }

  private async ffprobe(args: string[], options: MediaCallOptions, stdin?: Buffer): Promise<string> {
    const { ffprobe } = await this.tools();
    const { stdout } = await runProcess(ffprobe.path, args, {
      timeoutMs: this.timeout(options),
      signal: options.signal,
      captureStdout: true,
      stdin,
    });
    return stdout.toString('utf8');
  }

  private async probeDetailed(file: string, options: MediaCallOptions): Promise<ProbedVideo> {
    const stdout = await this.ffprobe(probeArgs(file), options);
    return parseVideoProbe(stdout, file, await fileSize(file));
  }

  /** Duration, size, frame rate, codecs and audio of a video file. */
  async probe(file: string, options: MediaCallOptions = {}): Promise<VideoInfo> {
    return (await this.probeDetailed(file, options)).info;
  }

  /**
   * `probe`, plus a read of every packet: fails with INVALID_INPUT when the file is cut off or damaged, which
   * `probe` alone cannot see when the index sits at the front. For checking a provider's result before accepting it.
   */
  async verify(file: string, options: MediaCallOptions = {}): Promise<VideoInfo> {
    // Both at once: two processes on one file cost about the time of the longer one.
    const [probed, read] = await Promise.allSettled([
      this.probe(file, options),
      this.ffmpeg(readAllPacketsArgs(file), options),
    ]);
    if (probed.status === 'rejected') throw probed.reason;
    if (read.status === 'rejected') throw read.reason;
    const info = probed.value;
    const problems = read.value;
    if (problems.trim().length > 0) {
      throw new MediaError(
        'INVALID_INPUT',
        `${file} is incomplete or damaged: ${summariseStderr(problems, 2)}`,
        {
          stderr: problems,
        },
      );
    }
    return info;
  }

  /** Size and format of an image, from a file path or from bytes in memory. */
  async imageInfo(image: string | Buffer, options: MediaCallOptions = {}): Promise<ImageInfo> {
    const what = typeof image === 'string' ? image : 'the image';
    if (typeof image !== 'string' && image.length === 0) {
      throw new MediaError('INVALID_INPUT', 'the image is empty');
    }
    try {
      const stdout =
        typeof image === 'string'
          ? await this.ffprobe(imageInfoArgs(image), options)
          : await this.ffprobe(imageInfoArgs('pipe:0'), options, image);
      return parseImageInfo(stdout, what);
    } catch (error) {
      if (error instanceof MediaError && error.code === 'INVALID_INPUT' && !error.message.startsWith(what)) {
        throw new MediaError(
          'INVALID_INPUT',
          `${what} is not a readable image: ${error.message}`,
          error.details,
        );
      }
      throw error;
    }
  }

  /**
   * Decodes the whole image, as the pipeline will: a file whose headers are fine but whose pixel data stops
   * short (a PNG with fewer rows than its header says) fails here with INVALID_INPUT. ffmpeg exits 0 for such
   * files, so anything it reports at `-v error` counts as a failure, as in `verify`.
   */
  async verifyImage(bytes: Buffer, options: MediaCallOptions = {}): Promise<void> {
    if (bytes.length === 0) throw new MediaError('INVALID_INPUT', 'the image is empty');
    let problems: string;
    try {
      problems = await this.ffmpeg(decodeImageArgs(), options, bytes);
    } catch (error) {
      if (error instanceof MediaError && error.code === 'FAILED') {
        throw new MediaError('INVALID_INPUT', error.message, error.details, { cause: error });
      }
      throw error;
    }
    if (problems.trim().length > 0) {
      throw new MediaError('INVALID_INPUT', `the image does not decode: ${summariseStderr(problems, 2)}`, {
        stderr: problems,
      });
    }
  }

  /**
   * The last decodable frame of a video, as an image (format from `output`'s extension: .jpg, .png, .webp).
   * Seeks from the end and decodes only from the last keyframe before it, so a 60 s video costs about what a 4 s
   * one does; `-update 1` keeps overwriting one image, so what remains is the last frame that really decoded.
   * When sound runs on past the picture, the end of the container holds no frame: then it seeks from the video
   * stream's own end, and as a last resort decodes the whole video (a damaged file).
   */
  async extractLastFrame(video: string, output: string, options: MediaCallOptions = {}): Promise<void> {
    const { capabilities } = await this.tools();
    await writeAtomically(output, async (part) => {
      const attempt = async (from?: LastFrameSeek) => {
        await this.ffmpeg(extractLastFrameArgs(video, part, capabilities, from), options);
        return (await fileSize(part)) > 0;
      };
      if (await attempt()) return;
      const { durationSeconds } = await this.probe(video, options);
      if (await attempt({ fromSeconds: durationSeconds - LAST_FRAME_WINDOW_SECONDS - 1 })) return;
      if (await attempt('whole')) return;
      throw new MediaError('INVALID_INPUT', `${video} has no decodable video frame`);
    });
  }

  /** The frame shown at `atSeconds`, as an image. */
  async extractFrame(
    video: string,
    atSeconds: number,
    output: string,
    options: MediaCallOptions & { width?: number } = {},
  ): Promise<void> {
    await writeAtomically(output, async (part) => {
      await this.ffmpeg(extractFrameArgs(video, atSeconds, part, options.width), options);
      if ((await fileSize(part)) === 0) {
        const { durationSeconds } = await this.probe(video, options);
        throw new MediaError(
          'BAD_REQUEST',
          `no frame at ${atSeconds} s: ${video} is ${durationSeconds.toFixed(3)} s long`,
        );
      }
    });
  }

  /** A preview image (default at most 640 px wide) from early in the video, past any fade-in from black. */
  async thumbnail(
    video: string,
    output: string,
    options: MediaCallOptions & { width?: number } = {},
  ): Promise<void> {
    const { durationSeconds, width } = await this.probe(video, options);
    const targetWidth = Math.min(options.width ?? DEFAULT_THUMBNAIL_WIDTH, width);
    await this.extractFrame(video, Math.min(1, durationSeconds * 0.1), output, {
      ...options,
      width: targetWidth - (targetWidth % 2),
    });
  }

  /**
   * The `thumbnail` (as `thumbnail()` makes it) and the `lastFrame` (as `extractLastFrame()` does) in one
   * ffmpeg run, given the video's probed `info`. A video whose end holds no frame (sound running on past the
   * picture) gets its last frame from extractLastFrame's slower fallbacks.
   */
  async stills(
    video: string,
    info: Pick<VideoInfo, 'durationSeconds' | 'width'>,
    outputs: { thumbnail: string; lastFrame: string },
    options: MediaCallOptions = {},
  ): Promise<void> {
    const { capabilities } = await this.tools();
    const targetWidth = Math.min(DEFAULT_THUMBNAIL_WIDTH, info.width);
    const thumbnail = {
      atSeconds: Math.min(1, info.durationSeconds * 0.1),
      width: targetWidth - (targetWidth % 2),
    };
    const missing = await writeAtomically(outputs.thumbnail, (thumbnailPart) =>
      writeAtomically(outputs.lastFrame, async (lastFramePart) => {
        await this.ffmpeg(
          stillsArgs(video, { ...thumbnail, output: thumbnailPart }, lastFramePart, capabilities),
          options,
        );
        const [thumbnailBytes, lastFrameBytes] = await Promise.all([
          fileSize(thumbnailPart),
          fileSize(lastFramePart),
        ]);
        return { thumbnail: thumbnailBytes === 0, lastFrame: lastFrameBytes === 0 };
      }),
    );
    if (missing.thumbnail) {
      await rm(outputs.thumbnail, { force: true });
      await this.extractFrame(video, thumbnail.atSeconds, outputs.thumbnail, {
        ...options,
        width: thumbnail.width,
      });
    }
    if (missing.lastFrame) {
      await rm(outputs.lastFrame, { force: true });
      await this.extractLastFrame(video, outputs.lastFrame, options);
    }
  }

  /**
   * `durationSeconds` of a video from its start (or from `fromSeconds`), re-encoded so the length is exact
   * to the frame.
   */
  async trim(
    video: string,
    durationSeconds: number,
    output: string,
    options: MediaCallOptions & { fromSeconds?: number } = {},
  ): Promise<VideoInfo> {
    const source = await this.probe(video, options);
    const frame = source.fps > 0 ? 1 / source.fps : 0;
    const from = options.fromSeconds ?? 0;
    if (from + durationSeconds > source.durationSeconds + frame) {
      throw new MediaError(
        'BAD_REQUEST',
        `cannot trim a ${source.durationSeconds.toFixed(3)} s video to ${durationSeconds} s`,
      );
    }
    await writeAtomically(output, (part) =>
      this.ffmpeg(trimArgs(video, durationSeconds, part, from), options),
    );
    return this.probe(output, options);
  }

  /**
   * Joins videos in order. With cuts between segments that share every codec parameter (the normal case: one
   * model made them all), the streams are copied, which takes a fraction of a second. Otherwise every segment is
   * normalised to the first one's size and frame rate (or the given ones), yuv420p, with silence where a segment has
   * no sound, and re-encoded. A crossfade needs ffmpeg's xfade filter; without it the join is a cut.
   */
  async concat(
    segments: readonly string[],
    output: string,
    options: ConcatOptions & MediaCallOptions = {},
  ): Promise<ConcatResult> {
    if (segments.length === 0) throw new MediaError('BAD_REQUEST', 'concat needs at least one segment');
    const { capabilities } = await this.tools();
    const probed = await Promise.all(segments.map((segment) => this.probeDetailed(segment, options)));

    let transition = options.transition ?? 'cut';
    if (transition === 'crossfade' && !capabilities.xfade) {
      this.logger.warn(
        'crossfade requested but this ffmpeg has no xfade filter (needs 4.3+): joining with cuts',
      );
      transition = 'cut';
    }

    const sameParameters = probed.every((item) => item.copySignature === probed[0].copySignature);
    const sizeOverridden =
      (options.width !== undefined && options.width !== probed[0].info.width) ||
      (options.height !== undefined && options.height !== probed[0].info.height) ||
      (options.fps !== undefined && options.fps !== probed[0].info.fps);
    if (transition === 'cut' && sameParameters && !sizeOverridden && !options.reencode) {
      try {
        await writeAtomically(output, (part) =>
          withTempDir(async (dir) => {
            const list = join(dir, 'segments.txt');
            await writeFile(list, concatListFile(segments));
            await this.ffmpeg(concatCopyArgs(list, part), options);
          }),
        );
        return { method: 'copy', transition, info: await this.probe(output, options) };
      } catch (error) {
        if (error instanceof MediaError && (error.code === 'ABORTED' || error.code === 'TIMEOUT'))
          throw error;
        this.logger.warn(`stream-copy concat failed, re-encoding instead: ${(error as Error).message}`);
      }
    }

    const first = probed[0].info;
    const even = (value: number) => Math.max(2, value - (value % 2));
    const width = options.width ?? even(first.width);
    const height = options.height ?? even(first.height);
    const fps = options.fps ?? (first.fps > 0 ? first.fps : 24);
    const shortest = Math.min(...probed.map((item) => item.info.durationSeconds));
    const crossfadeSeconds = Math.min(options.crossfadeSeconds ?? DEFAULT_CROSSFADE_SECONDS, shortest / 2);
    const encodeSegments = probed.map((item, index) => ({
      path: segments[index],
      durationSeconds: item.info.durationSeconds,
      hasAudio: item.info.hasAudio,
    }));
    const encodeOptions = { width, height, fps, transition, crossfadeSeconds };
    await writeAtomically(output, (part) =>
      this.ffmpeg(concatEncodeArgs(encodeSegments, part, encodeOptions), options),
    );
    return { method: 'reencode', transition, info: await this.probe(output, options) };
  }

  /** Two videos joined by a crossfade of `durationSeconds` (default 0.5 s); a cut where xfade is unavailable. */
  crossfade(
    first: string,
    second: string,
    output: string,
    options: MediaCallOptions & { durationSeconds?: number } = {},
  ): Promise<ConcatResult> {
    return this.concat([first, second], output, {
      ...options,
      transition: 'crossfade',
      crossfadeSeconds: options.durationSeconds,
    });
  }

  /**
   * Crops an image by fractions of its size, then scales it to exactly width x height, letterboxing (`pad`) or
   * filling and cutting the overflow (`cover`). Sora 2 rejects an input image whose size differs from the video's.
   */
  async prepareImage(
    image: string | Buffer,
    output: string,
    options: PrepareImageOptions & MediaCallOptions,
  ): Promise<ImageInfo> {
    const args = (input: string, part: string) => prepareImageArgs(input, part, options);
    args('input', output); // validates the options before any work
    await withTempDir(async (dir) => {
      const input = await materialise(image, dir, 'source');
      await writeAtomically(output, (part) => this.ffmpeg(args(input, part), options));
    });
    const extension = extname(output).toLowerCase();
    const format = extension === '.jpg' || extension === '.jpeg' ? 'jpeg' : extension.slice(1);
    return { width: options.width, height: options.height, format };
  }

  /** A still image brought to life by a slow zoom or pan: an H.264 yuv420p MP4 with +faststart. */
  async animateImage(
    image: string | Buffer,
    output: string,
    options: AnimateImageOptions & MediaCallOptions,
  ): Promise<VideoInfo> {
    const args = (input: string, part: string) => animateImageArgs(input, part, options);
    args('input', output); // validates the options before any work
    await withTempDir(async (dir) => {
      const input = await materialise(image, dir, 'source');
      await writeAtomically(output, (part) => this.ffmpeg(args(input, part), options));
    });
    return this.probe(output, options);
  }
}
