import { randomBytes } from 'node:crypto';
import type { ProvidersConfig } from '../config/app-config.js';
import type { MediaService } from '../media/index.js';
import { buildCatalog } from '../providers/model-catalog.js';
import type { SimulatedEndpoints } from '../providers/provider-registry.js';
import { AzureOpenAISimulator } from './azure-openai.simulator.js';
import { FalQueueSimulator } from './fal-queue.simulator.js';
import { SimulatedVideoRenderer } from './simulated-video.renderer.js';

/**
 * Both simulators, started together for `PROVIDERS_MODE=simulated`: fal and Azure on loopback with random
 * keys, knowing every deployment the catalog names, timed by SIMULATOR_QUEUE_MS / SIMULATOR_RUN_MS.
 */
export class ProviderSimulators {
  private constructor(
    readonly fal: FalQueueSimulator,
    readonly azure: AzureOpenAISimulator,
    private readonly falKey: string,
    private readonly azureKey: string,
  ) {}

  static async start(config: ProvidersConfig, media: MediaService): Promise<ProviderSimulators> {
    const renderer = new SimulatedVideoRenderer(media);
    const timing = { queueMs: config.simulator.queueMs, runMs: config.simulator.runMs };
    const azureModels = buildCatalog(config).filter((m) => m.provider === 'azure');
    const falKey = `sim-${randomBytes(12).toString('hex')}`;
    const azureKey = `sim-${randomBytes(12).toString('hex')}`;
    const fal = await FalQueueSimulator.start({ renderer, key: falKey, timing });
    const azure = await AzureOpenAISimulator.start({
      renderer,
      key: azureKey,
      timing,
      videoDeployments: azureModels.filter((m) => m.azureApi === 'videos').map((m) => m.providerModel),
      jobDeployments: azureModels.filter((m) => m.azureApi === 'jobs').map((m) => m.providerModel),
      videoSizes: [
        ...new Set(azureModels.filter((m) => m.azureApi === 'videos').flatMap((m) => m.sizes ?? [])),
      ],
    }).catch(async (error: unknown) => {
      await fal.stop();
      throw error;
    });
    return new ProviderSimulators(fal, azure, falKey, azureKey);
  }

  endpoints(): SimulatedEndpoints {
    return {
      falBaseUrl: this.fal.baseUrl,
      falKey: this.falKey,
      azureEndpoint: this.azure.endpoint,
      azureKey: this.azureKey,
    };
  }

  async stop(): Promise<void> {
    await Promise.all([this.fal.stop(), this.azure.stop()]);
  }
}
