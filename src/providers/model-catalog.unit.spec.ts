import { InvalidRequestError } from '../common/domain-errors.js';
import { AppConfig, loadConfig } from '../config/app-config.js';
import { ConfigurationError } from '../config/environment.js';
import { DEFAULT_MODELS } from './model-catalog.defaults.js';
import {
  buildCatalog,
  mergeCatalog,
  missingSettings,
  ModelCatalog,
  parseOverrides,
  replacementProblems,
  validateEntry,
} from './model-catalog.js';
import { lifecycleHeaders } from './model-lifecycle.js';
import { ProviderRegistry } from './provider-registry.js';
import { ImagePreparer } from './image-preparer.js';
import { AzureSoraProvider } from './azure/azure-sora.provider.js';
import { FalVeoProvider } from './fal/fal-veo.provider.js';
import { LocalMotionProvider } from './local/local-motion.provider.js';
import { testMediaService } from '../../test/support/provider-fixtures.js';

// NODE_ENV=test: development with no keys would default to simulated mode.
const config = (env: Record<string, string> = {}): AppConfig =>
  loadConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp/vg-catalog', ...env });

describe('model catalog', () => {
  it('has the default models, all valid; veo3 keeps its name and price on a live endpoint', () => {
    expect(DEFAULT_MODELS.map((m) => m.name)).toEqual([
      'veo3',
      'veo3-fast',
      'veo3.1',
      'veo3.1-fast',
      'veo3.1-lite',
      'kling-4',
      'seedance-2',
      'wan-2.6',
      'ltx-2',
      'pixverse-v6',
      'sora-2',
      'local-motion',
    ]);
    expect(DEFAULT_MODELS.flatMap(validateEntry)).toEqual([]);
    expect(replacementProblems(DEFAULT_MODELS)).toEqual([]);
    const veo3 = DEFAULT_MODELS[0];
    expect(veo3).toMatchObject({
      provider: 'fal',
      vendor: 'google',
      providerModel: 'fal-ai/veo3.1/image-to-video',
      segmentDurations: [4, 6, 8],
      lifecycle: { status: 'active' },
    });
    expect(DEFAULT_MODELS.find((m) => m.name === 'veo3-fast')!.providerModel).toBe(
      'fal-ai/veo3.1/fast/image-to-video',
    );
    expect(DEFAULT_MODELS.find((m) => m.name === 'sora-2')!.lifecycle).toMatchObject({
      status: 'deprecated',
      sunsetAt: '2026-09-15T00:00:00Z',
      replacement: 'veo3.1',
      note: expect.stringContaining('Azure'),
    });
    expect(veo3.price).toEqual({ credits: '750', per: 'generation' });
  });

  it('checks prices by the rule in credits/: a rate per second may be finer than a credit', () => {
    const perSecond = { ...DEFAULT_MODELS[0], price: { credits: '93.75', per: 'second' as const } };
    expect(validateEntry(perSecond)).toEqual([]);
    expect(validateEntry({ ...perSecond, price: { credits: '7.25', per: 'generation' as const } })).toEqual([
      'model "veo3": price.credits must have at most 1 decimal place(s) for a price per generation',
    ]);
  });

  it('merges overrides: a field, a nested field, a new model, a removal', () => {
    const merged = mergeCatalog(DEFAULT_MODELS, {
      veo3: { price: { credits: 800 } },
      'veo3-fast': null,
      'my-sora': {
        ...DEFAULT_MODELS.find((m) => m.name === 'sora-2')!,
        providerModel: 'sora',
        azureApi: 'jobs',
      },
    });
    expect(merged.find((m) => m.name === 'veo3')!.price).toEqual({ credits: '800', per: 'generation' });
    expect(merged.some((m) => m.name === 'veo3-fast')).toBe(false);
    expect(merged.find((m) => m.name === 'my-sora')).toMatchObject({ name: 'my-sora', azureApi: 'jobs' });
  });

  it('loads overrides from MODEL_CATALOG_JSON and the Azure settings', () => {
    const models = buildCatalog(
      config({
        MODEL_CATALOG_JSON: '{"veo3":{"price":{"credits":"900"}}}',
        AZURE_SORA_DEPLOYMENT: 'my-sora2',
        AZURE_SORA_API: 'jobs',
      }).providers,
    );
    expect(models.find((m) => m.name === 'veo3')!.price.credits).toBe('900');
    expect(models.find((m) => m.name === 'sora-2')).toMatchObject({
      providerModel: 'my-sora2',
      azureApi: 'jobs',
    });
  });

  it('refuses a broken catalog at start-up, listing every problem', () => {
    expect(() => parseOverrides('{', 'MODEL_CATALOG_JSON')).toThrow(ConfigurationError);
    expect(() => parseOverrides('[1]', 'MODEL_CATALOG_JSON')).toThrow(/model name -> fields/);
    try {
      buildCatalog(
        config({
          MODEL_CATALOG_JSON: '{"veo3":{"price":{"credits":"-1"},"segmentDurations":[8,4],"kinds":["x"]}}',
        }).providers,
      );
      throw new Error('expected a ConfigurationError');
    } catch (error) {
      expect((error as ConfigurationError).problems).toEqual([
        expect.stringContaining('kinds'),
        expect.stringContaining('segmentDurations'),
        expect.stringContaining('price.credits'),
      ]);
    }
    expect(() => buildCatalog(config({ MODEL_CATALOG_FILE: '/no/such/file.json' }).providers)).toThrow(
      /MODEL_CATALOG_FILE/,
    );
  });

  it('names the settings a model still needs', () => {
    const zero = config().providers;
    const byName = (name: string) => DEFAULT_MODELS.find((m) => m.name === name)!;
    expect(missingSettings(byName('veo3'), zero)).toEqual(['FAL_KEY']);
    expect(missingSettings(byName('sora-2'), zero)).toEqual([
      'AZURE_OPENAI_ENDPOINT',
      'AZURE_OPENAI_API_KEY',
    ]);
    expect(missingSettings(byName('local-motion'), zero)).toEqual([]);
    expect(missingSettings(byName('veo3'), config({ FAL_KEY: 'k' }).providers)).toEqual([]);
    expect(missingSettings(byName('sora-2'), config({ PROVIDERS_MODE: 'simulated' }).providers)).toEqual([]);
  });

  it('requireUsable: clear 400s for an unknown model, an unsupported kind and a missing setting', () => {
    const catalog = new ModelCatalog(config());
    expect(catalog.requireUsable('local-motion', 'image-to-video').name).toBe('local-motion');
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidRequestError);
        return (error as InvalidRequestError).message;
      }
      throw new Error('expected a 400');
    };
    expect(message(() => catalog.requireUsable('veo9'))).toContain('Unknown model "veo9"');
    expect(message(() => catalog.requireUsable('veo3', 'text-to-video'))).toContain(
      'does not do text-to-video',
    );
    expect(message(() => catalog.requireUsable('veo3'))).toBe(
      'Model "veo3" is not configured on this server: set FAL_KEY',
    );
    expect(message(() => catalog.requireUsable('sora-2'))).toBe(
      'Model "sora-2" is not configured on this server: set AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY',
    );
  });
});

