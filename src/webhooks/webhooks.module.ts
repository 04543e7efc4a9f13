import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module.js';
import { JobQueueModule } from '../jobs/job-queue.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { GenerationEventsModule } from '../video-gen/generation-events.module.js';
import { WebhookDeliverer } from './webhook-deliverer.service.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

@Module({
  imports: [DatabaseModule, StorageModule, JobQueueModule, GenerationEventsModule],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookSender, WebhookDeliverer],
  exports: [WebhooksService],
})
export class WebhooksModule {}
