import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { MediaError, MediaService, Motion, withTempDir } from '../media/index.js';
import type { ProviderName } from './provider-errors.js';
import { ProviderRejectedError } from './provider-errors.js';
import type { Crop } from '../common/crop.js';
import type { SourceImage } from './video-provider.js';

/** Pixel size of a crop, rounded to even numbers (what the encoders want), at least 2x2. Pure. */
export function croppedSize(width: number, height: number, crop: Crop): { width: number; height: number } {
  const even = (value: number) => Math.max(2, Math.round(value / 2) * 2);
  return { width: even(width * (crop.right - crop.left)), height: even(height * (crop.bottom - crop.top)) };
}

/** `1280x720` -> { width: 1280, height: 720 }. Pure. */
export function parseSize(size: string): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!match) throw new Error(`not a WIDTHxHEIGHT size: ${size}`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

/**
 * The image work providers need before upload (crop to bounds, fit to an exact size), on top of MediaService:
 * the only place in src/providers that touches ffmpeg, and only through MediaService.
 */
@Injectable()
export class ImagePreparer {
  constructor(@Inject(MediaService) private readonly media: MediaService) {}

  /** The part of the image inside the crop bounds, at its own pixel size. */
  async crop(image: SourceImage, crop: Crop, provider: ProviderName = 'fal'): Promise<SourceImage> {
    const { width, height } = croppedSize(image.width, image.height, crop);
    return this.prepare(image, width, height, crop, 'cover', provider);
  }

  /** Cropped to the bounds, then scaled and letterboxed to exactly width x height (Sora 2 needs exact sizes). */
  async fit(
    image: SourceImage,
    width: number,
    height: number,
    crop: Crop | undefined,
    provider: ProviderName,
  ): Promise<SourceImage> {
    if (!crop && image.width === width && image.height === height) return image;
    return this.prepare(image, width, height, crop, 'pad', provider);
  }

  /** An H.264 MP4 of a still image moving, at `output`. */
  async animate(
    image: Buffer,
    output: string,
    options: {
      durationSeconds: number;
      width: number;
      height: number;
      fps?: number;
      motion: Motion;
      signal?: AbortSignal;
    },
  ): Promise<void> {
    await this.media.animateImage(image, output, options);
  }

  private async prepare(
    image: SourceImage,
    width: number,
    height: number,
    crop: Crop | undefined,
    fit: 'cover' | 'pad',
    provider: ProviderName,
  ): Promise<SourceImage> {
    const jpeg = image.contentType === 'image/jpeg';
    try {
      return await withTempDir(async (dir) => {
        const output = join(dir, jpeg ? 'prepared.jpg' : 'prepared.png');
        await this.media.prepareImage(image.bytes, output, { width, height, crop, fit });
        return {
          bytes: await readFile(output),
          contentType: jpeg ? 'image/jpeg' : 'image/png',
          width,
          height,
        };
      });
    } catch (error) {
      if (error instanceof MediaError && (error.code === 'INVALID_INPUT' || error.code === 'BAD_REQUEST')) {
        throw new ProviderRejectedError(
          provider,
          'invalid_input',
          `The source image cannot be used: ${error.message}`,
        );
      }
      throw error;
    }
  }
}
