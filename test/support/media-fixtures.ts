import { runProcess } from '../../src/media/ffmpeg.runner.js';
import { MediaService } from '../../src/media/media.service.js';

/**
 * Small real videos and images made by ffmpeg's lavfi sources, for specs that need media to work on.
 * Uses the same binaries MediaService resolved, through the one process runner.
 */
export class MediaFixtures {
  constructor(private readonly media: MediaService) {}

  private async ffmpeg(args: string[]): Promise<void> {
    const { ffmpeg } = await this.media.tools();
    await runProcess(ffmpeg.path, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], {
      timeoutMs: 120_000,
    });
  }

  /** A test-pattern video; `faststart: false` leaves the index at the end, as a truncated upload would lose it. */
  async video(
    path: string,
    options: {
      width?: number;
      height?: number;
      fps?: number;
      durationSeconds?: number;
      codec?: 'libx264' | 'libx265' | 'mpeg4' | 'libvpx-vp9';
      audio?: boolean;
      faststart?: boolean;
      gop?: number;
    } = {},
  ): Promise<string> {
    const {
      width = 320,
      height = 240,
      fps = 25,
      durationSeconds = 2,
      codec = 'libx264',
      audio = false,
    } = options;
    const container =
      codec === 'libvpx-vp9' ? [] : options.faststart === false ? [] : ['-movflags', '+faststart'];
    await this.ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${width}x${height}:rate=${fps}`,
      ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'] : []),
      '-t',
      String(durationSeconds),
      '-c:v',
      codec,
      ...(codec === 'libx264' || codec === 'libx265' ? ['-preset', 'ultrafast'] : []),
      ...(codec === 'libx265' ? ['-x265-params', 'log-level=error'] : []),
      ...(options.gop ? ['-g', String(options.gop)] : []),
      '-pix_fmt',
      'yuv420p',
      ...(audio ? ['-c:a', codec === 'libvpx-vp9' ? 'libopus' : 'aac', '-shortest'] : []),
      ...container,
      path,
    ]);
    return path;
  }

  /** Grey level of frame `index` in `indexedVideo`: neighbours differ by 23 levels, so a frame shows its index. */
  static greyLevel(index: number): number {
    return 16 + ((index * 23) % 220);
  }

  /**
   * A video whose frame i is a flat grey of `greyLevel(i)`, encoded nearly losslessly with a single keyframe
   * (the worst case for seeking from the end).
   */
  async indexedVideo(
    path: string,
    options: {
      frames: number;
      fps?: number;
      width?: number;
      height?: number;
      gop?: number;
      /** Seconds of sound; longer than the picture to test the end of a video whose audio runs on. */
      audioSeconds?: number;
    },
  ): Promise<string> {
    const { frames, fps = 25, width = 160, height = 120, gop = 1000 } = options;
    await this.ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `color=c=black:size=${width}x${height}:rate=${fps},geq=lum='16+mod(N*23\\,220)':cb=128:cr=128`,
      ...(options.audioSeconds ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
      '-frames:v',
      String(frames),
      ...(options.audioSeconds ? ['-t', String(options.audioSeconds), '-c:a', 'aac'] : []),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-qp',
      '0',
      '-g',
      String(gop),
      '-pix_fmt',
      'yuv420p',
      path,
    ]);
    return path;
  }

  /** A still test image (png, jpg or webp by extension). */
  async image(path: string, width: number, height: number): Promise<string> {
    await this.ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${width}x${height}:rate=1`,
      '-frames:v',
      '1',
      path,
    ]);
    return path;
  }

  /** An image whose left half is white and right half black, to see where a crop landed. */
  async halvesImage(path: string, width: number, height: number): Promise<string> {
    await this.ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `color=c=black:size=${width}x${height},geq=lum='if(lt(X\\,W/2)\\,235\\,16)':cb=128:cr=128`,
      '-frames:v',
      '1',
      path,
    ]);
    return path;
  }

  /** Mean luma (0-255) of an image or of a video's first frame. */
  async meanLuma(path: string): Promise<number> {
    const pixels = await this.grayPixels(path);
    let sum = 0;
    for (const value of pixels) sum += value;
    return sum / pixels.length;
  }

  /** Luma of every pixel of an image (or a video's first frame), row by row. */
  async grayPixels(path: string): Promise<Buffer> {
    const { ffmpeg } = await this.media.tools();
    const { stdout } = await runProcess(
      ffmpeg.path,
      [
        '-hide_banner',
        '-nostdin',
        '-v',
        'error',
        '-i',
        path,
        '-frames:v',
        '1',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'gray',
        '-',
      ],
      { timeoutMs: 60_000, captureStdout: true },
    );
    return stdout;
  }
}
