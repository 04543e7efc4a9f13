import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { MediaService } from '../media/index.js';
import { AzureOpenAISimulator } from './azure-openai.simulator.js';
import { FalQueueSimulator } from './fal-queue.simulator.js';
import type { JobTiming } from './simulator-faults.js';
import { LoopbackServer } from './simulator-http.js';
import { SimulatorStore } from './simulator-store.js';
import { SimulatedVideoRenderer } from './simulated-video.renderer.js';

/** The Azure deployments the simulated resource has (from the model catalog, passed in by the caller). */
export interface AzureDeployments {
  videos: string[];
  jobs: string[];
  /** Sora 2 sizes. */
  videoSizes: string[];
}

export interface ProviderSimulatorsOptions {
  media: MediaService;
  timing: JobTiming;
  deployments: AzureDeployments;
  falKey: string;
  azureKey: string;
  /** Jobs and files persist under `<dataDir>/fal` and `<dataDir>/azure`; memory only when absent. */
  dataDir?: string;
  /** 0 or absent: any free port. */
  port?: number;
  host?: string;
  /** Burn a "SIMULATED" label into every video (default true). */
  label?: boolean;
}

/** Simulated jobs are forgotten after this long, like the providers' own result retention. */
const RETENTION_MS = 24 * 3_600_000;

/**
 * Both simulators behind one HTTP server: Azure OpenAI answers `/openai/...`, the fal queue everything else
 * (their routes do not overlap), so one URL (SIMULATORS_URL) serves as fal's base URL and Azure's endpoint.
 * Started by `npm run simulators` (src/simulators/simulators.main.ts) or in-process by zero-config simulated
 * mode (simulated-providers.ts).
 */
export class ProviderSimulators {
  private constructor(
    readonly fal: FalQueueSimulator,
    readonly azure: AzureOpenAISimulator,
    private readonly server: LoopbackServer,
    readonly falKey: string,
    readonly azureKey: string,
  ) {}

  static async start(options: ProviderSimulatorsOptions): Promise<ProviderSimulators> {
    const renderer = new SimulatedVideoRenderer(options.media, false, options.label ?? true);
    const store = async (name: string) =>
      options.dataDir ? SimulatorStore.open(join(options.dataDir, name)) : undefined;
    const fal = await FalQueueSimulator.create({
      renderer,
      key: options.falKey,
      timing: options.timing,
      store: await store('fal'),
    });
    const azure = await AzureOpenAISimulator.create({
      renderer,
      key: options.azureKey,
      timing: options.timing,
      store: await store('azure'),
      videoDeployments: options.deployments.videos,
      jobDeployments: options.deployments.jobs,
      videoSizes: options.deployments.videoSizes,
    });
    await Promise.all([fal.prune(RETENTION_MS), azure.prune(RETENTION_MS)]);
    const handlers: Partial<Record<'fal' | 'azure', ReturnType<FalQueueSimulator['mount']>>> = {};
    const server = await LoopbackServer.start(
      (request, res) =>
        request.path.startsWith('/openai/') ? handlers.azure!(request, res) : handlers.fal!(request, res),
      (error) => new Logger('Simulators').error(`simulator error: ${(error as Error).message}`),
      { port: options.port ?? 0, host: options.host },
    );
    handlers.fal = fal.mount(server.baseUrl);
    handlers.azure = azure.mount(server.baseUrl);
    return new ProviderSimulators(fal, azure, server, options.falKey, options.azureKey);
  }

  /** fal's base URL and Azure's endpoint. */
  get baseUrl(): string {
    return this.server.baseUrl;
  }

  async stop(): Promise<void> {
    await this.server.close();
    await Promise.all([this.fal.stop(), this.azure.stop()]);
  }
}
