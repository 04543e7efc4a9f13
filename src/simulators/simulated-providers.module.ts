import { DynamicModule, Inject, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ProviderSimulators } from './provider-simulators.js';

/**
 * Holds the simulators the composition root started in this process (none when they are shared or the mode is
 * live), and stops them when the application shuts down.
 */
@Module({})
export class SimulatedProvidersModule implements OnApplicationShutdown {
  constructor(
    @Optional() @Inject(ProviderSimulators) private readonly simulators: ProviderSimulators | null,
  ) {}

  static forRoot(simulators: ProviderSimulators | null): DynamicModule {
    return {
      module: SimulatedProvidersModule,
      providers: [{ provide: ProviderSimulators, useValue: simulators }],
      exports: [ProviderSimulators],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.simulators?.stop();
  }
}
