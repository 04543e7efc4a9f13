import { Global, Module } from '@nestjs/common';
import { MediaService } from './media.service.js';

/** Global: providers, the pipeline and chaining all use the one MediaService. */
@Global()
@Module({
  providers: [MediaService],
  exports: [MediaService],
})
export class MediaModule {}
