import { extname } from 'node:path';
import { MediaError } from './media.error.js';
import { pixelLabelFilter } from './pixel-label.js';
import type { Crop } from '../common/crop.js';
import type {
  AnimateImageOptions,
  FfmpegCapabilities,
  Motion,
  PrepareImageOptions,
  Transition,
} from './media.types.js';

/**
 * Pure builders of ffmpeg/ffprobe argument arrays. No I/O here: the unit tests check these without running ffmpeg,
 * and MediaService hands the arrays to the runner unchanged.
 */

/** Every ffmpeg call: no banner, no stdin (it would steal the terminal), only real errors on stderr, overwrite. */
export const FFMPEG_COMMON = ['-hide_banner', '-nostdin', '-v', 'error', '-y'] as const;

/** H.264 that every browser and player accepts, with the index at the front so playback starts at once. */
export const H264_OUTPUT = [
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-crf',
  '20',
  '-pix_fmt',
  'yuv420p',
  '-movflags',
  '+faststart',
] as const;

export const AAC_OUTPUT = ['-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2'] as const;

/** Silent stereo audio from lavfi, for segments that have no sound of their own. */
export const SILENT_AUDIO_SOURCE = 'anullsrc=channel_layout=stereo:sample_rate=48000';

/**
 * Seconds before the end that extractLastFrame seeks to. ffmpeg lands on the keyframe before that point and decodes
 * from there, so the cost is one keyframe interval plus this window, whatever the video's length.
 */
export const LAST_FRAME_WINDOW_SECONDS = 1;

/** Where extractLastFrame starts decoding: before the container's end, from a time, or from the start. */
export type LastFrameSeek = { fromEndSeconds: number } | { fromSeconds: number } | 'whole';

/** Seconds formatted for ffmpeg: plain decimal, millisecond precision, never exponent notation. */
export function seconds(value: number): string {
  return (Math.round(value * 1000) / 1000).toFixed(3).replace(/\.?0+$/, '') || '0';
}

export function probeArgs(input: string): string[] {
  return [
    '-hide_banner',
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    // Two H.264 files can share size and codec and still differ in SPS/PPS; the hash tells stream copy apart.
    '-show_data_hash',
    'md5',
    input,
  ];
}

export function imageInfoArgs(input: string): string[] {
  return [
    '-hide_banner',
    '-v',
    'error',
    '-print_format',
    'json',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height,codec_name:format=format_name',
    input,
  ];
}

/** `-fps_mode passthrough` where supported, else the older spelling: frames out exactly as decoded. */
export function passthroughFrames(capabilities: FfmpegCapabilities): string[] {
  return capabilities.fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough'];
}

function imageQuality(output: string): string[] {
  const extension = extname(output).toLowerCase();
  if (extension === '.jpg' || extension === '.jpeg') return ['-q:v', '2'];
  if (extension === '.webp') return ['-quality', '90'];
  return [];
}

export function assertImageOutput(output: string): void {
  const extension = extname(output).toLowerCase();
  if (!['.jpg', '.jpeg', '.png', '.webp'].includes(extension)) {
    throw new MediaError(
      'BAD_REQUEST',
      `image output must end in .jpg, .jpeg, .png or .webp, got "${output}"`,
    );
  }
}

/**
 * The last frame, read from the end: `-sseof` seeks to a keyframe shortly before the end (so the cost does not grow
 * with the video's length), every frame from there is decoded, and `-update 1` keeps overwriting one image, so
 * what remains is the last frame that actually decoded.
 */
export function extractLastFrameArgs(
  video: string,
  output: string,
  capabilities: FfmpegCapabilities,
  from: LastFrameSeek = { fromEndSeconds: LAST_FRAME_WINDOW_SECONDS },
): string[] {
  assertImageOutput(output);
  const seek =
    from === 'whole'
      ? []
      : 'fromEndSeconds' in from
        ? ['-sseof', `-${seconds(from.fromEndSeconds)}`]
        : ['-ss', seconds(Math.max(0, from.fromSeconds))];
  return [
    ...FFMPEG_COMMON,
    ...seek,
    '-i',
    video,
    '-map',
    '0:v:0',
    '-an',
    ...passthroughFrames(capabilities),
    '-update',
    '1',
    ...imageQuality(output),
    output,
  ];
}

export function extractFrameArgs(video: string, atSeconds: number, output: string, width?: number): string[] {
  assertImageOutput(output);
  if (!Number.isFinite(atSeconds) || atSeconds < 0) {
    throw new MediaError(
      'BAD_REQUEST',
      `frame time must be a non-negative number of seconds, got ${atSeconds}`,
    );
  }
  return [
    ...FFMPEG_COMMON,
    // Input seeking is accurate when decoding (ffmpeg decodes from the keyframe and drops frames before `at`).
    '-ss',
    seconds(atSeconds),
    '-i',
    video,
    '-map',
    '0:v:0',
    '-an',
    ...(width ? ['-vf', `scale=${width}:-2`] : []),
    '-frames:v',
    '1',
    '-update',
    '1',
    ...imageQuality(output),
    output,
  ];
}

