import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { assertOwnedKey, StorageKeys } from '../auth/ownership.js';
import { AppConfig } from '../config/app-config.js';
import { ObjectStorage } from '../storage/object-storage.js';
import { IMAGE_EXTENSIONS, type ImageContentType, probeImage } from './image-probe.js';
import type { PresignedImageUploadDto, UploadedImageDto } from './upload.dto.js';

@Injectable()
export class UploadsService {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
  ) {}

  /** Stores an image under the caller's prefix once its bytes prove it is a complete JPEG, PNG or WebP. */
  async storeImage(user: AuthUser, bytes: Buffer): Promise<UploadedImageDto> {
    const { contentType, width, height } = this.inspect(bytes);
    const key = this.newKey(user, contentType);
    await this.storage.put(key, bytes, contentType);
    return { key, contentType, width, height, bytes: bytes.length };
  }

  /**
   * A presigned PUT for a browser to upload directly, with the content type and exact size bound into the
   * signature. The bytes are not inspected here: whoever reads the object (the pipeline) probes it first.
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
   * Checks an image already in storage (one uploaded with a presigned PUT, or one named by a request) the
   * way an upload is checked: the caller's own key (403 otherwise), present (404), a complete JPEG, PNG or
   * WebP within MAX_IMAGE_BYTES (4xx otherwise). `removeIfInvalid` deletes a refused object, so a failed
   * direct upload leaves nothing behind.
   */
  async inspectStoredImage(
    user: AuthUser,
    rawKey: string,
    options: { removeIfInvalid?: boolean } = {},
  ): Promise<UploadedImageDto> {
    const key = assertOwnedKey(user, rawKey, 'images');
    const head = await this.storage.head(key);
    if (!head) throw new NotFoundException('No image is stored under this key');
    try {
      if (head.bytes > this.config.uploads.maxImageBytes) throw this.tooLarge();
      const bytes = await this.storage.getBuffer(key);
      const { contentType, width, height } = this.inspect(bytes);
      return { key, contentType, width, height, bytes: bytes.length };
    } catch (error) {
      if (options.removeIfInvalid && error instanceof HttpException) await this.storage.delete(key);
      throw error;
    }
  }

  tooLarge(): PayloadTooLargeException {
    return new PayloadTooLargeException(
      `Images may be at most ${this.config.uploads.maxImageBytes} bytes (MAX_IMAGE_BYTES)`,
    );
  }

  private inspect(bytes: Buffer) {
    if (bytes.length > this.config.uploads.maxImageBytes) throw this.tooLarge();
    const probe = probeImage(bytes);
    if (!probe.ok) {
      if (probe.problem === 'unsupported-type') throw new UnsupportedMediaTypeException(probe.message);
      throw new BadRequestException(probe.message);
    }
    return probe.image;
  }

  private newKey(user: AuthUser, contentType: ImageContentType): string {
    return StorageKeys.image(user.id, `${randomUUID()}.${IMAGE_EXTENSIONS[contentType]}`);
  }
}
