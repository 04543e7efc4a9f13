import request from 'supertest';
import { PrismaService } from '../src/database/prisma.service.js';
import { ProviderSimulators } from '../src/simulators/provider-simulators.js';
import { controlsOf } from './support/simulator-controls.js';
import {
  authHeader,
  FAST_SIMULATED,
  GenerationBody as View,
  isTerminal as terminal,
  uploadImage,
  waitForGeneration,
} from './support/generations.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

describe(`extension and chaining (seed 000) (${databaseBackend})`, () => {
  let t: TestApp;
  let simulators: ProviderSimulators;
  let prisma: PrismaService;

  beforeAll(async () => {
    t = await startTestApp({ ...FAST_SIMULATED, INITIAL_CREDITS: '10000' });
    simulators = t.app.get(ProviderSimulators);
    // Attached at once, so every request is recorded.
    controlsOf(simulators.fal);
    controlsOf(simulators.azure);
    prisma = t.app.get(PrismaService);
  });
  afterEach(() => controlsOf(simulators.azure).faults.clear());
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
  });

  const auth = (user: string) => authHeader(t, user);
  const waitFor = (user: string, id: string, done?: (v: View) => boolean) =>
    waitForGeneration(t, user, id, done);

  it('chains 36 s from three 12 s Sora 2 segments, each from the previous last frame', async () => {
    const user = 'chain-user';
    const created = await request(t.http)
      .post('/video-gen/chains')
      .set(await auth(user))
      .send({ prompt: 'A journey through the mountains', totalDuration: 36, model: 'sora-2' })
      .expect(202);
    expect(created.body).toMatchObject({ kind: 'chain', status: 'queued', credits: { reserved: 1500 } });
    const done = await waitFor(user, created.body.id);
    expect(done.status).toBe('succeeded');
    expect(done.segments.map((s) => s.durationSeconds)).toEqual([12, 12, 12]);
    expect(done.durationSeconds).toBeGreaterThan(36 - 0.1);
    expect(done.durationSeconds).toBeLessThan(36 + 0.1);
    expect(done.credits).toEqual({ reserved: 1500, used: 1500, refunded: 0 });
    const submits = controlsOf(simulators.azure).requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/videos'),
    );
    // All multipart (the spec's only form); the first is text-to-video, the next two start from a frame.
    const mine = submits.slice(-3);
    expect(mine.map((r) => (r.headers['content-type'] ?? '').split(';')[0])).toEqual([
      'multipart/form-data',
      'multipart/form-data',
      'multipart/form-data',
    ]);
    expect(mine.map((r) => r.form?.files.length)).toEqual([0, 1, 1]);
  });

  it('refuses a chain longer than CHAIN_MAX_SECONDS and one without a prompt, charging nothing', async () => {
    const user = 'chain-refused';
    const long = await request(t.http)
      .post('/video-gen/chains')
      .set(await auth(user))
      .send({ prompt: 'p', totalDuration: 600 })
      .expect(400);
    expect(long.body.message).toMatch(/CHAIN_MAX_SECONDS/);
    const empty = await request(t.http)
      .post('/video-gen/chains')
      .set(await auth(user))
      .send({ totalDuration: 12 })
      .expect(400);
    expect(empty.body.message).toEqual(['prompt or prompts should not be empty']);
    expect(await prisma.generation.count({ where: { userId: user } })).toBe(0);
  });

  it('delivers the segments made so far when a later one fails, and refunds the rest', async () => {
    const user = 'partial-user';
    const created = await request(t.http)
      .post('/video-gen/chains')
      .set(await auth(user))
      .send({ prompts: ['One', 'Two', 'Three'], totalDuration: 36, model: 'sora-2' })
      .expect(202);
    // Three 12 s segments; once the second is at the provider, the third submission will be moderated.
    await waitFor(
      user,
      created.body.id,
      (v) => ['submitted', 'succeeded'].includes(v.segments[1].status) || terminal(v),
    );
    controlsOf(simulators.azure).faults.add({ on: 'submit', fault: { kind: 'moderation' }, times: 1 });
    const done = await waitFor(user, created.body.id);
    expect(done).toMatchObject({ status: 'succeeded', errorCode: expect.any(String) });
    expect(done.error).toMatch(/Segment 3 of 3 failed/);
    expect(done.segments.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'failed']);
    expect(done.durationSeconds).toBeCloseTo(24, 0);
    expect(done.credits).toEqual({ reserved: 1500, used: 1000, refunded: 500 });
    expect(await prisma.creditEntry.count({ where: { generationId: created.body.id, type: 'REFUND' } })).toBe(
      1,
    );
  });

  it('extends a finished video from its last frame, billing only the new part', async () => {
    const user = 'extend-user';
    const key = await uploadImage(t, user);
    const original = await request(t.http)
      .post('/video-gen/image-to-video')
      .set(await auth(user))
      .send({
        id: key,
        prompt: 'A bird flying through the forest',
        model: 'sora-2',
        duration: '8s',
      })
      .expect(200);
    const extended = await request(t.http)
      .post(`/video-gen/generations/${original.body.id}/extend`)
      .set(await auth(user))
      .send({ prompt: 'The bird continues flying', duration: '8s' })
      .expect(202);
    expect(extended.body).toMatchObject({
      kind: 'extend',
      parentId: original.body.id,
      credits: { reserved: 500 },
    });
    const done = await waitFor(user, extended.body.id);
    expect(done.status).toBe('succeeded');
    expect(done.segments.map((s) => [s.status, s.durationSeconds])).toEqual([
      ['succeeded', 8],
      ['succeeded', 8],
    ]);
    expect(done.durationSeconds).toBeCloseTo(16, 0);
    expect(done.credits).toEqual({ reserved: 500, used: 500, refunded: 0 });
    await request(t.http)
      .post(`/video-gen/generations/${original.body.id}/extend`)
      .set(await auth('not-the-owner'))
      .send({ prompt: 'mine now' })
      .expect(404);
  });
});
