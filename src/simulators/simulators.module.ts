import { Inject, Logger, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MediaService } from '../media/index.js';
import { ProviderSimulators } from './provider-simulators.js';

/**
 * Starts the fal and Azure simulators in-process when PROVIDERS_MODE=simulated (null otherwise), so the
 * whole API works locally with no keys and no cost. They ship with the service for that reason.
 */
@Module({
  providers: [
    {
      provide: ProviderSimulators,
      inject: [AppConfig, MediaService],
      useFactory: async (config: AppConfig, media: MediaService) => {
        if (config.providers.mode !== 'simulated') return null;
        const simulators = await ProviderSimulators.start(config.providers, media);
        new Logger('Simulators').log(
          `simulated providers: fal queue at ${simulators.fal.baseUrl}, Azure OpenAI at ${simulators.azure.endpoint}`,
        );
        return simulators;
      },
    },
  ],
  exports: [ProviderSimulators],
})
export class SimulatorsModule implements OnApplicationShutdown {
  constructor(
    @Optional() @Inject(ProviderSimulators) private readonly simulators: ProviderSimulators | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.simulators?.stop();
  }
}
