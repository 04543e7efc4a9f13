import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { createApp } from '../src/app.factory.js';
import { AppConfig } from '../src/config/app-config.js';
import { CreditsService, Tx } from '../src/credits/credits.service.js';
import { PrismaService } from '../src/database/prisma.service.js';
import { GenerationCredits } from '../src/video-gen/generation-credits.service.js';
import { JobName } from '../src/jobs/job-definitions.js';
import { JobQueue } from '../src/jobs/job-queue.js';
import { MetricsServer } from '../src/metrics/metrics.server.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { ProviderSimulators } from '../src/simulators/provider-simulators.js';
import { controlsOf } from './support/simulator-controls.js';
import { bearerFor } from './support/auth.js';
import { parsePrometheus, sampleValue } from './support/prometheus.js';
import { createTestContext, startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';

describe(`GET /metrics (${databaseBackend})`, () => {
  describe('development, no token', () => {
    let t: TestApp;
    const scrape = async () => {
      const res = await request(t.http).get('/metrics').expect(200);
      return parsePrometheus(res.text);
    };

    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('serves the Prometheus text format without a user token, with every series declared', async () => {
      const res = await request(t.http).get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      for (const name of [
        'videogen_generations_total',
        'videogen_generation_duration_seconds',
        'videogen_provider_request_duration_seconds',
        'videogen_queue_jobs',
        'videogen_queue_oldest_ready_age_seconds',
        'videogen_credits_total',
        'http_request_duration_seconds',
        'process_resident_memory_bytes',
      ]) {
        expect(res.text).toContain(`# TYPE ${name} `);
      }
    });

    it('times HTTP requests by method, route template and status', async () => {
      const before = await scrape();
      const count = (samples: typeof before, labels: Record<string, string>) =>
        sampleValue(samples, 'http_request_duration_seconds_count', labels) ?? 0;
      await request(t.http).get('/health/live').expect(200);
      await request(t.http).get('/health/live').expect(200);
      await request(t.http).get('/video-gen/models').expect(401);
      await request(t.http)
        .get('/video-gen/models')
        .set('Authorization', await bearerFor(t, 'metrics-user'))
        .expect(200);
      await request(t.http).get('/no/such/thing/42').expect(404);
      const after = await scrape();

      const live = { method: 'GET', route: '/health/live', status: '200' };
      expect(count(after, live) - count(before, live)).toBe(2);
      const refused = { method: 'GET', route: '/video-gen/models', status: '401' };
      expect(count(after, refused) - count(before, refused)).toBe(1);
      const served = { method: 'GET', route: '/video-gen/models', status: '200' };
      expect(count(after, served) - count(before, served)).toBe(1);
      // Unknown paths share one series instead of one per path.
      const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
      expect(count(after, unmatched) - count(before, unmatched)).toBe(1);
      expect(after.some((sample) => sample.labels.route?.includes('/no/such'))).toBe(false);
      expect(sampleValue(after, 'http_request_duration_seconds_sum', live)).toBeGreaterThan(0);
    });

    it('reads queue depth and age from the job table at scrape time', async () => {
      const queue = t.app.get(JobQueue);
      // Deferred, so no worker picks it up during the test.
      await queue.send(
        JobName.GenerationRun,
        { generationId: '00000000-0000-4000-8000-000000000042', provider: 'azure' },
        { startAfter: new Date(Date.now() + 3_600_000) },
      );
      const samples = await scrape();
      expect(
        sampleValue(samples, 'videogen_queue_jobs', { queue: 'generation.azure', state: 'deferred' }),
      ).toBe(1);
      expect(sampleValue(samples, 'videogen_queue_jobs', { queue: 'generation.azure', state: 'ready' })).toBe(
        0,
      );
      expect(
        sampleValue(samples, 'videogen_queue_oldest_ready_age_seconds', { queue: 'generation.azure' }),
      ).toBe(0);
    });

    it('moves the generation, provider and credit series the pipeline reports', async () => {
      const metrics = t.app.get(MetricsService);
      metrics.generationFinished('veo3', 'image-to-video', 'succeeded', 42);
      metrics.generationFinished('veo3', 'image-to-video', 'failed', 3);
      metrics.providerCall('fal', 'submit', 0.12);
      await expect(
        metrics.timeProviderCall('fal', 'status', () => Promise.reject(new Error('429'))),
      ).rejects.toThrow('429');
      metrics.creditsMoved('reserved', '750.0');
      metrics.creditsMoved('refunded', { toNumber: () => 750 });
      metrics.creditsMoved('captured', 0);
      const samples = await scrape();
      const succeeded = { model: 'veo3', kind: 'image-to-video', outcome: 'succeeded' };
      expect(sampleValue(samples, 'videogen_generations_total', succeeded)).toBe(1);
      expect(sampleValue(samples, 'videogen_generations_total', { ...succeeded, outcome: 'failed' })).toBe(1);
      expect(sampleValue(samples, 'videogen_generation_duration_seconds_sum', succeeded)).toBe(42);
      expect(
        sampleValue(samples, 'videogen_generation_duration_seconds_bucket', { ...succeeded, le: '60' }),
      ).toBe(1);
      expect(
        sampleValue(samples, 'videogen_provider_request_duration_seconds_count', {
          provider: 'fal',
          operation: 'submit',
          outcome: 'ok',
        }),
      ).toBe(1);
      expect(
        sampleValue(samples, 'videogen_provider_request_duration_seconds_count', {
          provider: 'fal',
          operation: 'status',
          outcome: 'error',
        }),
      ).toBe(1);
      expect(sampleValue(samples, 'videogen_credits_total', { type: 'reserved' })).toBe(750);
      expect(sampleValue(samples, 'videogen_credits_total', { type: 'refunded' })).toBe(750);
      expect(sampleValue(samples, 'videogen_credits_total', { type: 'captured' })).toBeUndefined();
    });

    it('counts the credits the ledger reserves, captures and refunds', async () => {
      const credits = t.app.get(CreditsService);
      const money = t.app.get(GenerationCredits);
      const prisma = t.app.get(PrismaService);
      const before = await scrape();
      const total = (samples: typeof before, type: string) =>
        sampleValue(samples, 'videogen_credits_total', { type }) ?? 0;
      const userId = `metrics-${randomUUID()}`;
      await credits.grant(userId, 2000, 'top-up');
      const reserve = () =>
        prisma.$transaction(async (tx) => {
          const generation = await tx.generation.create({
            data: { userId, kind: 'IMAGE_TO_VIDEO', model: 'veo3', prompt: 'p', params: {} },
          });
          await money.reserve(tx, generation.id, { userId, amount: 750, reason: 'r' });
          return generation.id;
        });
      const [kept, failed] = [await reserve(), await reserve()];
      const settle = <T>(move: (tx: Tx) => Promise<T>) => prisma.$transaction(move);
      await settle((tx) => money.capture(tx, kept));
      await settle((tx) => money.capture(tx, kept)); // a second capture is a no-op, and counts nothing
      await settle((tx) => money.refund(tx, failed, 750, 'failed'));
      await settle((tx) => money.refund(tx, failed, 750, 'failed again'));
      const after = await scrape();
      expect(total(after, 'reserved') - total(before, 'reserved')).toBe(1500);
      expect(total(after, 'captured') - total(before, 'captured')).toBe(750);
      expect(total(after, 'refunded') - total(before, 'refunded')).toBe(750);
    });

    it('keeps each app instance on a registry of its own', async () => {
      const other = await startTestApp();
      try {
        expect(other.app.get(MetricsService).registry).not.toBe(t.app.get(MetricsService).registry);
        const fresh = parsePrometheus((await request(other.http).get('/metrics').expect(200)).text);
        expect(sampleValue(fresh, 'videogen_generations_total')).toBeUndefined();
      } finally {
        await other.close();
      }
    });
  });

  describe('a generation through the pipeline', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        PROVIDERS_MODE: 'simulated',
        SIMULATOR_QUEUE_MS: '100',
        SIMULATOR_RUN_MS: '200',
        PROVIDER_POLL_INTERVAL_MS: '100',
        PROVIDER_POLL_MAX_INTERVAL_MS: '200',
        INITIAL_CREDITS: '2000',
      });
    });
    afterAll(() => t.close());

    it('moves the generation, provider, credit and route series', async () => {
      const auth = { Authorization: await bearerFor(t, 'metrics-pipeline') };
      const image = await readFile(new URL('./fixtures/images/photo-320x180.png', import.meta.url));
      const upload = await request(t.http)
        .post('/uploads/images')
        .set(auth)
        .attach('file', image, 'photo.png')
        .expect(201);
      const ok = await request(t.http)
        .post('/video-gen/generations')
        .set(auth)
        .send({ kind: 'image-to-video', id: upload.body.key, prompt: 'a calm lake' })
        .expect(202);
      controlsOf(t.app.get(ProviderSimulators).fal).faults.add({
        on: 'submit',
        fault: { kind: 'moderation' },
        times: 1,
      });
      const refused = await request(t.http)
        .post('/video-gen/generations')
        .set(auth)
        .send({ kind: 'image-to-video', id: upload.body.key, prompt: 'something flagged' })
        .expect(202);
      for (const id of [ok.body.id, refused.body.id]) {
        await waitFor(
          async () => {
            const res = await request(t.http).get(`/video-gen/generations/${id}`).set(auth).expect(200);
            return ['succeeded', 'failed'].includes(res.body.status);
          },
          { timeoutMs: 60_000, intervalMs: 100, what: `generation ${id}` },
        );
      }

      const samples = parsePrometheus((await request(t.http).get('/metrics').expect(200)).text);
      const veo3 = { model: 'veo3', kind: 'image-to-video' };
      expect(sampleValue(samples, 'videogen_generations_total', { ...veo3, outcome: 'succeeded' })).toBe(1);
      expect(sampleValue(samples, 'videogen_generations_total', { ...veo3, outcome: 'failed' })).toBe(1);
      expect(
        sampleValue(samples, 'videogen_generation_duration_seconds_count', { ...veo3, outcome: 'succeeded' }),
      ).toBe(1);
      const fal = (operation: string) =>
        sampleValue(samples, 'videogen_provider_request_duration_seconds_count', {
          provider: 'fal',
          operation,
          outcome: 'ok',
        }) ?? 0;
      expect(fal('submit')).toBe(2);
      expect(fal('status')).toBeGreaterThanOrEqual(2);
      expect(fal('result')).toBe(1);
      expect(sampleValue(samples, 'videogen_credits_total', { type: 'reserved' })).toBe(1500);
      expect(sampleValue(samples, 'videogen_credits_total', { type: 'captured' })).toBe(750);
      expect(sampleValue(samples, 'videogen_credits_total', { type: 'refunded' })).toBe(750);
      expect(
        sampleValue(samples, 'http_request_duration_seconds_count', {
          method: 'GET',
          route: '/video-gen/generations/:id',
          status: '200',
        }),
      ).toBeGreaterThanOrEqual(2);
      expect(
        sampleValue(samples, 'http_request_duration_seconds_count', {
          method: 'POST',
          route: '/video-gen/generations',
          status: '202',
        }),
      ).toBe(2);
    });
  });

  describe('METRICS_TOKEN set', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ METRICS_TOKEN, METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
    });
    afterAll(() => t.close());

    it('requires the token on the API port; a user JWT is not enough', async () => {
      const missing = await request(t.http).get('/metrics').expect(401);
      expect(missing.body).toEqual({
        statusCode: 401,
        message: 'The metrics token is required',
        error: 'Unauthorized',
      });
      const wrong = await request(t.http).get('/metrics').set('Authorization', 'Bearer nope').expect(401);
      expect(wrong.body.message).toBe('Invalid metrics token');
      await request(t.http)
        .get('/metrics')
        .set('Authorization', await bearerFor(t, 'someone'))
        .expect(401);
      const ok = await request(t.http)
        .get('/metrics')
        .set('Authorization', `Bearer ${METRICS_TOKEN}`)
        .expect(200);
      expect(ok.text).toContain('# TYPE videogen_generations_total counter');
    });

    it('serves the same metrics on METRICS_PORT, with the token required there too', async () => {
      const port = t.app.get(MetricsServer).port();
      expect(port).toEqual(expect.any(Number));
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/health/live`)).status).toBe(404);
      const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('# TYPE http_request_duration_seconds histogram');
    });
  });

  it('in production without a token, answers 404 on the API port and serves METRICS_PORT only', async () => {
    const context = await createTestContext({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
    // A production configuration needs a real bucket and database; only the metrics rule differs here.
    const config = new AppConfig({
      ...context.config,
      metrics: { ...context.config.metrics, onApiPort: false },
    });
    const app = await createApp(config);
    try {
      await app.init();
      const res = await request(app.getHttpServer()).get('/metrics').expect(404);
      expect(res.body).toEqual({ statusCode: 404, message: 'Cannot GET /metrics', error: 'Not Found' });
      const internal = await fetch(`http://127.0.0.1:${app.get(MetricsServer).port()}/metrics`);
      expect(internal.status).toBe(200);
      expect(await internal.text()).toContain('videogen_queue_jobs');
    } finally {
      await app.close();
      await context.cleanup();
    }
  });
});
