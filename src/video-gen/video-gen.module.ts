import { Module } from '@nestjs/common';
import { CreditsModule } from '../credits/credits.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { GenerationResults } from './generation-results.service.js';
import { UploadsModule } from '../uploads/uploads.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { GenerationEventsModule } from './generation-events.module.js';
import { GenerationRunner } from './generation-runner.service.js';
import { GenerationSweeper } from './generation-sweeper.service.js';
import { ChainsController, GenerationsController } from './generations.controller.js';
import { GenerationsService } from './generations.service.js';
import { ProviderPoller } from './provider-poller.service.js';
import { QuotesController } from './quotes.controller.js';
import { SegmentPollRepository } from './segment-poll.repository.js';
import { StreamTokensRepository } from './stream-tokens.repository.js';
import { VideoGenController } from './video-gen.controller.js';
import { ResultIntake } from './worker/result-intake.js';

@Module({
  imports: [CreditsModule, ProvidersModule, UploadsModule, GenerationEventsModule, WebhooksModule],
  controllers: [VideoGenController, GenerationsController, ChainsController, QuotesController],
  providers: [
    GenerationsService,
    GenerationRunner,
    GenerationSweeper,
    GenerationResults,
    SegmentPollRepository,
    ProviderPoller,
    StreamTokensRepository,
    ResultIntake,
  ],
  exports: [GenerationsService, GenerationRunner],
})
export class VideoGenModule {}
