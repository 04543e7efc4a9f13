import { Controller, Get, Inject, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator.js';
import { AppConfig } from '../config/app-config.js';
import { assetCacheControl, renderIndex, WEB_ASSETS, type WebAssets } from './web-assets.js';

/** The browser front end: one page at `/` and its few assets, served from memory. */
@ApiExcludeController()
@Public()
@Controller()
export class WebController {
  private readonly index: string;

  constructor(
    @Inject(WEB_ASSETS) private readonly assets: WebAssets,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.index = renderIndex(assets.indexHtml, { devSignIn: config.auth.devSecretFile !== undefined });
  }

  @Get()
  page(@Res() res: Response): void {
    // Always revalidated: it names the current build's assets.
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(this.index);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Query('v') version: string | undefined, @Res() res: Response): void {
    const asset = this.assets.files.get(name);
    if (!asset) throw new NotFoundException(`No asset named ${name}`);
    res.setHeader('Cache-Control', assetCacheControl(asset, version));
    // Express answers 304 itself when If-None-Match matches.
    res.setHeader('ETag', `"${asset.hash}"`);
    res.setHeader('Content-Type', asset.contentType);
    res.send(asset.body);
  }
}
