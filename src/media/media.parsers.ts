import { MediaError } from './media.error.js';
import type { ImageInfo } from './image-types.js';
import type { FfmpegCapabilities, VideoInfo } from './media.types.js';

/** The subset of ffprobe's JSON the service reads. */
interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  time_base?: string;
  duration?: string;
  sample_rate?: string;
  channels?: number;
  channel_layout?: string;
  extradata_hash?: string;
  disposition?: { attached_pic?: number };
}

interface ProbeJson {
  streams?: ProbeStream[];
  format?: { duration?: string; size?: string; format_name?: string };
}

export interface ProbedVideo {
  info: VideoInfo;
  /**
   * Everything that must match for the concat demuxer to join files by stream copy: codecs, profile, size, pixel
   * format, frame rate, time base, SPS/PPS (extradata), and the audio layout.
   */
  copySignature: string;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MediaError('FAILED', `${what} returned unreadable output`, {}, { cause: error });
  }
}

export function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [numerator, denominator] = rate.split('/').map(Number);
  const value = denominator ? numerator / denominator : numerator;
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : 0;
}

function positiveNumber(value: string | undefined): number | undefined {
  const parsed = value === undefined ? NaN : Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
}

export function parseVideoProbe(stdout: string, file: string, statBytes?: number): ProbedVideo {
  const json = parseJson(stdout, 'ffprobe') as ProbeJson;
  const streams = json.streams ?? [];
  const video = streams.find((stream) => stream.codec_type === 'video' && !stream.disposition?.attached_pic);
  if (!video || !video.width || !video.height) {
    throw new MediaError('INVALID_INPUT', `${file} has no video stream`);
  }
  const audio = streams.find((stream) => stream.codec_type === 'audio');
  // The video stream's own length is what matters for chaining; the container's may include longer audio.
  const durationSeconds = positiveNumber(video.duration) ?? positiveNumber(json.format?.duration);
  if (durationSeconds === undefined) {
    throw new MediaError('INVALID_INPUT', `${file} has no readable duration (is it a still image?)`);
  }
  const fps = parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate);
  const info: VideoInfo = {
    durationSeconds,
    width: video.width,
    height: video.height,
    fps,
    videoCodec: video.codec_name ?? 'unknown',
    pixelFormat: video.pix_fmt ?? 'unknown',
    ...(audio ? { audioCodec: audio.codec_name ?? 'unknown' } : {}),
    hasAudio: !!audio,
    bytes: positiveNumber(json.format?.size) ?? statBytes ?? 0,
  };
  const copySignature = JSON.stringify([
    video.codec_name,
    video.profile,
    video.width,
    video.height,
    video.pix_fmt,
    video.r_frame_rate,
    video.time_base,
    video.extradata_hash,
    audio ? [audio.codec_name, audio.profile, audio.sample_rate, audio.channels, audio.extradata_hash] : null,
  ]);
  return { info, copySignature };
}

const IMAGE_FORMATS: Record<string, string> = {
  mjpeg: 'jpeg',
  jpegls: 'jpeg',
  png: 'png',
  apng: 'png',
  webp: 'webp',
  gif: 'gif',
  bmp: 'bmp',
  tiff: 'tiff',
};

export function parseImageInfo(stdout: string, what: string): ImageInfo {
  const json = parseJson(stdout, 'ffprobe') as ProbeJson;
  const stream = json.streams?.[0];
  if (!stream || !stream.width || !stream.height || !stream.codec_name) {
    throw new MediaError('INVALID_INPUT', `${what} is not a readable image`);
  }
  return {
    width: stream.width,
    height: stream.height,
    format: IMAGE_FORMATS[stream.codec_name] ?? stream.codec_name,
  };
}

/** Reads `ffmpeg -filters` and `ffmpeg -h long` output. */
export function parseCapabilities(filtersOutput: string, helpOutput: string): FfmpegCapabilities {
  return {
    xfade: /^\s*\S+\s+xfade\s/m.test(filtersOutput),
    fpsMode: /^-fps_mode\s/m.test(helpOutput),
  };
}

/** "ffmpeg version 5.1.9-0+deb12u1 Copyright ..." -> "5.1.9-0+deb12u1". */
export function parseVersion(versionOutput: string): string {
  return /version\s+(\S+)/.exec(versionOutput)?.[1] ?? 'unknown';
}
