import { loadConfig } from './config/app-config.js';
import { ImagePreparer } from './providers/image-preparer.js';
import { ProviderRegistry } from './providers/provider-registry.js';
import { azureDeployments, simulatedModeBanner, withSimulatorEndpoints } from './simulated-providers.js';
import { testMediaService } from '../test/support/provider-fixtures.js';

describe('simulated mode at the composition root', () => {
  const simulated = loadConfig({ NODE_ENV: 'test', PROVIDERS_MODE: 'simulated', DATA_DIR: '/tmp/vg-sim' });

  it('points fal and Azure at the simulators with the keys they accept; the registry cannot tell', () => {
    const config = withSimulatorEndpoints(simulated, 'http://127.0.0.1:9', 'http://127.0.0.1:8');
    expect(config.providers.fal).toMatchObject({ key: 'simulated-fal-key', baseUrl: 'http://127.0.0.1:9' });
    expect(config.providers.azure).toMatchObject({
      endpoint: 'http://127.0.0.1:8',
      apiKey: 'simulated-azure-key',
      auth: 'api-key',
    });
    expect(config.describeModes()).toEqual(simulated.describeModes());
    const registry = ProviderRegistry.create(config.providers, new ImagePreparer(testMediaService()));
    expect(registry.has('fal') && registry.has('azure') && registry.has('local')).toBe(true);
  });

  it('keys come from SIMULATORS_FAL_KEY / SIMULATORS_AZURE_KEY', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PROVIDERS_MODE: 'simulated',
      SIMULATORS_FAL_KEY: 'f',
      SIMULATORS_AZURE_KEY: 'a',
    });
    const overlaid = withSimulatorEndpoints(config, 'http://s', 'http://s');
    expect([overlaid.providers.fal.key, overlaid.providers.azure.apiKey]).toEqual(['f', 'a']);
  });

  it('gives the simulated Azure resource the deployments the catalog names', () => {
    expect(azureDeployments(simulated.providers)).toEqual({
      videos: ['sora-2'],
      jobs: [],
      videoSizes: expect.arrayContaining(['1280x720', '720x1280']),
    });
  });
});

describe('simulatedModeBanner', () => {
  it('says loudly that providers are simulated, where, and how to get real ones', () => {
    const banner = simulatedModeBanner(
      loadConfig({ NODE_ENV: 'test', PROVIDERS_MODE: 'simulated', SIMULATORS_URL: 'http://sim:4010' }),
    ).join('\n');
    expect(banner).toContain('SIMULATED PROVIDERS');
    expect(banner).toContain('shared simulators at http://sim:4010');
    expect(banner).toContain('[sim:timeout]');
    expect(banner).toContain('FAL_KEY');
  });
});
