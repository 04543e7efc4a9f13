import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  input,
  model,
  pollUntilDone,
  readAll,
  rejectionOf,
  testMediaService,
} from '../../test/support/provider-fixtures.js';
import { waitFor } from '../../test/support/wait-for.js';
import { AzureSoraProvider } from '../providers/azure/azure-sora.provider.js';
import { FalVeoProvider } from '../providers/fal/fal-veo.provider.js';
import { ImagePreparer } from '../providers/image-preparer.js';
import {
  ProviderFailedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderTransientError,
} from '../providers/provider-errors.js';
import type { ProviderRef, VideoProvider } from '../providers/video-provider.js';
import { ProviderSimulators } from './provider-simulators.js';

// Both simulators behind one URL, as `npm run simulators` and zero-config simulated mode run them, driven through
// the real adapters: the prompt's test values, and jobs that survive a restart.
const media = testMediaService();
const images = new ImagePreparer(media);
const FAL_KEY = 'fal-test-key';
const AZURE_KEY = 'azure-test-key';
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vg-sims-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function start(dir = dataDir, timing = { queueMs: 0, runMs: 300 }): Promise<ProviderSimulators> {
  return ProviderSimulators.start({
    media,
    timing,
    deployments: { videos: ['sora-2'], jobs: [], videoSizes: ['1280x720', '720x1280'] },
    falKey: FAL_KEY,
    azureKey: AZURE_KEY,
    dataDir: dir,
  });
}

const adapters = (simulators: ProviderSimulators) => ({
  fal: new FalVeoProvider(
    { key: FAL_KEY, baseUrl: simulators.baseUrl, inlineImageMaxBytes: 1024 * 1024, requestTimeoutMs: 5_000 },
    images,
  ),
  azure: new AzureSoraProvider(
    { endpoint: simulators.baseUrl, apiKey: AZURE_KEY, auth: 'api-key', requestTimeoutMs: 5_000 },
    images,
  ),
});

const request = (provider: 'fal' | 'azure', prompt: string) =>
  provider === 'fal'
    ? input(model('veo3'), { prompt })
    : input(model('sora-2'), { prompt, image: undefined, durationSeconds: 4 });

describe.each(['fal', 'azure'] as const)('prompt test values, %s simulator', (provider) => {
  let simulators: ProviderSimulators;
  let adapter: VideoProvider;
  beforeAll(async () => {
    simulators = await start(join(dataDir, `markers-${provider}`));
    adapter = adapters(simulators)[provider];
  });
  afterAll(() => simulators.stop());

  it('[sim:moderation]: accepted, then refused by moderation', async () => {
    const ref = await adapter.submit(request(provider, 'a cat [sim:moderation]'));
    const last = (await pollUntilDone(adapter, ref)).at(-1)!;
    expect(last.state).toBe('failed');
    expect(last.error).toBeInstanceOf(ProviderRejectedError);
    expect(last.error).toMatchObject({ reason: 'moderation' });
  });

  it('[sim:fail]: accepted, then the generation fails inside the provider', async () => {
    const ref = await adapter.submit(request(provider, 'a cat [sim:fail]'));
    const last = (await pollUntilDone(adapter, ref)).at(-1)!;
    expect(last.state).toBe('failed');
    expect(last.error).toBeInstanceOf(ProviderFailedError);
  });

  it('[sim:submit-error]: every submit answers a transient 503', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const error = await rejectionOf(adapter.submit(request(provider, 'a cat [sim:submit-error]')));
      expect(error).toBeInstanceOf(ProviderTransientError);
    }
  });

  it('[sim:rate-limit]: 429 with Retry-After, again on an immediate retry', async () => {
    const prompt = `a cat [sim:rate-limit] ${provider}`;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await rejectionOf(adapter.submit(request(provider, prompt)));
      expect(error).toBeInstanceOf(ProviderRateLimitedError);
      expect((error as ProviderRateLimitedError).retryAfterMs).toBe(2_000);
    }
  });

  it.each(['slow', 'timeout'])(
    '[sim:%s]: still in progress when a plain job submitted after it has finished',
    async (marker) => {
      const marked = await adapter.submit(request(provider, `a cat [sim:${marker}]`));
      const plain = await adapter.submit(request(provider, 'a cat'));
      expect((await pollUntilDone(adapter, plain)).at(-1)!.state).toBe('succeeded');
      expect(['queued', 'running']).toContain((await adapter.poll(marked)).state);
      await adapter.cancel(marked);
    },
  );

  it('a plain prompt: a real video with no marker behaviour', async () => {
    const ref = await adapter.submit(request(provider, 'a lighthouse'));
    expect((await pollUntilDone(adapter, ref)).at(-1)!.state).toBe('succeeded');
    expect((await readAll((await adapter.fetchResult(ref)).stream)).length).toBeGreaterThan(1000);
  });
});

describe('persistence under DATA_DIR', () => {
  it.each(['fal', 'azure'] as const)(
    '%s: a job accepted before a restart (on another port) finishes after it, with its video',
    async (provider) => {
      const dir = join(dataDir, `restart-${provider}`);
      const first = await start(dir);
      let ref: ProviderRef;
      try {
        ref = await adapters(first)[provider].submit(request(provider, 'before the restart'));
      } finally {
        await first.stop();
      }
      const second = await start(dir);
      try {
        const adapter = adapters(second)[provider];
        expect(second.baseUrl).not.toBe(first.baseUrl);
        expect((await pollUntilDone(adapter, ref)).at(-1)!.state).toBe('succeeded');
        expect((await readAll((await adapter.fetchResult(ref)).stream)).length).toBeGreaterThan(1000);
      } finally {
        await second.stop();
      }
    },
  );

  it('a job whose render died with its process is rendered again by the next one', async () => {
    const dir = join(dataDir, 'crash');
    // Two instances on one directory stand in for a process killed mid-render and its successor: the second
    // loads the job while the first is still rendering it (asserted, so the test cannot pass without that).
    const first = await start(dir, { queueMs: 0, runMs: 0 });
    const ref = await adapters(first).fal.submit(request('fal', 'crashed mid-render'));
    const { requestId } = ref as { requestId: string };
    expect(existsSync(join(dir, 'fal', 'jobs', `${requestId}.json`))).toBe(true);
    expect(existsSync(join(dir, 'fal', 'files', `${requestId}.mp4.bin`))).toBe(false);
    const second = await start(dir, { queueMs: 0, runMs: 0 });
    try {
      const adapter = adapters(second).fal;
      await waitFor(async () => (await adapter.poll(ref)).state === 'succeeded', {
        timeoutMs: 60_000,
        what: 'the job to finish after the restart',
      });
      expect((await readAll((await adapter.fetchResult(ref)).stream)).length).toBeGreaterThan(1000);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
