import { InvalidRequestError } from '../common/domain-errors.js';
import type { ProvidersConfig } from '../config/app-config.js';
import { AzureSoraProvider } from './azure/azure-sora.provider.js';
import { FalVeoProvider } from './fal/fal-veo.provider.js';
import type { ImagePreparer } from './image-preparer.js';
import { LocalMotionProvider } from './local/local-motion.provider.js';
import { missingSettings } from './model-catalog.js';
import type { ModelEntry } from './model-catalog.types.js';
import type { ProviderName } from './provider-errors.js';
import type { ProviderRef, VideoProvider } from './video-provider.js';

/**
 * The adapters this server can use, built once from the configuration: fal when FAL_KEY is set, Azure
 * when its endpoint and key are set, local-motion always. (In simulated mode the composition root has
 * already pointed those settings at the simulators; the registry cannot tell the difference.)
 */
export class ProviderRegistry {
  constructor(
    private readonly providers: Partial<Record<ProviderName, VideoProvider>>,
    private readonly config: ProvidersConfig,
  ) {}

  static create(config: ProvidersConfig, images: ImagePreparer): ProviderRegistry {
    const providers: Partial<Record<ProviderName, VideoProvider>> = {
      local: new LocalMotionProvider({ workDir: config.localMotionDir }, images),
    };
    const falKey = config.fal.key;
    if (falKey) {
      providers.fal = new FalVeoProvider(
        {
          key: falKey,
          baseUrl: config.fal.baseUrl,
          inlineImageMaxBytes: config.fal.inlineImageMaxBytes,
          requestTimeoutMs: config.fal.requestTimeoutMs,
        },
        images,
      );
    }
    const azureEndpoint = config.azure.endpoint;
    const azureKey = config.azure.apiKey;
    if (azureEndpoint && azureKey) {
      providers.azure = new AzureSoraProvider(
        {
          endpoint: azureEndpoint,
          apiKey: azureKey,
          auth: config.azure.auth,
          requestTimeoutMs: config.azure.requestTimeoutMs,
        },
        images,
      );
    }
    return new ProviderRegistry(providers, config);
  }

  /** The adapter for a model; a 400 naming the missing settings when this server cannot use it. */
  forModel(model: ModelEntry): VideoProvider {
    const provider = this.providers[model.provider];
    if (!provider) {
      const missing = missingSettings(model, this.config);
      throw new InvalidRequestError(
        `Model "${model.name}" is not configured on this server: set ${missing.join(' and ') || `the ${model.provider} settings`}`,
      );
    }
    return provider;
  }

  /** The adapter that made a persisted ref (after a restart, the model entry may have changed). */
  forRef(ref: ProviderRef): VideoProvider {
    const provider = this.providers[ref.provider];
    if (!provider) throw new Error(`The ${ref.provider} provider is not configured on this server any more`);
    return provider;
  }

  has(name: ProviderName): boolean {
    return this.providers[name] !== undefined;
  }
}
