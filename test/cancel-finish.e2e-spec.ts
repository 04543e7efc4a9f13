import request from 'supertest';
import { PrismaService } from '../src/database/prisma.service.js';
import { ProviderSimulators } from '../src/simulators/provider-simulators.js';
import { controlsOf } from './support/simulator-controls.js';
import { ObjectStorage } from '../src/storage/object-storage.js';
import { GenerationSweeper } from '../src/video-gen/worker/generation-sweeper.service.js';
import {
  authHeader,
  FAST_SIMULATED,
  GenerationBody,
  uploadImage,
  waitForGeneration,
} from './support/generations.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { storedKeys } from './support/storage.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

/** Issue 12, item 12: cancel and finish exclude each other, and a cancelled or failed generation keeps no objects. */
describe(`cancelling while the result is stored (${databaseBackend})`, () => {
  let t: TestApp;
  let prisma: PrismaService;
  let storage: ObjectStorage;
  let simulators: ProviderSimulators;

  beforeAll(async () => {
    t = await startTestApp({ ...FAST_SIMULATED, INITIAL_CREDITS: '100000' });
    prisma = t.app.get(PrismaService);
    storage = t.app.get(ObjectStorage);
    simulators = t.app.get(ProviderSimulators);
  });
  afterEach(() => controlsOf(simulators.fal).faults.clear());
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
  });

  const auth = (user: string) => authHeader(t, user);
  /** Every object stored for generation `id` (its video, thumbnail, segments and frames). */
  const objectsOf = async (user: string, id: string) =>
    (await storedKeys(t)).filter((key) => key.startsWith(`videos/${user}/${id}`));

  async function create(user: string, image: string, duration = '8s'): Promise<string> {
    const res = await request(t.http)
      .post('/video-gen/generations')
      .set(await auth(user))
      .send({ kind: 'image-to-video', id: image, prompt: 'A sunset', model: 'veo3', duration })
      .expect(202);
    return res.body.id;
  }

  /** The invariant: cancelled => no objects and no s3Key, all refunded; succeeded => objects there, captured. */
  async function assertOutcome(user: string, done: GenerationBody): Promise<void> {
    const row = await prisma.generation.findUniqueOrThrow({ where: { id: done.id } });
    if (done.status === 'succeeded') {
      expect(row.s3Key).toBe(`videos/${user}/${done.id}.mp4`);
      expect(await storage.head(row.s3Key!)).toBeDefined();
      expect(await storage.head(row.thumbnailKey!)).toBeDefined();
      expect(done.credits).toEqual({ reserved: 750, used: 750, refunded: 0 });
    } else {
      expect(done.status).toBe('cancelled');
      expect(row.s3Key).toBeNull();
      expect(done.credits).toEqual({ reserved: 750, used: 0, refunded: 750 });
      // A worker's upload in flight when the cancel committed lands afterwards; the worker then removes it.
      await waitFor(async () => (await objectsOf(user, done.id)).length === 0, {
        timeoutMs: 20_000,
        what: `no objects left for cancelled generation ${done.id}`,
      });
    }
  }

  it('lets exactly one of cancel and finish win, however they interleave', async () => {
    const user = 'racer';
    const image = await uploadImage(t, user);
    // How long a generation takes here, to aim the cancels at its end, where the result is stored.
    // Measured warm: the first generation also pays for start-up.
    await assertOutcome(user, await waitForGeneration(t, user, await create(user, image)));
    const started = Date.now();
    const second = await waitForGeneration(t, user, await create(user, image));
    const natural = Date.now() - started;
    await assertOutcome(user, second);

    const outcomes: Record<string, number> = { succeeded: 0, cancelled: 0, conflict: 0 };
    // From early on to just past the end, most of them near the end; on a loaded machine a generation can take
    // longer than the one measured, so the sweep goes on, later each time, until both outcomes were seen.
    const bothSeen = () => outcomes.cancelled > 0 && outcomes.succeeded + outcomes.conflict > 0;
    for (let attempt = 0; attempt < 10 || (!bothSeen() && attempt < 24); attempt++) {
      const id = await create(user, image);
      const share = attempt < 10 ? Math.min(1.15, 0.2 + attempt * 0.11) : 1.15 + (attempt - 9) * 0.25;
      await new Promise((resolve) => setTimeout(resolve, natural * share));
      const cancel = await request(t.http)
        .post(`/video-gen/generations/${id}/cancel`)
        .set(await auth(user));
      expect([200, 409]).toContain(cancel.status);
      const done = await waitForGeneration(t, user, id);
      if (cancel.status === 200) expect(done.status).toBe('cancelled');
      else {
        // Refused: the worker had claimed it (or finished); it must end succeeded, never cancelled.
        outcomes.conflict++;
        expect(done.status).toBe('succeeded');
        expect(cancel.body.message).toMatch(/already (storing its finished video|succeeded)/);
      }
      outcomes[done.status]++;
      await assertOutcome(user, done);
    }
    // The sweep covered both outcomes, so both sides of the invariant were checked.
    expect(outcomes.cancelled).toBeGreaterThan(0);
    expect(outcomes.succeeded).toBeGreaterThan(0);
  }, 300_000);

  it('answers 409 to a cancel once the worker has claimed the generation for storing', async () => {
    const user = 'late-canceller';
    const image = await uploadImage(t, user);
    // Slow status answers keep it running long enough to claim it the way the worker does.
    controlsOf(simulators.fal).faults.add({ on: 'status', fault: { kind: 'latency', ms: 300 } });
    const id = await create(user, image);
    await waitForGeneration(t, user, id, (g) => g.status === 'running');
    const claimed = await prisma.generation.updateMany({
      where: { id, status: 'RUNNING' },
      data: { storingAt: new Date() },
    });
    expect(claimed.count).toBe(1);
    const res = await request(t.http)
      .post(`/video-gen/generations/${id}/cancel`)
      .set(await auth(user))
      .expect(409);
    expect(res.body.message).toMatch(/already storing its finished video and can no longer be cancelled/);
    controlsOf(simulators.fal).faults.clear();
    await assertOutcome(user, await waitForGeneration(t, user, id));
  }, 120_000);

  it('removes the segments already stored when a generation fails', async () => {
    const user = 'failing-later';
    const image = await uploadImage(t, user);
    // 10 s from veo3 is two segments; the first is stored before the second is submitted. Slow status answers
    // keep the second at the provider meanwhile.
    controlsOf(simulators.fal).faults.add({ on: 'status', fault: { kind: 'latency', ms: 300 } });
    const id = await create(user, image, '10s');
    await waitForGeneration(t, user, id, (g) => g.segments[0].status === 'succeeded');
    expect(await objectsOf(user, id)).toEqual(
      expect.arrayContaining([
        `videos/${user}/${id}/segment-0.mp4`,
        `videos/${user}/${id}/segment-0-last.png`,
      ]),
    );
    // Its deadline passes (the sweeper's clock moved on): it fails, and, being no chain, delivers nothing.
    expect(
      await t.app.get(GenerationSweeper).sweep(new Date(Date.now() + 86_400_000)),
    ).toBeGreaterThanOrEqual(1);
    const done = await waitForGeneration(t, user, id);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'TIMED_OUT', credits: { refunded: 750 } });
    expect((await prisma.generation.findUniqueOrThrow({ where: { id } })).s3Key).toBeNull();
    await waitFor(async () => (await objectsOf(user, id)).length === 0, {
      timeoutMs: 20_000,
      what: `no objects left for failed generation ${id}`,
    });
  });
});
