import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MediaService, withTempDir } from '../media/index.js';
import { placeholderPng } from './placeholder-image.js';

export interface RenderRequest {
  /** The submitted image, or none for text-to-video (a gradient derived from the prompt is used). */
  image?: Buffer;
  prompt: string;
  durationSeconds: number;
  /** The size the real provider would return; the simulator keeps its aspect ratio. */
  width: number;
  height: number;
}

/** Longest side of a simulated video unless the simulator is told to render at full size. */
export const SMALL_VIDEO_SIDE = 320;

/** The size the simulator renders: the requested aspect ratio, longest side 320 px, even numbers. Pure. */
export function simulatedSize(
  width: number,
  height: number,
  fullSize: boolean,
): { width: number; height: number } {
  if (fullSize) return { width, height };
  const scale = Math.min(1, SMALL_VIDEO_SIDE / Math.max(width, height));
  const even = (value: number) => Math.max(2, Math.round((value * scale) / 2) * 2);
  return { width: even(width), height: even(height) };
}

/**
 * Makes the simulators' results: a real H.264 MP4 of the requested duration, animated from the submitted
 * image by MediaService, so everything downstream handles real video.
 */
export class SimulatedVideoRenderer {
  constructor(
    private readonly media: MediaService,
    private readonly fullSize = false,
    /** Burns "SIMULATED" into every frame, so nobody mistakes a simulated result for a real one. */
    private readonly label = true,
  ) {}

  async render(request: RenderRequest): Promise<Buffer> {
    const { width, height } = simulatedSize(request.width, request.height, this.fullSize);
    const image = request.image ?? placeholderPng(width, height, request.prompt);
    return withTempDir(async (dir) => {
      const output = join(dir, 'video.mp4');
      await this.media.animateImage(image, output, {
        durationSeconds: request.durationSeconds,
        width,
        height,
        fps: 12,
        motion: 'zoom-in',
        label: this.label ? 'SIMULATED' : undefined,
      });
      return readFile(output);
    });
  }

  async imageSize(image: Buffer): Promise<{ width: number; height: number } | undefined> {
    try {
      const info = await this.media.imageInfo(image);
      return { width: info.width, height: info.height };
    } catch {
      return undefined;
    }
  }

  async thumbnail(video: Buffer): Promise<Buffer> {
    return withTempDir(async (dir) => {
      await writeFile(join(dir, 'video.mp4'), video);
      await this.media.thumbnail(join(dir, 'video.mp4'), join(dir, 'thumb.jpg'));
      return readFile(join(dir, 'thumb.jpg'));
    });
  }
}
