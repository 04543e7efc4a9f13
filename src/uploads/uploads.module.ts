import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '../config/app-config.js';
import { DatabaseModule } from '../database/database.module.js';
import { MediaModule } from '../media/media.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { UploadsController } from './uploads.controller.js';
import { UploadsService } from './uploads.service.js';
import { ValidatedImageRepository } from './validated-images.repository.js';

@Module({
  imports: [
    DatabaseModule,
    MediaModule,
    StorageModule,
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // No `dest` or `storage`: multer keeps the file in memory (images are small, and we inspect every
        // byte before storing) and refuses a file past the size limit. It then reads the rest of the body,
        // which refuseOversizedBodies (src/common/request-size.middleware.ts) keeps within a few KiB.
        limits: {
          fileSize: config.uploads.maxImageBytes,
          files: 1,
          fields: 10,
          fieldSize: 1024,
          parts: 11,
        },
      }),
    }),
  ],
  controllers: [UploadsController],
  providers: [UploadsService, ValidatedImageRepository],
  exports: [UploadsService, ValidatedImageRepository],
})
export class UploadsModule {}