describe('model lifecycle', () => {
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRequestError);
      return (error as InvalidRequestError).message;
    }
    throw new Error('expected a 400');
  };

  it('refuses a retired model naming its replacement; an operator re-enables it through the catalog', () => {
    const retired = JSON.stringify({
      'veo3-fast': {
        lifecycle: { status: 'retired', sunsetAt: '2026-08-02T00:00:00Z', replacement: 'veo3' },
      },
    });
    const catalog = new ModelCatalog(config({ PROVIDERS_MODE: 'simulated', MODEL_CATALOG_JSON: retired }));
    expect(message(() => catalog.requireUsable('veo3-fast', 'image-to-video'))).toBe(
      'Model "veo3-fast" was retired on 2026-08-02; use "veo3" instead. Nothing was charged.',
    );
    expect(message(() => catalog.requireUsable('nope'))).not.toContain('veo3-fast');
    const reEnabled = JSON.stringify({ 'veo3-fast': { lifecycle: { status: 'active' } } });
    const again = new ModelCatalog(config({ PROVIDERS_MODE: 'simulated', MODEL_CATALOG_JSON: reEnabled }));
    expect(again.requireUsable('veo3-fast', 'image-to-video').name).toBe('veo3-fast');
  });

  it('checks lifecycle, vendor, extend and the fal mapping at start-up', () => {
    const broken = JSON.stringify({
      veo3: { lifecycle: { status: 'gone', replacement: 'x' }, vendor: '', extend: 'native' },
      'my-model': {
        ...DEFAULT_MODELS.find((m) => m.name === 'wan-2.6'),
        fal: { durationEncoding: 'minutes', imageField: 'image url' },
        lifecycle: { status: 'deprecated', replacement: 'nope' },
      },
    });
    try {
      buildCatalog(config({ MODEL_CATALOG_JSON: broken }).providers);
      throw new Error('expected a ConfigurationError');
    } catch (error) {
      const problems = (error as ConfigurationError).problems.join('\n');
      expect(problems).toContain('model "veo3": vendor is required');
      expect(problems).toContain('model "veo3": lifecycle.status must be one of active, deprecated, retired');
      expect(problems).toContain('model "veo3": fal.extendSeconds');
      expect(problems).toContain('model "my-model": fal.imageField');
      expect(problems).toContain('model "my-model": fal.durationEncoding');
      expect(problems).toContain('model "my-model": lifecycle.replacement "nope" is not a model');
    }
  });

  it('gives an entry without lifecycle or extend (an operator entry from before) active and last-frame', () => {
    const { lifecycle, extend, ...old } = DEFAULT_MODELS.find((m) => m.name === 'wan-2.6')!;
    expect([lifecycle.status, extend]).toEqual(['active', 'last-frame']);
    const [entry] = mergeCatalog([], { old: { ...old, name: 'old' } });
    expect(entry).toMatchObject({ lifecycle: { status: 'active' }, extend: 'last-frame' });
    expect(validateEntry(entry)).toEqual([]);
  });

  it('lifecycle headers: RFC 9745 Deprecation, RFC 8594 Sunset, Link to the successor; none when active', () => {
    const sora = DEFAULT_MODELS.find((m) => m.name === 'sora-2')!;
    expect(lifecycleHeaders(sora)).toEqual({
      Deprecation: `@${Date.parse('2026-07-07T00:00:00Z') / 1000}`,
      Sunset: 'Tue, 15 Sep 2026 00:00:00 GMT',
      Link: '</video-gen/models#veo3.1>; rel="successor-version"',
    });
    expect(lifecycleHeaders(DEFAULT_MODELS[0])).toEqual({});
  });
});

