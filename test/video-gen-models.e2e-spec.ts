import request from 'supertest';
import { ProviderRegistry } from '../src/providers/provider-registry.js';
import { ModelCatalog } from '../src/providers/model-catalog.js';
import { bearerFor } from './support/auth.js';
import { input, pollUntilDone, readAll } from './support/provider-fixtures.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

const ALL = [
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
];
const FAL = ALL.filter((name) => !['sora-2', 'local-motion'].includes(name));

describe(`GET /video-gen/models in simulated mode (${databaseBackend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PROVIDERS_MODE: 'simulated', SIMULATOR_QUEUE_MS: '0', SIMULATOR_RUN_MS: '0' });
  });
  afterAll(() => t.close());

  it('lists every model as available', async () => {
    await request(t.http).get('/video-gen/models').expect(401);
    const res = await request(t.http)
      .get('/video-gen/models')
      .set('Authorization', await bearerFor(t, 'front-end-user'))
      .expect(200);
    expect(res.body.models.map((m: { name: string }) => m.name)).toEqual(ALL);
    for (const entry of res.body.models)
      expect(entry).toMatchObject({ available: true, missingSettings: [] });
    expect(res.body.models[0]).toMatchObject({
      name: 'veo3',
      provider: 'fal',
      providerModel: 'fal-ai/veo3.1/image-to-video',
      vendor: 'google',
      lifecycle: { status: 'active' },
      kinds: ['image-to-video'],
      segmentDurations: [4, 6, 8],
      price: { credits: 750, per: 'generation' },
      ai: true,
    });
    expect(res.body.models.at(-1)).toMatchObject({ name: 'local-motion', ai: false, vendor: 'local' });
  });

  it('generates through the in-process simulators with no keys (veo3 and sora-2)', async () => {
    const catalog = t.app.get(ModelCatalog);
    const registry = t.app.get(ProviderRegistry);
    for (const name of ['veo3', 'sora-2']) {
      const model = catalog.requireUsable(name, 'image-to-video');
      const provider = registry.forModel(model);
      const ref = await provider.submit(input(model, { durationSeconds: 4, size: model.defaults.size }));
      expect((await pollUntilDone(provider, ref)).at(-1)?.state).toBe('succeeded');
      const video = await readAll((await provider.fetchResult(ref)).stream);
      expect(video.subarray(4, 8).toString('latin1')).toBe('ftyp');
    }
  });
});

describe(`GET /video-gen/models with zero configuration (${databaseBackend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('offers local-motion and names the missing setting for the others', async () => {
    const res = await request(t.http)
      .get('/video-gen/models')
      .set('Authorization', await bearerFor(t, 'front-end-user'))
      .expect(200);
    const byName = Object.fromEntries(res.body.models.map((m: { name: string }) => [m.name, m]));
    expect(Object.keys(byName)).toEqual(ALL);
    expect(byName['local-motion']).toMatchObject({ available: true, missingSettings: [] });
    for (const name of FAL) {
      expect(byName[name]).toMatchObject({ available: false, missingSettings: ['FAL_KEY'] });
    }
    expect(byName['sora-2']).toMatchObject({
      available: false,
      missingSettings: ['AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY'],
    });
  });

  it('is in the OpenAPI document', async () => {
    const res = await request(t.http).get('/docs-json').expect(200);
    expect(Object.keys(res.body.paths)).toContain('/video-gen/models');
  });
});
