import { BeforeApplicationShutdown, Inject, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DatabaseConnection } from '../database/database-connection.js';
import { DatabaseModule } from '../database/database.module.js';
import { JobQueue } from './job-queue.js';
import { PgBossJobQueue } from './pg-boss-job-queue.js';

/**
 * The process's one JobQueue (one pg-boss): import this module to send jobs or to mark `@OnJob` handlers. A
 * plain module, so every importer shares the one instance. The workers are started by JobsModule.forRoot().
 */
@Module({
  imports: [DatabaseModule],
  providers: [
    {
      provide: JobQueue,
      inject: [AppConfig, DatabaseConnection],
      useFactory: (config: AppConfig, connection: DatabaseConnection) =>
        PgBossJobQueue.start(config, connection),
    },
  ],
  exports: [JobQueue],
})
export class JobQueueModule implements BeforeApplicationShutdown {
  constructor(@Inject(JobQueue) private readonly queue: JobQueue) {}

  /**
   * Nest shuts the importers down first (the poller and the webhook deliverer may still send while they drain),
   * and the database after this, as DatabaseModule sits deeper in the graph.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.stop();
  }
}
