import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module.js';
import { GenerationEventFeed } from './generation-event-feed.js';
import { GenerationEventsRepository } from './generation-events.repository.js';

/** The events table and the process's change feed, shared by the generations and the webhooks. */
@Module({
  imports: [DatabaseModule],
  providers: [GenerationEventsRepository, GenerationEventFeed],
  exports: [GenerationEventsRepository, GenerationEventFeed],
})
export class GenerationEventsModule {}
