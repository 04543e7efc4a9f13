import { Module } from '@nestjs/common';
import { CreditsModule } from '../credits/credits.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { JobQueueModule } from '../jobs/job-queue.module.js';
import { MediaModule } from '../media/media.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { GenerationResults } from './api/generation-results.service.js';
import { UploadsModule } from '../uploads/uploads.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { GenerationCredits } from './generation-credits.service.js';
import { GenerationEventsModule } from './generation-events.module.js';
import { GenerationSettlement } from './generation-settlement.service.js';
import { GenerationsRepository } from './generations.repository.js';
import { AssembleStep } from './worker/assemble.step.js';
import { GenerationWorker } from './worker/generation.worker.js';
import { ReceiveStep } from './worker/receive.step.js';
import { SegmentInputs } from './worker/segment-input.js';
import { SubmitStep } from './worker/submit.step.js';
import { GenerationSweeper } from './worker/generation-sweeper.service.js';
import { ChainsController, GenerationsController } from './api/generations.controller.js';
import { GenerationsService } from './api/generations.service.js';
import { ProviderPoller } from './worker/provider-poller.service.js';
import { QuotesController } from './api/quotes.controller.js';
import { SegmentPollRepository } from './worker/segment-poll.repository.js';
import { StreamTokensRepository } from './api/stream-tokens.repository.js';
import { VideoGenController } from './api/video-gen.controller.js';
import { ResultIntake } from './worker/result-intake.js';

@Module({
  imports: [
    DatabaseModule,
    JobQueueModule,
    StorageModule,
    MediaModule,
    MetricsModule,
    CreditsModule,
    ProvidersModule,
    UploadsModule,
    GenerationEventsModule,
    WebhooksModule,
  ],
  controllers: [VideoGenController, GenerationsController, ChainsController, QuotesController],
  providers: [
    GenerationsRepository,
    GenerationCredits,
    GenerationSettlement,
    GenerationsService,
    GenerationWorker,
    SegmentInputs,
    SubmitStep,
    ReceiveStep,
    AssembleStep,
    GenerationSweeper,
    GenerationResults,
    SegmentPollRepository,
    ProviderPoller,
    StreamTokensRepository,
    ResultIntake,
  ],
  exports: [GenerationsService, GenerationWorker],
})
export class VideoGenModule {}
