import { DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { CreditsModule } from './credits/credits.module.js';
import { HealthModule } from './health/health.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ProvidersModule } from './providers/providers.module.js';
import { VideoGenModule } from './video-gen/video-gen.module.js';
import { UploadsModule } from './uploads/uploads.module.js';
import { WebModule } from './web/web.module.js';
import type { ProviderSimulators } from './simulators/provider-simulators.js';
import { SimulatedProvidersModule } from './simulators/simulated-providers.module.js';

@Module({})
export class AppModule {
  /**
   * `simulators`: the in-process simulators the composition root started for simulated mode (see
   * simulated-providers.ts), already reflected in `config`. `extra`: more modules (the benchmark's baseline).
   */
  static register(
    config: AppConfig,
    simulators: ProviderSimulators | null = null,
    extra: NonNullable<ModuleMetadata['imports']> = [],
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Process-wide: the settings, the request logger, and the job workers (a worker process refuses to start
        // without a handler for every job; VideoGenModule has them).
        ConfigModule.forRoot(config),
        LoggingModule,
        JobsModule.forRoot(),
        // The features: each imports the database, storage, media, metrics and job queue it uses.
        AuthModule,
        HealthModule,
        MetricsModule,
        UploadsModule,
        ProvidersModule,
        CreditsModule,
        VideoGenModule,
        WebModule,
        SimulatedProvidersModule.forRoot(simulators),
        ...extra,
      ],
    };
  }
}
