import { Module } from '@nestjs/common';
import { GenerationEventsModule } from '../video-gen/generation-events.module.js';
import { WebhookDeliverer } from './webhook-deliverer.service.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

@Module({
  imports: [GenerationEventsModule],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookSender, WebhookDeliverer],
  exports: [WebhooksService],
})
export class WebhooksModule {}
