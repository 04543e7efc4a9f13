import { Inject, Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';
import type { UploadedImageDto } from './upload.dto.js';

/**
 * Which stored images passed upload validation. Only these keys may be a generation's source image: an object
 * PUT with a presigned URL but never completed was never decoded, and would fail at the worker after charging.
 */
@Injectable()
export class ValidatedImageRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  async record(userId: string, image: UploadedImageDto): Promise<void> {
    const row = {
      userId,
      contentType: image.contentType,
      width: image.width,
      height: image.height,
      bytes: image.bytes,
    };
    // Completing the same upload twice is harmless.
    await this.prisma.validatedImage.upsert({
      where: { key: image.key },
      create: { key: image.key, ...row },
      update: row,
    });
  }

  async isValidated(userId: string, key: string): Promise<boolean> {
    const row = await this.prisma.validatedImage.findUnique({ where: { key }, select: { userId: true } });
    return row?.userId === userId;
  }
}