/**
 * A thumbnail and the last frame in one ffmpeg run: the video is opened twice, once seeked to the
 * thumbnail's time and once near its end (as extractLastFrameArgs does), and each input feeds one image.
 */
export function stillsArgs(
  video: string,
  thumbnail: { output: string; atSeconds: number; width?: number },
  lastFrame: string,
  capabilities: FfmpegCapabilities,
): string[] {
  assertImageOutput(thumbnail.output);
  assertImageOutput(lastFrame);
  if (!Number.isFinite(thumbnail.atSeconds) || thumbnail.atSeconds < 0) {
    throw new MediaError(
      'BAD_REQUEST',
      `frame time must be a non-negative number of seconds, got ${thumbnail.atSeconds}`,
    );
  }
  return [
    ...FFMPEG_COMMON,
    '-ss',
    seconds(thumbnail.atSeconds),
    '-i',
    video,
    '-sseof',
    `-${seconds(LAST_FRAME_WINDOW_SECONDS)}`,
    '-i',
    video,
    // Output 1, the thumbnail: one frame of input 0 (as extractFrameArgs).
    '-map',
    '0:v:0',
    '-an',
    ...(thumbnail.width ? ['-vf', `scale=${thumbnail.width}:-2`] : []),
    '-frames:v',
    '1',
    '-update',
    '1',
    ...imageQuality(thumbnail.output),
    thumbnail.output,
    // Output 2, the last frame: every frame of input 1 overwrites it (as extractLastFrameArgs).
    '-map',
    '1:v:0',
    '-an',
    ...passthroughFrames(capabilities),
    '-update',
    '1',
    ...imageQuality(lastFrame),
    lastFrame,
  ];
}

/**
 * Re-encodes, so the result is exactly `durationSeconds` long (to the frame) and starts on a keyframe;
 * `fromSeconds` skips the start (a native extension's tail).
 */
export function trimArgs(video: string, durationSeconds: number, output: string, fromSeconds = 0): string[] {
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) {
    throw new MediaError('BAD_REQUEST', `trim duration must be positive, got ${durationSeconds}`);
  }
  if (!Number.isFinite(fromSeconds) || fromSeconds < 0) {
    throw new MediaError('BAD_REQUEST', `trim start must not be negative, got ${fromSeconds}`);
  }
  return [
    ...FFMPEG_COMMON,
    '-i',
    video,
    ...(fromSeconds > 0 ? ['-ss', seconds(fromSeconds)] : []),
    '-t',
    seconds(durationSeconds),
    '-map',
    '0:v:0',
    '-map',
    '0:a:0?',
    ...H264_OUTPUT,
    ...AAC_OUTPUT,
    output,
  ];
}

/**
 * Reads every packet without decoding (fast: I/O only). The demuxer reports a cut-off file ("partial file") or
 * a damaged packet on stderr, which a header-only ffprobe cannot see on a file with its index at the front.
 */
/** Decodes every frame of an image read from stdin and discards it: ffmpeg says at `-v error` what it could not decode. */
export function decodeImageArgs(): string[] {
  return ['-hide_banner', '-nostdin', '-v', 'error', '-i', 'pipe:0', '-map', '0:v:0', '-f', 'null', '-'];
}

export function readAllPacketsArgs(video: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-i',
    video,
    '-map',
    '0',
    '-c',
    'copy',
    '-f',
    'null',
    '-',
  ];
}

