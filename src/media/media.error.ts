import { type Classified, failureOf, type OwnFailure } from '../common/failures/classified.js';

export type MediaErrorCode =
  /** ffmpeg/ffprobe could not be found or started. */
  | 'UNAVAILABLE'
  /** The input is not a readable video or image (corrupt, truncated, wrong type). */
  | 'INVALID_INPUT'
  /** ffmpeg ran but failed for another reason. */
  | 'FAILED'
  | 'TIMEOUT'
  | 'ABORTED'
  /** The caller asked for something impossible (bad size, crop out of range, ...). */
  | 'BAD_REQUEST';

/** Every failure of the media module. `stderr` holds the tail of ffmpeg's own explanation. */
export class MediaError extends Error implements Classified {
  constructor(
    readonly code: MediaErrorCode,
    message: string,
    readonly details: { command?: string; exitCode?: number | null; stderr?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MediaError';
  }

  [failureOf](): OwnFailure {
    return this.code === 'INVALID_INPUT'
      ? { class: 'permanent', code: 'INVALID_INPUT', message: UNPROCESSABLE_IMAGE }
      : { class: 'permanent', code: 'INTERNAL', message: this.message };
  }
}

/** Shown when ffmpeg cannot read the user's image while preparing it: the input's fault, not ours. */
const UNPROCESSABLE_IMAGE =
  'The source image cannot be processed; upload another image. Your credits are refunded.';

/** Lines of ffmpeg's stderr that explain a failure that mean a bad input rather than a bad command. */
const INVALID_INPUT_PATTERNS = [
  /moov atom not found/i,
  /Invalid data found when processing input/i,
  /could not find codec parameters/i,
  /End of file/i,
  /No such file or directory/i,
  /does not contain any stream/i,
  /Output file #0 does not contain any stream/i,
  /Stream map .* matches no streams/i,
  /Error while decoding/i,
  /corrupt/i,
  /truncat/i,
];

export function classifyFailure(stderr: string): MediaErrorCode {
  return INVALID_INPUT_PATTERNS.some((pattern) => pattern.test(stderr)) ? 'INVALID_INPUT' : 'FAILED';
}

/** The last few meaningful stderr lines, for an error message a human can act on. */
export function summariseStderr(stderr: string, maxLines = 4): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return lines.slice(-maxLines).join(' | ');
}
