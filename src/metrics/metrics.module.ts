import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { JobQueueModule } from '../jobs/job-queue.module.js';
import { HttpMetricsMiddleware } from './http-metrics.middleware.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsServer } from './metrics.server.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus metrics: the one MetricsService (one registry) for modules to report through, and `GET /metrics`. */
@Module({
  // The queue gauges read the job queue.
  imports: [JobQueueModule],
  controllers: [MetricsController],
  providers: [MetricsService, MetricsServer],
  exports: [MetricsService],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
