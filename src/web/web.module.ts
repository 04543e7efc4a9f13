import { Module } from '@nestjs/common';
import { loadWebAssets, WEB_ASSETS } from './web-assets.js';
import { WebController } from './web.controller.js';

@Module({
  controllers: [WebController],
  providers: [{ provide: WEB_ASSETS, useFactory: () => loadWebAssets() }],
})
export class WebModule {}
