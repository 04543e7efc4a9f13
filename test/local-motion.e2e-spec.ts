import { readFile } from 'node:fs/promises';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApp } from '../src/app.factory.js';
import { loadConfig } from '../src/config/app-config.js';
import { PrismaService } from '../src/database/prisma.service.js';
import { bearerFor } from './support/auth.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { createTestContext, TestContext } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

const fixture = (name: string) => readFile(new URL(`./fixtures/images/${name}`, import.meta.url));

// Zero configuration: no provider keys, no simulators. local-motion is the model a newcomer can use at once.
describe(`zero-config generation with local-motion (${databaseBackend})`, () => {
  let context: TestContext;
  let app: NestExpressApplication | undefined;

  beforeAll(async () => {
    context = await createTestContext({
      PROVIDER_POLL_INTERVAL_MS: '100',
      PROVIDER_POLL_MAX_INTERVAL_MS: '200',
      JOBS_RETRY_BASE_DELAY_MS: '100',
      JOBS_POLL_INTERVAL_MS: '500',
    });
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(() => context.cleanup());

  async function start(overrides: Record<string, string> = {}): Promise<NestExpressApplication> {
    app = await createApp(loadConfig({ ...context.env, ...overrides }));
    await app.init();
    return app;
  }

  const auth = async (user: string) => ({ Authorization: await bearerFor(context, user) });

  async function upload(http: unknown, user: string): Promise<string> {
    const res = await request(http as never)
      .post('/uploads/images')
      .set(await auth(user))
      .attach('file', await fixture('photo-320x180.jpg'), 'photo.jpg')
      .expect(201);
    return res.body.key;
  }

  it('answers the seed’s request with "model": "local-motion" with a real video', async () => {
    const http = (await start()).getHttpServer();
    const id = await upload(http, 'newcomer');
    const res = await request(http)
      .post('/video-gen/image-to-video')
      .set(await auth('newcomer'))
      .send({ id, prompt: 'Animate this image with subtle motion', model: 'local-motion', duration: '5s' })
      .expect(200);
    expect(res.body).toMatchObject({
      success: true,
      model: 'local-motion',
      duration: '5s',
      credits: { used: 10 },
      simulated: false,
    });
    const view = await request(http)
      .get(`/video-gen/generations/${res.body.id}`)
      .set(await auth('newcomer'));
    expect(view.body.durationSeconds).toBeCloseTo(5, 1);
    const video = await fetch(view.body.videoUrl);
    expect(
      Buffer.from(await video.arrayBuffer())
        .subarray(4, 8)
        .toString(),
    ).toBe('ftyp');
    const veo = await request(http)
      .post('/video-gen/image-to-video')
      .set(await auth('newcomer'))
      .send({ id, prompt: 'p' })
      .expect(400);
    expect(veo.body.message).toMatch(/not configured on this server: set FAL_KEY/);
  });

  it('answers 202 with a status URL when the video takes longer than SYNC_WAIT_TIMEOUT_MS, and keeps going', async () => {
    const http = (await start({ SYNC_WAIT_TIMEOUT_MS: '0' })).getHttpServer();
    const id = await upload(http, 'impatient');
    const res = await request(http)
      .post('/video-gen/image-to-video')
      .set(await auth('impatient'))
      .send({ id, prompt: 'p', model: 'local-motion' })
      .expect(202);
    expect(res.body).toMatchObject({ success: false, statusUrl: `/video-gen/generations/${res.body.id}` });
    expect(res.headers.location).toBe(res.body.statusUrl);
    for (let i = 0; i < 300; i++) {
      const view = await request(http)
        .get(res.body.statusUrl)
        .set(await auth('impatient'));
      if (view.body.status === 'succeeded') return;
      expect(['queued', 'running']).toContain(view.body.status);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('never finished');
  });

  it('resumes a chain after a restart at the first missing segment, never remaking a finished one', async () => {
    let http = (await start()).getHttpServer();
    const id = await upload(http, 'restarted');
    const created = await request(http)
      .post('/video-gen/chains')
      .set(await auth('restarted'))
      .send({ prompt: 'A slow pan', totalDuration: 36, model: 'local-motion', imageId: id })
      .expect(202);
    const prisma = app!.get(PrismaService);
    // The precondition of the scenario: the restart must come between segments. If segment 0 never
    // succeeds, waitFor throws and the test fails instead of restarting anyway.
    await waitFor(
      async () =>
        (await prisma.generationSegment.findFirst({ where: { generationId: created.body.id, index: 0 } }))
          ?.status === 'SUCCEEDED',
      { timeoutMs: 30_000, what: 'segment 0 to succeed before the restart' },
    );
    const unfinished = await prisma.generationSegment.count({
      where: { generationId: created.body.id, status: { not: 'SUCCEEDED' } },
    });
    expect(unfinished).toBeGreaterThan(0);
    await app!.close(); // the process goes away between segments
    app = undefined;

    http = (await start()).getHttpServer();
    let view: { status: string; durationSeconds: number } = { status: 'queued', durationSeconds: 0 };
    for (let i = 0; i < 600 && !['succeeded', 'failed'].includes(view.status); i++) {
      view = (
        await request(http)
          .get(`/video-gen/generations/${created.body.id}`)
          .set(await auth('restarted'))
      ).body;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(view.status).toBe('succeeded');
    expect(view.durationSeconds).toBeCloseTo(36, 0);
    const segments = await app!
      .get(PrismaService)
      .generationSegment.findMany({ where: { generationId: created.body.id }, orderBy: { index: 'asc' } });
    expect(segments.map((s) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(segments[0].attempts).toBe(1);
    await assertLedgerInvariant(app!.get(PrismaService));
  });
});
