import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { loadConfigOrExit } from './config/app-config.js';
import { MediaService } from './media/index.js';
import { azureDeployments } from './simulated-providers.js';
import { ProviderSimulators } from './simulators/provider-simulators.js';

/**
 * `npm run simulators`: the fal and Azure simulators as a program of their own, on SIMULATORS_HOST:SIMULATORS_PORT
 * (one port: Azure answers /openai/..., fal the rest), accepting SIMULATORS_FAL_KEY / SIMULATORS_AZURE_KEY, with
 * their jobs under DATA_DIR/simulators. Point any number of API and worker processes at it with SIMULATORS_URL
 * so they share one provider world; restart it and it still answers for the jobs it accepted.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = new Logger('Simulators');
  const { simulator } = config.providers;
  const media = new MediaService({ media: config.media });
  await media.onModuleInit();
  const simulators = await ProviderSimulators.start({
    media,
    timing: { queueMs: simulator.queueMs, runMs: simulator.runMs },
    deployments: azureDeployments(config.providers),
    falKey: simulator.falKey,
    azureKey: simulator.azureKey,
    dataDir: join(config.dataDir, 'simulators'),
    port: simulator.port,
    host: simulator.host,
  });
  logger.log(
    `SIMULATED providers listening at ${simulators.baseUrl} (fal queue and Azure OpenAI), jobs in ` +
      `${join(config.dataDir, 'simulators')}. Start the service with SIMULATORS_URL=${simulators.baseUrl}`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: stopping`);
    simulators.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

await main();
