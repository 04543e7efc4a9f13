import { join } from 'node:path';
import { AppConfig, type ProvidersConfig } from './config/app-config.js';
import { MediaService } from './media/index.js';
import { buildCatalog } from './providers/model-catalog.js';
import { ProviderSimulators, type AzureDeployments } from './simulators/provider-simulators.js';

/**
 * Simulated mode, wired at the composition root: the providers never hear of simulators. Either shared
 * simulators are reached at SIMULATORS_URL (`npm run simulators`, so several API and worker processes see one
 * provider world), or both are started in this process with their jobs persisted under DATA_DIR/simulators
 * (a killed and restarted process still finds the jobs it submitted). Then fal's base URL and key and
 * Azure's endpoint and key are pointed at them.
 */
export async function startSimulatedProviders(
  config: AppConfig,
): Promise<{ config: AppConfig; simulators: ProviderSimulators | null }> {
  if (config.providers.mode !== 'simulated') return { config, simulators: null };
  const { simulator } = config.providers;
  if (simulator.falUrl && simulator.azureUrl) {
    return { config: withSimulatorEndpoints(config, simulator.falUrl, simulator.azureUrl), simulators: null };
  }
  const simulators = await ProviderSimulators.start({
    media: new MediaService({ media: config.media }),
    timing: { queueMs: simulator.queueMs, runMs: simulator.runMs },
    deployments: azureDeployments(config.providers),
    falKey: simulator.falKey,
    azureKey: simulator.azureKey,
    dataDir: join(config.dataDir, 'simulators'),
  });
  return {
    config: withSimulatorEndpoints(
      config,
      simulator.falUrl ?? simulators.baseUrl,
      simulator.azureUrl ?? simulators.baseUrl,
    ),
    simulators,
  };
}

/** The configuration with fal and Azure pointed at simulators, with the keys they accept. Pure. */
export function withSimulatorEndpoints(config: AppConfig, falUrl: string, azureUrl: string): AppConfig {
  const { providers } = config;
  return new AppConfig({
    ...config,
    providers: {
      ...providers,
      fal: { ...providers.fal, key: providers.simulator.falKey, baseUrl: falUrl },
      azure: {
        ...providers.azure,
        endpoint: azureUrl,
        apiKey: providers.simulator.azureKey,
        auth: 'api-key',
      },
    },
  });
}

/** The Azure deployments the catalog names, for the simulated Azure resource to know. Pure. */
export function azureDeployments(providers: ProvidersConfig): AzureDeployments {
  const azure = buildCatalog(providers).filter((m) => m.provider === 'azure');
  const videos = azure.filter((m) => m.azureApi === 'videos');
  return {
    videos: videos.map((m) => m.providerModel),
    jobs: azure.filter((m) => m.azureApi === 'jobs').map((m) => m.providerModel),
    videoSizes: [...new Set(videos.flatMap((m) => m.sizes ?? []))],
  };
}

/** The start-up banner of simulated mode: nobody should think these videos came from a real model. Pure. */
export function simulatedModeBanner(config: AppConfig): string[] {
  const where = config.providers.simulator.falUrl
    ? `shared simulators at ${config.providers.simulator.falUrl}`
    : `in-process simulators (jobs kept in ${join(config.dataDir, 'simulators')})`;
  const lines = [
    'SIMULATED PROVIDERS: no real video model is called and nothing is paid for.',
    `fal and Azure are answered by ${where}.`,
    'Every generation says "simulated": true and every video carries a SIMULATED label.',
    'Test values in the prompt: [sim:moderation] [sim:fail] [sim:slow] [sim:rate-limit] [sim:submit-error] [sim:timeout]',
    'For real videos set FAL_KEY and/or AZURE_OPENAI_ENDPOINT + AZURE_OPENAI_API_KEY (or PROVIDERS_MODE=live).',
  ];
  const width = Math.max(...lines.map((line) => line.length));
  const rule = `+${'-'.repeat(width + 2)}+`;
  return [rule, ...lines.map((line) => `| ${line.padEnd(width)} |`), rule];
}
