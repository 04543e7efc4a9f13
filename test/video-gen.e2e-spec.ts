import request from 'supertest';
import { PrismaService } from '../src/database/prisma.service.js';
import { ProviderSimulators } from '../src/simulators/provider-simulators.js';
import { controlsOf } from './support/simulator-controls.js';
import { ObjectStorage } from '../src/storage/object-storage.js';
import { authHeader, uploadImage, waitForGeneration } from './support/generations.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

describe(`video generation pipeline (${databaseBackend})`, () => {
  let t: TestApp;
  let simulators: ProviderSimulators;
  let prisma: PrismaService;

  beforeAll(async () => {
    t = await startTestApp({
      PROVIDERS_MODE: 'simulated',
      SIMULATOR_QUEUE_MS: '100',
      SIMULATOR_RUN_MS: '200',
      PROVIDER_POLL_INTERVAL_MS: '100',
      PROVIDER_POLL_MAX_INTERVAL_MS: '200',
      INITIAL_CREDITS: '2000',
    });
    simulators = t.app.get(ProviderSimulators);
    // Attached at once, so every request is recorded.
    controlsOf(simulators.fal);
    controlsOf(simulators.azure);
    prisma = t.app.get(PrismaService);
  });
  afterEach(() => {
    controlsOf(simulators.fal).faults.clear();
    controlsOf(simulators.azure).faults.clear();
  });
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
  });

  const upload = (user: string) => uploadImage(t, user);
  const auth = (user: string) => authHeader(t, user);

  async function balanceOf(user: string): Promise<number> {
    const res = await request(t.http)
      .get('/credits/balance')
      .set(await auth(user))
      .expect(200);
    return res.body.balance;
  }

  const waitForTerminal = (user: string, id: string) => waitForGeneration(t, user, id);

  describe('POST /video-gen/image-to-video (seed 002)', () => {
    it('generates a real video, stores it, charges 750 and answers the seed’s shape', async () => {
      const user = 'seed-user';
      const id = await upload(user);
      const before = await balanceOf(user);
      const res = await request(t.http)
        .post('/video-gen/image-to-video')
        .set(await auth(user))
        .send({
          id,
          prompt: 'A beautiful sunset over the ocean with gentle waves',
          duration: '8s',
          projectId: 'project-456',
        })
        .expect(200);
      expect(res.body).toEqual({
        success: true,
        id: expect.any(String),
        s3Key: `videos/${user}/${res.body.id}.mp4`,
        model: 'veo3',
        credits: { used: 750, balance: before - 750 },
        duration: '8s',
        generationTime: expect.any(Number),
        // Simulated mode says so on every answer (the seed's fields are unchanged).
        simulated: true,
      });
      expect(res.body.generationTime).toBeGreaterThan(0);
      const stored = await t.app.get(ObjectStorage).head(res.body.s3Key);
      expect(stored?.bytes).toBeGreaterThan(1000);
      const view = await request(t.http)
        .get(`/video-gen/generations/${res.body.id}`)
        .set(await auth(user))
        .expect(200);
      expect(view.body).toMatchObject({
        simulated: true,
        status: 'succeeded',
        model: 'veo3',
        duration: '8s',
        projectId: 'project-456',
        credits: { reserved: 750, used: 750, refunded: 0 },
        width: expect.any(Number),
        height: expect.any(Number),
        videoUrl: expect.stringContaining(res.body.s3Key),
        thumbnailUrl: expect.stringContaining('.jpg'),
      });
      expect(view.body.durationSeconds).toBeCloseTo(8, 0);
      const video = await fetch(view.body.videoUrl);
      expect(video.status).toBe(200);
      const bytes = Buffer.from(await video.arrayBuffer());
      expect(bytes.subarray(4, 8).toString()).toBe('ftyp');
    });

    it('makes 5s from one 6 s segment trimmed, and 10s from two chained segments', async () => {
      const user = 'durations-user';
      const id = await upload(user);
      const five = await request(t.http)
        .post('/video-gen/image-to-video')
        .set(await auth(user))
        .send({ id, prompt: 'Short', duration: '5s' })
        .expect(200);
      const ten = await request(t.http)
        .post('/video-gen/image-to-video')
        .set(await auth(user))
        .send({ id, prompt: 'Long', duration: '10s' })
        .expect(200);
      expect(five.body.credits.used).toBe(750);
      expect(ten.body.credits.used).toBe(750);
      const fiveView = (
        await request(t.http)
          .get(`/video-gen/generations/${five.body.id}`)
          .set(await auth(user))
      ).body;
      const tenView = (
        await request(t.http)
          .get(`/video-gen/generations/${ten.body.id}`)
          .set(await auth(user))
      ).body;
      expect(fiveView.segments.map((s: { durationSeconds: number }) => s.durationSeconds)).toEqual([6]);
      expect(fiveView.durationSeconds).toBeCloseTo(5, 1);
      expect(tenView.segments.map((s: { durationSeconds: number }) => s.durationSeconds)).toEqual([6, 4]);
      expect(tenView.durationSeconds).toBeCloseTo(10, 0);
      // The second segment was generated from the first one's last frame, not from the upload.
      const submits = controlsOf(simulators.fal).requests.filter(
        (r) => r.method === 'POST' && r.path.endsWith('/image-to-video'),
      );
      expect(submits.length).toBeGreaterThanOrEqual(3);
    });

    it('answers the seed’s validation body and changes nothing', async () => {
      const user = 'validation-user';
      const before = await balanceOf(user);
      const res = await request(t.http)
        .post('/video-gen/image-to-video')
        .set(await auth(user))
        .send({})
        .expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        message: ['id should not be empty', 'prompt should not be empty'],
        error: 'Bad Request',
      });
      const bad = await request(t.http)
        .post('/video-gen/image-to-video')
        .set(await auth(user))
        .send({ id: `images/${user}/x.png`, prompt: 'p', duration: '7.5s' })
        .expect(400);
      // Any whole seconds pass this check (models differ); the model's own durations are checked next.
      expect(bad.body.message).toEqual(['duration must be whole seconds such as 5s, 8s or 10s']);
      expect(await balanceOf(user)).toBe(before);
      expect(await prisma.generation.count({ where: { userId: user } })).toBe(0);
    });

    it('refuses someone else’s image (403) and a missing one (400) before charging', async () => {
      const owner = 'image-owner';
      const key = await upload(owner);
      const thief = 'image-thief';
      const before = await balanceOf(thief);
      await request(t.http)
        .post('/video-gen/image-to-video')
        .set(await auth(thief))
        .send({ id: key, prompt: 'steal' })
        .expect(403);
      const missing = await request(t.http)
        .post('/video-gen/image-to-video')
        .set(await auth(thief))
        .send({ id: `images/${thief}/nothing.png`, prompt: 'p' })
        .expect(400);
      expect(missing.body.message).toEqual([
        expect.stringContaining('upload it with POST /uploads/images or complete the direct upload first'),
      ]);
      expect(await balanceOf(thief)).toBe(before);
      expect(await prisma.generation.count({ where: { userId: thief } })).toBe(0);
    });

    it('refuses with the seed’s insufficient-credits message and writes nothing', async () => {
      const user = 'poor-user';
      const id = await upload(user);
      // 2000 initial credits: two queued generations reserve 1500, leaving 500.
      for (let i = 0; i < 2; i++) {
        await request(t.http)
          .post('/video-gen/generations')
          .set(await auth(user))
          .send({ kind: 'image-to-video', id, prompt: `spend ${i}` })
          .expect(202);
      }
      const res = await request(t.http)
        .post('/video-gen/image-to-video')
        .set(await auth(user))
        .send({ id, prompt: 'p' })
        .expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        message: 'Insufficient credits. Required: 750, Available: 500.0',
        error: 'Bad Request',
      });
      expect(await prisma.generation.count({ where: { userId: user } })).toBe(2);
      expect(await balanceOf(user)).toBe(500);
      // Let them finish, so they cannot take a fault meant for another spec.
      for (const g of await prisma.generation.findMany({ where: { userId: user } }))
        await waitForTerminal(user, g.id);
    });

    it('refunds exactly once and answers 500 when the provider fails', async () => {
      const user = 'moderated-user';
      const id = await upload(user);
      const before = await balanceOf(user);
      controlsOf(simulators.fal).faults.add({ on: 'submit', fault: { kind: 'moderation' }, times: 1 });
      const res = await request(t.http)
        .post('/video-gen/image-to-video')
        .set(await auth(user))
        .send({ id, prompt: 'something the policy refuses' })
        .expect(500);
      expect(res.body).toMatchObject({
        statusCode: 500,
        error: 'Internal Server Error',
        message: expect.stringMatching(/^Image-to-video generation failed: .+/),
        errorId: expect.any(String),
      });
      expect(await balanceOf(user)).toBe(before);
      const generation = await prisma.generation.findFirstOrThrow({ where: { userId: user } });
      const refunds = await prisma.creditEntry.findMany({
        where: { generationId: generation.id, type: 'REFUND' },
      });
      expect(refunds).toHaveLength(1);
      expect(Number(refunds[0].amount)).toBe(750);
    });

    it('rejects options the model cannot honour, naming them', async () => {
      const user = 'options-user';
      const id = await upload(user);
      const res = await request(t.http)
        .post('/video-gen/image-to-video')
        .set(await auth(user))
        .send({ id, prompt: 'p', frameIndex: 10, resolution: '4k' })
        .expect(400);
      expect(res.body.message.join(' ')).toMatch(/resolution 4k/);
      expect(res.body.message.join(' ')).toMatch(/frameIndex/);
      const unknown = await request(t.http)
        .post('/video-gen/image-to-video')
        .set(await auth(user))
        .send({ id, prompt: 'p', model: 'nope' })
        .expect(400);
      expect(unknown.body.message).toMatch(/Unknown model "nope"/);
    });
  });

  describe('asynchronous API', () => {
    it('queues with 202 and Location, reports progress, lists history, and streams events to the end', async () => {
      const user = 'async-user';
      const id = await upload(user);
      const created = await request(t.http)
        .post('/video-gen/generations')
        .set(await auth(user))
        .send({ kind: 'image-to-video', id, prompt: 'Waves', duration: '8s', projectId: 'p1' })
        .expect(202);
      expect(created.headers.location).toBe(`/video-gen/generations/${created.body.id}`);
      expect(created.body).toMatchObject({ status: 'queued', model: 'veo3', credits: { reserved: 750 } });

      const events = await request(t.http)
        .get(`/video-gen/generations/${created.body.id}/events`)
        .set(await auth(user))
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => done(null, text));
        })
        .expect(200);
      expect(events.headers['content-type']).toContain('text/event-stream');
      const statuses = [
        ...(events.body as string).matchAll(/^event: status\n(?:id: .*\n)?data: (.*)$/gm),
      ].map((m) => JSON.parse(m[1]).status);
      expect(statuses[statuses.length - 1]).toBe('succeeded');
      expect(statuses).toContain('running');
      expect(events.body).toContain('event: end');

      const list = await request(t.http)
        .get('/video-gen/generations?projectId=p1&status=succeeded')
        .set(await auth(user))
        .expect(200);
      expect(list.body.items.map((g: { id: string }) => g.id)).toEqual([created.body.id]);
      await request(t.http)
        .get(`/video-gen/generations/${created.body.id}`)
        .set(await auth('someone-else'))
        .expect(404);
      await request(t.http)
        .get('/video-gen/generations/not-a-uuid')
        .set(await auth(user))
        .expect(404);
    });

    it('makes text-to-video with Sora 2 through the Azure simulator', async () => {
      const user = 'sora-user';
      const res = await request(t.http)
        .post('/video-gen/text-to-video')
        .set(await auth(user))
        .send({ prompt: 'A bird flying through the forest', model: 'sora-2', duration: '8s' })
        .expect(200);
      expect(res.body).toMatchObject({ success: true, model: 'sora-2', duration: '8s' });
    });

    it('charges once for 50 concurrent requests with one Idempotency-Key, and 409s a different body', async () => {
      const user = 'idempotent-user';
      const id = await upload(user);
      const before = await balanceOf(user);
      const headers = { ...(await auth(user)), 'Idempotency-Key': 'order-42' };
      const body = { kind: 'image-to-video', id, prompt: 'Once only' };
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          request(t.http).post('/video-gen/generations').set(headers).send(body),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(202));
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      // Exactly one request created it; every other answer says it replays that one.
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(49);
      expect(await prisma.generation.count({ where: { userId: user } })).toBe(1);
      expect(await balanceOf(user)).toBe(before - 750);
      const conflict = await request(t.http)
        .post('/video-gen/generations')
        .set(headers)
        .send({ ...body, prompt: 'Something else' })
        .expect(409);
      expect(conflict.body.message).toMatch(/Idempotency-Key/);
      await waitForTerminal(user, responses[0].body.id);
    });

    it('cancels a running generation and refunds it', async () => {
      const user = 'cancel-user';
      const id = await upload(user);
      const before = await balanceOf(user);
      controlsOf(simulators.fal).faults.add({ on: 'status', fault: { kind: 'latency', ms: 300 } });
      const created = await request(t.http)
        .post('/video-gen/generations')
        .set(await auth(user))
        .send({ kind: 'image-to-video', id, prompt: 'Cancel me' })
        .expect(202);
      const cancelled = await request(t.http)
        .post(`/video-gen/generations/${created.body.id}/cancel`)
        .set(await auth(user))
        .expect(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', credits: { refunded: 750, used: 0 } });
      expect(await balanceOf(user)).toBe(before);
      await request(t.http)
        .post(`/video-gen/generations/${created.body.id}/cancel`)
        .set(await auth(user))
        .expect(409);
      // The worker notices and stops; the generation stays cancelled and is refunded once. Positive condition
      // instead of a fixed sleep: a generation created after the cancel has run to the end on the same worker.
      controlsOf(simulators.fal).faults.clear();
      const later = await request(t.http)
        .post('/video-gen/generations')
        .set(await auth(user))
        .send({ kind: 'image-to-video', id, prompt: 'After the cancel' })
        .expect(202);
      expect((await waitForTerminal(user, later.body.id)).status).toBe('succeeded');
      const after = await request(t.http)
        .get(`/video-gen/generations/${created.body.id}`)
        .set(await auth(user));
      expect(after.body.status).toBe('cancelled');
      expect(
        await prisma.creditEntry.count({ where: { generationId: created.body.id, type: 'REFUND' } }),
      ).toBe(1);
    });
  });
});