describe('ProviderRegistry', () => {
  const images = new ImagePreparer(testMediaService());
  const byName = (name: string) => DEFAULT_MODELS.find((m) => m.name === name)!;

  it('with zero configuration has only local-motion, and names what the others need', () => {
    const registry = ProviderRegistry.create(config().providers, images);
    expect(registry.forModel(byName('local-motion'))).toBeInstanceOf(LocalMotionProvider);
    expect(() => registry.forModel(byName('veo3'))).toThrow('set FAL_KEY');
    expect(() =>
      registry.forRef({ provider: 'azure', api: 'videos', deployment: 'sora-2', id: 'v' }),
    ).toThrow(/not configured/);
  });

  it('picks the adapter class per model when keys are set, and per persisted ref', () => {
    const registry = ProviderRegistry.create(
      config({ FAL_KEY: 'k', AZURE_OPENAI_ENDPOINT: 'https://x.openai.azure.com', AZURE_OPENAI_API_KEY: 'k' })
        .providers,
      images,
    );
    for (const name of ['veo3', 'veo3-fast', 'veo3.1', 'veo3.1-fast'])
      expect(registry.forModel(byName(name))).toBeInstanceOf(FalVeoProvider);
    expect(registry.forModel(byName('sora-2'))).toBeInstanceOf(AzureSoraProvider);
    expect(
      registry.forRef({ provider: 'fal', endpoint: 'fal-ai/veo3/image-to-video', requestId: 'r' }),
    ).toBeInstanceOf(FalVeoProvider);
  });
});
