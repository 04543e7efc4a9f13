import request from 'supertest';
import { PrismaService } from '../src/database/prisma.service.js';
import { ModelCatalog } from '../src/providers/model-catalog.js';
import { ProviderRegistry } from '../src/providers/provider-registry.js';
import { ProviderSimulators } from '../src/simulators/provider-simulators.js';
import { controlsOf } from './support/simulator-controls.js';
import { authHeader, FAST_SIMULATED, uploadImage, waitForGeneration } from './support/generations.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { input, pollUntilDone, readAll } from './support/provider-fixtures.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

/** The README's worked example: a fal model added, and one retired, through MODEL_CATALOG_JSON alone. */
const CATALOG = {
  'kling-turbo': {
    displayName: 'Kling Turbo (operator entry)',
    description: 'A fal model this service has no code for.',
    provider: 'fal',
    vendor: 'kuaishou',
    providerModel: 'fal-ai/kling-video/v9/turbo/image-to-video',
    kinds: ['image-to-video'],
    segmentDurations: [5, 10],
    fal: {
      imageField: 'start_image_url',
      durationEncoding: 'string',
      aspectRatioField: null,
      resolutionField: null,
    },
    maxPromptLength: 500,
    price: { credits: '20', per: 'second' },
    features: { audio: false, negativePrompt: true, seed: false, frameIndex: false, crop: true },
    ai: true,
  },
  'veo3-fast': { lifecycle: { status: 'retired', sunsetAt: '2026-08-02T00:00:00Z', replacement: 'veo3' } },
};

