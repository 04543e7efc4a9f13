import {
  Controller,
  Get,
  Headers,
  Inject,
  NotFoundException,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { AppConfig } from '../config/app-config.js';
import { checkMetricsAccess } from './metrics-access.js';
import { MetricsService } from './metrics.service.js';

/**
 * `GET /metrics` on the API port. Not a user route: no JWT (its own token instead, METRICS_TOKEN) and no
 * per-user rate limit (Prometheus scrapes every few seconds from one address).
 */
@ApiTags('operations')
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiBearerAuth()
  @ApiOkResponse({
    description: 'Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiErrors(
    [401, 'METRICS_TOKEN is set and the bearer token is not it'],
    [404, 'Not served on this port (production without METRICS_TOKEN)'],
  )
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'Bearer METRICS_TOKEN when it is set. In production without a token this port does not serve them (404); ' +
      'they are then on METRICS_PORT only.',
  })
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    // The same answer as any unknown route, so a public port does not even reveal that metrics exist.
    if (!this.config.metrics.onApiPort) throw new NotFoundException('Cannot GET /metrics');
    const access = checkMetricsAccess(authorization, this.config.metrics.token);
    if (access !== 'granted') {
      response.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new UnauthorizedException(
        access === 'missing' ? 'The metrics token is required' : 'Invalid metrics token',
      );
    }
    const { contentType, body } = await this.metrics.render();
    response.type(contentType);
    return body;
  }
}
