import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ProviderSimulators } from '../simulators/provider-simulators.js';
import { SimulatorsModule } from '../simulators/simulators.module.js';
import { ImagePreparer } from './image-preparer.js';
import { ModelCatalog } from './model-catalog.js';
import { ModelsController } from './models.controller.js';
import { ProviderRegistry } from './provider-registry.js';

@Module({
  imports: [SimulatorsModule],
  controllers: [ModelsController],
  providers: [
    ModelCatalog,
    ImagePreparer,
    {
      provide: ProviderRegistry,
      inject: [AppConfig, ImagePreparer, ProviderSimulators],
      useFactory: (config: AppConfig, images: ImagePreparer, simulators: ProviderSimulators | null) =>
        ProviderRegistry.create(config.providers, images, simulators?.endpoints() ?? null),
    },
  ],
  exports: [ModelCatalog, ProviderRegistry, ImagePreparer],
})
export class ProvidersModule {}