/** The concat demuxer's list file; single quotes in paths are escaped the way the demuxer expects. */
export function concatListFile(paths: readonly string[]): string {
  return paths.map((path) => `file '${path.replace(/'/g, `'\\''`)}'\n`).join('');
}

export function concatCopyArgs(listFile: string, output: string): string[] {
  return [
    ...FFMPEG_COMMON,
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    listFile,
    '-map',
    '0:v:0',
    '-map',
    '0:a:0?',
    '-c',
    'copy',
    '-movflags',
    '+faststart',
    output,
  ];
}

export interface ConcatSegment {
  path: string;
  durationSeconds: number;
  hasAudio: boolean;
}

export interface ConcatEncodeOptions {
  width: number;
  height: number;
  fps: number;
  transition: Transition;
  crossfadeSeconds: number;
}

export function assertEvenSize(width: number, height: number): void {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 2 || value > 8192 || value % 2 !== 0) {
      throw new MediaError(
        'BAD_REQUEST',
        `${name} must be an even whole number of pixels (2-8192), got ${value}`,
      );
    }
  }
}

/** Starting offsets of each xfade: the running length so far minus one crossfade per transition already made. */
export function crossfadeOffsets(durations: readonly number[], crossfadeSeconds: number): number[] {
  const offsets: number[] = [];
  let length = durations[0] ?? 0;
  for (let index = 1; index < durations.length; index += 1) {
    offsets.push(length - crossfadeSeconds);
    length += durations[index] - crossfadeSeconds;
  }
  return offsets;
}

/**
 * Normalises every segment to one size, frame rate and pixel format (letterboxing, never stretching), gives each
 * segment audio (silence where it has none) when any segment has sound, and joins them with cuts or crossfades.
 */
export function concatEncodeArgs(
  segments: readonly ConcatSegment[],
  output: string,
  options: ConcatEncodeOptions,
): string[] {
  if (segments.length === 0) throw new MediaError('BAD_REQUEST', 'concat needs at least one segment');
  assertEvenSize(options.width, options.height);
  const { width, height, fps } = options;
  const withAudio = segments.some((segment) => segment.hasAudio);
  const inputs: string[] = [];
  const filters: string[] = [];
  segments.forEach((segment) => inputs.push('-i', segment.path));
  let extraInput = segments.length;

  segments.forEach((segment, index) => {
    filters.push(
      `[${index}:v:0]setpts=PTS-STARTPTS,scale=${width}:${height}:force_original_aspect_ratio=decrease,` +
        `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${fps},format=yuv420p[v${index}]`,
    );
    if (!withAudio) return;
    let source = `${index}:a:0`;
    if (!segment.hasAudio) {
      inputs.push('-f', 'lavfi', '-t', seconds(segment.durationSeconds), '-i', SILENT_AUDIO_SOURCE);
      source = `${extraInput}:a:0`;
      extraInput += 1;
    }
    // Audio is cut or padded to the video's length so sound and picture stay together across the joins.
    filters.push(
      `[${source}]asetpts=PTS-STARTPTS,aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,` +
        `apad,atrim=0:${seconds(segment.durationSeconds)}[a${index}]`,
    );
  });

  const crossfading = options.transition === 'crossfade' && segments.length > 1;
  // Whole frames, so that each fade starts and ends on a frame of both segments.
  const fadeSeconds = Math.max(1, Math.round(options.crossfadeSeconds * fps)) / fps;
  const durations = segments.map((segment) => segment.durationSeconds);
  const crossfadedLength =
    durations.reduce((sum, value) => sum + value, 0) - (segments.length - 1) * fadeSeconds;
  if (crossfading) {
    const fade = seconds(fadeSeconds);
    const offsets = crossfadeOffsets(durations, fadeSeconds);
    let video = 'v0';
    let audio = 'a0';
    offsets.forEach((offset, position) => {
      const index = position + 1;
      const last = index === segments.length - 1;
      const nextVideo = last ? 'vout' : `vx${index}`;
      filters.push(
        `[${video}][v${index}]xfade=transition=fade:duration=${fade}:offset=${seconds(offset)}[${nextVideo}]`,
      );
      video = nextVideo;
      if (withAudio) {
        const nextAudio = last ? 'aout' : `ax${index}`;
        filters.push(`[${audio}][a${index}]acrossfade=d=${fade}[${nextAudio}]`);
        audio = nextAudio;
      }
    });
  } else {
    const pads = segments.map((_, index) => (withAudio ? `[v${index}][a${index}]` : `[v${index}]`)).join('');
    filters.push(
      `${pads}concat=n=${segments.length}:v=1:a=${withAudio ? 1 : 0}[vout]${withAudio ? '[aout]' : ''}`,
    );
  }

  return [
    ...FFMPEG_COMMON,
    ...inputs,
    '-filter_complex',
    filters.join(';'),
    '-map',
    '[vout]',
    ...(withAudio ? ['-map', '[aout]'] : []),
    // xfade repeats the last frame once at the very end; the exact length is known, so cut there.
    ...(crossfading ? ['-t', seconds(crossfadedLength)] : []),
    ...H264_OUTPUT,
    ...(withAudio ? AAC_OUTPUT : []),
    output,
  ];
}

export function assertCrop(crop: Crop): void {
  const { left, top, right, bottom } = crop;
  const values = [left, top, right, bottom];
  if (
    values.some((value) => typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) ||
    left >= right ||
    top >= bottom
  ) {
    throw new MediaError(
      'BAD_REQUEST',
      `crop must be fractions with 0 <= left < right <= 1 and 0 <= top < bottom <= 1, got ${JSON.stringify(crop)}`,
    );
  }
}

/** The crop-then-fit filter chain of prepareImage; always ends at exactly width x height with square pixels. */
export function prepareImageFilter(options: PrepareImageOptions): string {
  const { width, height, crop, fit } = options;
  assertEvenSize(width, height);
  const steps: string[] = [];
  if (crop) {
    assertCrop(crop);
    const { left, top, right, bottom } = crop;
    steps.push(
      `crop=w='max(1,trunc(iw*${right - left}))':h='max(1,trunc(ih*${bottom - top}))'` +
        `:x='trunc(iw*${left})':y='trunc(ih*${top})'`,
    );
  }
  if (fit === 'cover') {
    steps.push(`scale=${width}:${height}:force_original_aspect_ratio=increase`, `crop=${width}:${height}`);
  } else if (fit === 'pad') {
    steps.push(
      `scale=${width}:${height}:force_original_aspect_ratio=decrease`,
      `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=black`,
    );
  } else {
    throw new MediaError('BAD_REQUEST', `fit must be "pad" or "cover", got ${JSON.stringify(fit)}`);
  }
  steps.push('setsar=1');
  return steps.join(',');
}

export function prepareImageArgs(input: string, output: string, options: PrepareImageOptions): string[] {
  assertImageOutput(output);
  return [
    ...FFMPEG_COMMON,
    '-i',
    input,
    '-vf',
    prepareImageFilter(options),
    '-frames:v',
    '1',
    '-update',
    '1',
    ...imageQuality(output),
    output,
  ];
}

/** How far the zooming motions move in: 1.15 = the frame shows 87% of the picture at the tight end. */
export const MOTION_ZOOM = 1.15;

/** zoompan expressions per motion. `on` is the output frame number, `p` the progress from 0 to 1. */
export function motionExpressions(motion: Motion, frames: number): { z: string; x: string; y: string } {
  const progress = frames > 1 ? `(on/${frames - 1})` : '0';
  const centreX = '(iw-iw/zoom)/2';
  const centreY = '(ih-ih/zoom)/2';
  const extra = Number((MOTION_ZOOM - 1).toFixed(4));
  switch (motion) {
    case 'zoom-in':
      return { z: `1+${extra}*${progress}`, x: centreX, y: centreY };
    case 'zoom-out':
      return { z: `${MOTION_ZOOM}-${extra}*${progress}`, x: centreX, y: centreY };
    case 'pan-right':
      return { z: `${MOTION_ZOOM}`, x: `(iw-iw/zoom)*${progress}`, y: centreY };
    case 'pan-left':
      return { z: `${MOTION_ZOOM}`, x: `(iw-iw/zoom)*(1-${progress})`, y: centreY };
    case 'static':
      return { z: '1', x: '0', y: '0' };
    default:
      throw new MediaError('BAD_REQUEST', `unknown motion ${JSON.stringify(motion)}`);
  }
}

export function animationFrameCount(durationSeconds: number, fps: number): number {
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0 || durationSeconds > 600) {
    throw new MediaError('BAD_REQUEST', `duration must be between 0 and 600 seconds, got ${durationSeconds}`);
  }
  if (!Number.isFinite(fps) || fps < 1 || fps > 120) {
    throw new MediaError('BAD_REQUEST', `fps must be between 1 and 120, got ${fps}`);
  }
  return Math.max(1, Math.round(durationSeconds * fps));
}

/**
 * A still image animated by zoompan into an H.264 yuv420p MP4 with +faststart. The image is first made to cover
 * twice the output size, which keeps zoompan's whole-pixel steps from showing as jitter.
 */
export function animateImageArgs(input: string, output: string, options: AnimateImageOptions): string[] {
  const { width, height, motion } = options;
  const fps = options.fps ?? 24;
  assertEvenSize(width, height);
  const frames = animationFrameCount(options.durationSeconds, fps);
  const { z, x, y } = motionExpressions(motion, frames);
  const filter =
    `scale=${width * 2}:${height * 2}:force_original_aspect_ratio=increase,crop=${width * 2}:${height * 2},` +
    `setsar=1,zoompan=z='${z}':x='${x}':y='${y}':d=${frames}:s=${width}x${height}:fps=${fps},` +
    (options.label ? `${pixelLabelFilter(options.label, width)},` : '') +
    'format=yuv420p';
  const audio = options.silentAudio
    ? ['-f', 'lavfi', '-t', seconds(frames / fps), '-i', SILENT_AUDIO_SOURCE]
    : [];
  return [
    ...FFMPEG_COMMON,
    '-i',
    input,
    ...audio,
    '-filter_complex',
    `[0:v:0]${filter}[vout]`,
    '-map',
    '[vout]',
    ...(options.silentAudio ? ['-map', '1:a:0', ...AAC_OUTPUT] : []),
    '-frames:v',
    String(frames),
    '-r',
    String(fps),
    ...H264_OUTPUT,
    output,
  ];
}
