import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config.js';

/**
 * Global on purpose, the one ambient dependency: nearly every class reads AppConfig, and it is a value fixed
 * before the application starts, so importing it everywhere would document nothing. Everything else is imported
 * by the modules that use it.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
