import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import { createApp } from './app.factory.js';
import { listeningUrl } from './common/listen-address.js';
import { loadConfigOrExit } from './config/app-config.js';
import { simulatedModeBanner } from './simulated-providers.js';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApp(config);
  const logger = new Logger('Bootstrap');
  for (const line of config.describeModes()) logger.log(line);

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.log(
      `${signal} received: no new requests; finishing in-flight work (up to ${config.shutdownTimeoutMs} ms)`,
    );
    const force = setTimeout(() => {
      logger.warn('Shutdown timed out; exiting with work still in flight');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`Shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  await app.listen(config.port, config.host);
  const server = app.getHttpServer() as Server;
  logger.log(`listening on ${listeningUrl(server.address())} (docs at /docs, role ${config.role})`);
  if (config.providers.mode === 'simulated')
    for (const line of simulatedModeBanner(config)) logger.warn(line);
}

await bootstrap();
