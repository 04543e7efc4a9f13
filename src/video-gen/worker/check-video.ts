import type { MediaService } from '../../media/media.service.js';
import type { VideoInfo } from '../../media/media.types.js';
import { GenerationFailure } from './job-failure.js';

/** A provider's file must be a playable video of about the planned length; anything else fails the generation. */
export async function checkVideo(
  media: MediaService,
  file: string,
  expectedSeconds: number,
  what: string,
): Promise<VideoInfo> {
  let info: VideoInfo;
  try {
    // verify() decodes every packet: a result cut off after its index fails here, not in the user's player.
    info = await media.verify(file);
  } catch (error) {
    throw new GenerationFailure(
      'INVALID_RESULT',
      `The provider returned ${what} that is not a playable video`,
      {
        cause: error,
      },
    );
  }
  return checkLength(info, expectedSeconds, what);
}

/** A video of about the planned length passes; anything else fails the generation. */
export function checkLength(info: VideoInfo, expectedSeconds: number, what: string): VideoInfo {
  const tolerance = Math.max(0.5, expectedSeconds * 0.1);
  if (!(info.durationSeconds > 0) || Math.abs(info.durationSeconds - expectedSeconds) > tolerance) {
    throw new GenerationFailure(
      'INVALID_RESULT',
      `The provider returned ${what} of ${info.durationSeconds.toFixed(2)}s instead of ${expectedSeconds}s`,
    );
  }
  return info;
}
