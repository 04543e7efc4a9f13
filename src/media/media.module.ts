import { Module } from '@nestjs/common';
import { MediaService } from './media.service.js';

/** The one MediaService (the class that runs ffmpeg), for the providers, uploads and the pipeline. */
@Module({
  providers: [MediaService],
  exports: [MediaService],
})
export class MediaModule {}