describe(`the live model lineup in simulated mode (${databaseBackend})`, () => {
  let t: TestApp;
  let prisma: PrismaService;
  let simulators: ProviderSimulators;

  beforeAll(async () => {
    t = await startTestApp({
      ...FAST_SIMULATED,
      INITIAL_CREDITS: '10000',
      MODEL_CATALOG_JSON: JSON.stringify(CATALOG),
    });
    prisma = t.app.get(PrismaService);
    simulators = t.app.get(ProviderSimulators);
    controlsOf(simulators.fal);
  });
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
  });

  const auth = (user: string) => authHeader(t, user);
  const balanceOf = async (user: string) =>
    (
      await request(t.http)
        .get('/credits/balance')
        .set(await auth(user))
        .expect(200)
    ).body.balance as number;

  it('lists at least six active AI models from at least three vendors, each with lifecycle, vendor and extend', async () => {
    const res = await request(t.http)
      .get('/video-gen/models')
      .set(await auth('viewer'))
      .expect(200);
    interface ModelView {
      name: string;
      ai: boolean;
      available: boolean;
      vendor: string;
      extend: string;
      lifecycle: { status: string };
    }
    const models = res.body.models as ModelView[];
    for (const m of models) {
      expect(m).toMatchObject({ lifecycle: { status: expect.any(String) }, vendor: expect.any(String) });
      expect(['native', 'last-frame']).toContain(m.extend);
    }
    const active = models.filter((m) => m.ai && m.lifecycle.status === 'active' && m.available);
    expect(active.length).toBeGreaterThanOrEqual(6);
    expect(new Set(active.map((m) => m.vendor)).size).toBeGreaterThanOrEqual(3);
    const byName = Object.fromEntries(models.map((m) => [m.name, m]));
    expect(byName.veo3).toMatchObject({
      providerModel: 'fal-ai/veo3.1/image-to-video',
      price: { credits: 750, per: 'generation' },
    });
    expect(byName['sora-2'].lifecycle).toMatchObject({ status: 'deprecated', replacement: 'veo3.1' });
    expect(byName['veo3.1']).toMatchObject({ extend: 'native', extendSeconds: 7, maxPromptLength: 2500 });
    expect(byName['veo3-fast'].lifecycle.status).toBe('retired');
  });

  it('the default text-to-video model is Veo 3.1, not sora-2, and answers without lifecycle headers', async () => {
    const res = await request(t.http)
      .post('/video-gen/generations')
      .set(await auth('t2v-user'))
      .send({ kind: 'text-to-video', prompt: 'A paper boat on a river', duration: '4s' })
      .expect(202);
    expect(res.body.model).toBe('veo3.1');
    expect(res.headers.deprecation).toBeUndefined();
    const done = await waitForGeneration(t, 't2v-user', res.body.id);
    expect(done.status).toBe('succeeded');
    const submit = controlsOf(simulators.fal).requests.find(
      (r) => r.method === 'POST' && r.path === '/fal-ai/veo3.1',
    );
    expect(submit?.json).not.toHaveProperty('aspect_ratio');
  });

  it('a request with sora-2 works and carries Deprecation, Sunset and a Link to its successor', async () => {
    const res = await request(t.http)
      .post('/video-gen/generations')
      .set(await auth('sora-user'))
      .send({ kind: 'text-to-video', model: 'sora-2', prompt: 'A bird in a forest', duration: '4s' })
      .expect(202);
    expect(res.headers.deprecation).toBe(`@${Date.parse('2026-07-07T00:00:00Z') / 1000}`);
    expect(res.headers.sunset).toBe('Tue, 15 Sep 2026 00:00:00 GMT');
    expect(res.headers.link).toBe('</video-gen/models#veo3.1>; rel="successor-version"');
    expect((await waitForGeneration(t, 'sora-user', res.body.id)).status).toBe('succeeded');
  });

  it('refuses a retired model with a 400 naming the replacement, charging nothing', async () => {
    const user = 'retired-user';
    const id = await uploadImage(t, user);
    const before = await balanceOf(user);
    const res = await request(t.http)
      .post('/video-gen/generations')
      .set(await auth(user))
      .send({ kind: 'image-to-video', model: 'veo3-fast', id, prompt: 'p' })
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.body.message).toContain('use "veo3" instead');
    expect(await balanceOf(user)).toBe(before);
    expect(await prisma.generation.count({ where: { userId: user } })).toBe(0);
  });

  it('bad input gets a 400 listing what the model accepts, before any charge', async () => {
    const user = 'bad-input-user';
    const id = await uploadImage(t, user);
    const before = await balanceOf(user);
    const send = (body: object) =>
      auth(user).then((h) =>
        request(t.http)
          .post('/video-gen/generations')
          .set(h)
          .send({ kind: 'image-to-video', id, ...body }),
      );
    const long = await send({ model: 'veo3', prompt: 'x'.repeat(2501) });
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body.message)).toContain('at most 2500 characters');
    const ratio = await send({ model: 'ltx-2', prompt: 'p', aspectRatio: '16:9' });
    expect(JSON.stringify(ratio.body.message)).toContain('no aspect ratios');
    const resolution = await send({ model: 'kling-4', prompt: 'p', resolution: '4k' });
    expect(resolution.status).toBe(400);
    const t2vRatio = await request(t.http)
      .post('/video-gen/generations')
      .set(await auth(user))
      .send({ kind: 'text-to-video', model: 'veo3.1', prompt: 'p', aspectRatio: 'auto' });
    expect(t2vRatio.status).toBe(400);
    expect(JSON.stringify(t2vRatio.body.message)).toContain('16:9, 9:16');
    const chain = await request(t.http)
      .post('/video-gen/chains')
      .set(await auth(user))
      .send({ prompts: ['short', 'y'.repeat(2501)], totalDuration: 15, model: 'veo3.1' });
    expect(chain.status).toBe(400);
    expect(chain.body.message).toContain('prompt 2 has 2501');
    expect(await balanceOf(user)).toBe(before);
    expect(await prisma.generation.count({ where: { userId: user } })).toBe(0);
  });

  it('runs a model added only through MODEL_CATALOG_JSON end to end (the simulator accepts its endpoint generically)', async () => {
    const user = 'catalog-user';
    const id = await uploadImage(t, user);
    const res = await request(t.http)
      .post('/video-gen/generations')
      .set(await auth(user))
      .send({ kind: 'image-to-video', model: 'kling-turbo', id, prompt: 'A lighthouse', duration: '5s' })
      .expect(202);
    expect(res.body.credits.reserved).toBe(100);
    const done = await waitForGeneration(t, user, res.body.id);
    expect(done).toMatchObject({ status: 'succeeded' });
    expect(done.durationSeconds).toBeCloseTo(5, 0);
    const submit = controlsOf(simulators.fal).requests.find(
      (r) => r.method === 'POST' && r.path === '/fal-ai/kling-video/v9/turbo/image-to-video',
    );
    expect(submit?.json).toMatchObject({
      start_image_url: expect.any(String),
      duration: '5',
      prompt: 'A lighthouse',
    });
  });

  it('extends a Veo 3.1 video natively: the extend endpoint gets the video, and the result is 4 s + 7 s', async () => {
    const user = 'native-extend-user';
    const id = await uploadImage(t, user);
    const first = await request(t.http)
      .post('/video-gen/generations')
      .set(await auth(user))
      .send({ kind: 'image-to-video', model: 'veo3.1', id, prompt: 'Waves', duration: '4s' })
      .expect(202);
    expect((await waitForGeneration(t, user, first.body.id)).status).toBe('succeeded');
    const extended = await request(t.http)
      .post(`/video-gen/generations/${first.body.id}/extend`)
      .set(await auth(user))
      .send({ prompt: 'The waves calm down' })
      .expect(202);
    const done = await waitForGeneration(t, user, extended.body.id);
    expect(done.status).toBe('succeeded');
    expect(done.segments.map((s) => s.durationSeconds)).toEqual([4, 7]);
    expect(done.durationSeconds).toBeGreaterThan(11 - 0.5);
    expect(done.durationSeconds).toBeLessThan(11 + 0.5);
    const submit = controlsOf(simulators.fal).requests.find(
      (r) => r.method === 'POST' && r.path === '/fal-ai/veo3.1/extend-video',
    );
    expect(submit?.json).toMatchObject({
      prompt: 'The waves calm down',
      duration: '7s',
      video_url: expect.any(String),
    });
  });

  it('chains on Veo 3.1 with native extensions: 8 s, then 7 s continuing the previous video', async () => {
    const user = 'native-chain-user';
    const before = controlsOf(simulators.fal).requests.filter(
      (r) => r.path === '/fal-ai/veo3.1/extend-video',
    ).length;
    const created = await request(t.http)
      .post('/video-gen/chains')
      .set(await auth(user))
      .send({ prompts: ['A fox wakes up', 'The fox runs off'], totalDuration: 15, model: 'veo3.1' })
      .expect(202);
    const done = await waitForGeneration(t, user, created.body.id);
    expect(done.status).toBe('succeeded');
    expect(done.segments.map((s) => s.durationSeconds)).toEqual([8, 7]);
    expect(done.durationSeconds).toBeCloseTo(15, 0);
    const extends_ = controlsOf(simulators.fal).requests.filter(
      (r) => r.path === '/fal-ai/veo3.1/extend-video',
    );
    expect(extends_.length - before).toBe(1);
    expect(extends_.at(-1)?.json).toMatchObject({ prompt: 'The fox runs off', duration: '7s' });
  });

  it('every active image-to-video model makes a video in simulated mode', async () => {
    const catalog = t.app.get(ModelCatalog);
    const registry = t.app.get(ProviderRegistry);
    const active = catalog
      .list()
      .filter((m) => m.lifecycle.status === 'active' && m.kinds.includes('image-to-video'));
    expect(active.length).toBeGreaterThanOrEqual(7);
    for (const model of active) {
      const provider = registry.forModel(model);
      const ref = await provider.submit(input(model, { size: model.defaults.size }));
      const states = await pollUntilDone(provider, ref);
      expect({ model: model.name, state: states.at(-1)?.state }).toEqual({
        model: model.name,
        state: 'succeeded',
      });
      const video = await readAll((await provider.fetchResult(ref)).stream);
      expect(video.subarray(4, 8).toString('latin1')).toBe('ftyp');
    }
  });
});
