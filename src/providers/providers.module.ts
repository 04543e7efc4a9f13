import { Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MediaModule } from '../media/media.module.js';
import { ImagePreparer } from './image-preparer.js';
import { ModelCatalog } from './model-catalog.js';
import { ModelsController } from './models.controller.js';
import { ProviderRegistry } from './provider-registry.js';

@Module({
  imports: [MediaModule],
  controllers: [ModelsController],
  providers: [
    ModelCatalog,
    ImagePreparer,
    {
      provide: ProviderRegistry,
      inject: [AppConfig, ImagePreparer],
      useFactory: (config: AppConfig, images: ImagePreparer) => {
        const registry = ProviderRegistry.create(config.providers, images);
        const state = (name: 'fal' | 'azure') => (registry.has(name) ? 'configured' : 'not configured');
        new Logger('Providers').log(
          `${config.providers.mode === 'simulated' ? 'simulated' : 'live'}: fal ${state('fal')}, ` +
            `Azure ${state('azure')}, local-motion always`,
        );
        return registry;
      },
    },
  ],
  exports: [ModelCatalog, ProviderRegistry, ImagePreparer],
})
export class ProvidersModule {}
