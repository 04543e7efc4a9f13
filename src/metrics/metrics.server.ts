import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listeningUrl } from '../common/listen-address.js';
import { AppConfig } from '../config/app-config.js';
import { checkMetricsAccess } from './metrics-access.js';
import { MetricsService } from './metrics.service.js';

/**
 * `/metrics` on METRICS_PORT, apart from the API: a port kept off the public network (not routed by the
 * ingress), for production set-ups that scrape without a token. Only `GET /metrics`; the token, when set,
 * is required here too.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { port, host, token } = this.config.metrics;
    if (port === undefined) {
      if (!this.config.metrics.onApiPort) {
        this.logger.warn('metrics are not served: set METRICS_TOKEN or METRICS_PORT to scrape them');
      }
      return;
    }
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      if (request.method !== 'GET' || path !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
        return;
      }
      if (checkMetricsAccess(request.headers.authorization, token) !== 'granted') {
        response.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"' }).end();
        return;
      }
      this.metrics.render().then(
        ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
        (error: unknown) => {
          this.logger.error(`metrics scrape failed: ${(error as Error).message}`);
          response.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on ${listeningUrl(server.address())}/metrics`);
  }

  /** The bound port (useful with METRICS_PORT=0); undefined when the server is off. */
  port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
