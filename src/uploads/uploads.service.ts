import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  Inject,
  Injectable,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { StorageKeys } from '../auth/ownership.js';
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
    if (bytes.length > this.config.uploads.maxImageBytes) throw this.tooLarge();
    const probe = probeImage(bytes);
    if (!probe.ok) {
      if (probe.problem === 'unsupported-type') throw new UnsupportedMediaTypeException(probe.message);
      throw new BadRequestException(probe.message);
    }
    const { contentType, width, height } = probe.image;
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

  tooLarge(): PayloadTooLargeException {
    return new PayloadTooLargeException(
      `Images may be at most ${this.config.uploads.maxImageBytes} bytes (MAX_IMAGE_BYTES)`,
    );
  }

  private newKey(user: AuthUser, contentType: ImageContentType): string {
    return StorageKeys.image(user.id, `${randomUUID()}.${IMAGE_EXTENSIONS[contentType]}`);
  }
}
