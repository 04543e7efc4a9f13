import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service.js';

/**
 * Times every HTTP request into `http_request_duration_seconds`, labelled with the route template
 * (`/video-gen/generations/:id`, never the concrete path, which would make a series per id) and the status.
 * Requests that match no controller route share the label `unmatched`; a response the client abandoned is `aborted`.
 * It runs after the body parser, so the time to receive a request body is not counted.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@Inject(MetricsService) private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = performance.now();
    response.once('close', () => {
      const template = (request.route as { path?: unknown } | undefined)?.path;
      // No controller matched: Nest's catch-all (`{/*splat}`) answered the 404. Controllers here use named
      // parameters only, so a wildcard template is never theirs.
      const route =
        typeof template === 'string' && !template.includes('*')
          ? `${request.baseUrl}${template}`
          : 'unmatched';
      const status = response.writableFinished ? String(response.statusCode) : 'aborted';
      this.metrics.httpRequest(request.method, route, status, (performance.now() - started) / 1000);
    });
    next();
  }
}
