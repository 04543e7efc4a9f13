import type { Crop } from '../common/crop.js';

/** What `MediaService.probe` reports about a video file, in the project's own terms (not ffprobe's JSON). */
export interface VideoInfo {
  durationSeconds: number;
  width: number;
  height: number;
  /** Average frame rate, e.g. 24 or 29.97. */
  fps: number;
  videoCodec: string;
  pixelFormat: string;
  audioCodec?: string;
  hasAudio: boolean;
  bytes: number;
}

export interface PrepareImageOptions {
  width: number;
  height: number;
  crop?: Crop;
  /** `pad`: fit inside and letterbox with black; `cover`: fill and cut the overflow. */
  fit: 'pad' | 'cover';
}

export type Motion = 'zoom-in' | 'zoom-out' | 'pan-left' | 'pan-right' | 'static';
export const MOTIONS: readonly Motion[] = ['zoom-in', 'zoom-out', 'pan-left', 'pan-right', 'static'];

export interface AnimateImageOptions {
  durationSeconds: number;
  width: number;
  height: number;
  /** Default 24. */
  fps?: number;
  motion: Motion;
  /** Adds a silent AAC track, for callers that want a video shaped like a model's output with sound. */
  silentAudio?: boolean;
  /** Text burned into the top-left corner of every frame (letters of pixel-label.ts's font only). */
  label?: string;
}

export type Transition = 'cut' | 'crossfade';

export interface ConcatOptions {
  transition?: Transition;
  /** Length of each crossfade, default 0.5 s. */
  crossfadeSeconds?: number;
  /** Output size and frame rate when re-encoding; default: the first segment's. */
  width?: number;
  height?: number;
  fps?: number;
  /** Re-encode even when every segment could be stream-copied. */
  reencode?: boolean;
}

export interface ConcatResult {
  /** `copy`: stream-copied with the concat demuxer; `reencode`: normalised and re-encoded. */
  method: 'copy' | 'reencode';
  /** The transition actually applied (a crossfade degrades to a cut when ffmpeg lacks `xfade`). */
  transition: Transition;
  info: VideoInfo;
}

/** Per-call controls every operation accepts. */
export interface MediaCallOptions {
  signal?: AbortSignal;
  /** Overrides FFMPEG_TIMEOUT_MS for this call. */
  timeoutMs?: number;
}

/** What the installed ffmpeg can do, detected once at start-up. */
export interface FfmpegCapabilities {
  /** The `xfade` filter (ffmpeg >= 4.3); without it crossfades degrade to cuts. */
  xfade: boolean;
  /** `-fps_mode` (ffmpeg >= 5.1) instead of the older `-vsync`. */
  fpsMode: boolean;
}
