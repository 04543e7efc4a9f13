import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  InvalidRequestError,
  NotFoundError,
  TooLargeError,
  UnsupportedTypeError,
} from '../common/domain-errors.js';
import type { AuthUser } from '../auth/auth-user.js';
import { assertOwnedKey } from '../auth/ownership.js';
import { AppConfig } from '../config/app-config.js';
import { MediaError } from '../media/media.error.js';
import { MediaService } from '../media/media.service.js';
import { ObjectStorage } from '../storage/object-storage.js';
import { StorageKeys } from '../storage/storage-keys.js';
import { IMAGE_EXTENSIONS, type ImageContentType } from '../media/image-types.js';
import { type ProbedImage, probeImage } from './image-probe.js';
import { ValidatedImageRepository } from './validated-images.repository.js';
import type { PresignedImageUploadDto, UploadedImageDto } from './upload.dto.js';

@Injectable()
export class UploadsService {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Inject(MediaService) private readonly media: MediaService,
    @Inject(ValidatedImageRepository) private readonly validated: ValidatedImageRepository,
  ) {}

  /**
   * Stores an image under the caller's prefix once its bytes prove it is a complete JPEG, PNG or WebP that
   * decodes, and records the key as validated (the only keys a generation accepts).
   */
  async storeImage(user: AuthUser, bytes: Buffer): Promise<UploadedImageDto> {
    const { contentType, width, height } = await this.inspect(bytes);
    const key = this.newKey(user, contentType);
    await this.storage.put(key, bytes, contentType);
    const image = { key, contentType, width, height, bytes: bytes.length };
    await this.validated.record(user.id, image);
    return image;
  }

  /**
   * A presigned PUT for a browser to upload directly, with the content type and exact size bound into the
   * signature. The bytes are not inspected here: the key is usable only once /uploads/images/complete checked them.
   */
  async presignImageUpload(
    user: AuthUser,
    contentType: ImageContentType,
    bytes: number,
  ): Promise<PresignedImageUploadDto> {
    if (bytes > this.config.uploads.maxImageBytes) throw this.tooLarge();
    const key = this.newKey(user, contentType);
    const upload = await this.storage.presignPut(key, contentType, bytes);
    return {
      key,
      url: upload.url,
      method: upload.method,
      headers: upload.headers,
      expiresAt: upload.expiresAt.toISOString(),
    };
  }

  /**
   * Checks an image already in storage (one uploaded with a presigned PUT) the way an upload is checked: the
   * caller's own key (403 otherwise), present (404), a complete JPEG, PNG or WebP within MAX_IMAGE_BYTES and
   * MAX_IMAGE_SIDE that decodes (4xx otherwise), and records it as validated. `removeIfInvalid` deletes a
   * refused object, so a failed direct upload leaves nothing behind.
   */
  async inspectStoredImage(
    user: AuthUser,
    rawKey: string,
    options: { removeIfInvalid?: boolean } = {},
  ): Promise<UploadedImageDto> {
    const key = assertOwnedKey(user, rawKey, 'images');
    const head = await this.storage.head(key);
    if (!head) throw new NotFoundError('No image is stored under this key');
    try {
      if (head.bytes > this.config.uploads.maxImageBytes) throw this.tooLarge();
      const bytes = await this.storage.getBuffer(key);
      const { contentType, width, height } = await this.inspect(bytes);
      const image = { key, contentType, width, height, bytes: bytes.length };
      await this.validated.record(user.id, image);
      return image;
    } catch (error) {
      if (options.removeIfInvalid && error instanceof DomainError) await this.storage.delete(key);
      throw error;
    }
  }

  tooLarge(): TooLargeError {
    return new TooLargeError(
      `Images may be at most ${this.config.uploads.maxImageBytes} bytes (MAX_IMAGE_BYTES)`,
    );
  }

  /** Headers first (cheap, and refuses sizes no decoder should be handed), then a full decode with ffmpeg. */
  private async inspect(bytes: Buffer): Promise<ProbedImage> {
    if (bytes.length > this.config.uploads.maxImageBytes) throw this.tooLarge();
    const probe = probeImage(bytes);
    if (!probe.ok) {
      if (probe.problem === 'unsupported-type') throw new UnsupportedTypeError(probe.message);
      throw new InvalidRequestError(probe.message);
    }
    try {
      await this.media.verifyImage(bytes);
    } catch (error) {
      if (error instanceof MediaError && error.code === 'INVALID_INPUT') {
        throw new InvalidRequestError(
          `The ${IMAGE_EXTENSIONS[probe.image.contentType].toUpperCase()} is damaged or incomplete ` +
            `(${error.message}); upload the complete image again`,
        );
      }
      throw error;
    }
    return probe.image;
  }

  private newKey(user: AuthUser, contentType: ImageContentType): string {
    return StorageKeys.image(user.id, `${randomUUID()}.${IMAGE_EXTENSIONS[contentType]}`);
  }
}
