import request from 'supertest';
import { PrismaService } from '../src/database/prisma.service.js';
import { ProviderSimulators } from '../src/simulators/provider-simulators.js';
import { controlsOf } from './support/simulator-controls.js';
import { authHeader, FAST_SIMULATED, uploadImage, waitForGeneration } from './support/generations.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

// The provider's work is watched by one batched poller per worker, not by a job per generation: a worker
// with a single job slot keeps many generations in flight at once.
describe(`provider polling without job slots (${databaseBackend})`, () => {
  let t: TestApp;
  let simulators: ProviderSimulators;
  let prisma: PrismaService;

  beforeAll(async () => {
    t = await startTestApp({
      ...FAST_SIMULATED,
      // Long enough at the provider that one job slot can submit all twelve before the first is done, even
      // on a loaded 2-CPU machine where a submit takes about a second.
      SIMULATOR_QUEUE_MS: '1000',
      SIMULATOR_RUN_MS: '10000',
      PROVIDER_CONCURRENCY_FAL: '1',
    });
    simulators = t.app.get(ProviderSimulators);
    // Attached at once, so every request is recorded.
    controlsOf(simulators.fal);
    controlsOf(simulators.azure);
    prisma = t.app.get(PrismaService);
  });
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
  });

  const statusPath = /\/requests\/([^/]+)\/status$/;

  async function create(user: string, key: string): Promise<string> {
    const res = await request(t.http)
      .post('/video-gen/generations')
      .set(await authHeader(t, user))
      .send({ kind: 'image-to-video', id: key, prompt: 'A slow pan' })
      .expect(202);
    return res.body.id;
  }

  it('keeps a dozen generations at the provider at once with one job slot, each submitted once', async () => {
    const user = 'many-user';
    const key = await uploadImage(t, user);
    const submitsBefore = controlsOf(simulators.fal).requests.filter((r) => r.method === 'POST').length;
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await create(user, key));

    let mostAtOnce = 0;
    const sampling = (async () => {
      for (let i = 0; i < 600; i++) {
        const atProvider = await prisma.generationSegment.count({ where: { status: 'SUBMITTED' } });
        mostAtOnce = Math.max(mostAtOnce, atProvider);
        const open = await prisma.generation.count({ where: { status: { in: ['QUEUED', 'RUNNING'] } } });
        if (open === 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const done = await Promise.all(ids.map((id) => waitForGeneration(t, user, id)));
    await sampling;

    expect(done.map((g) => g.status)).toEqual(ids.map(() => 'succeeded'));
    // A job per generation for the whole wait would have allowed one at a time.
    expect(mostAtOnce).toBeGreaterThanOrEqual(8);
    expect(
      controlsOf(simulators.fal).requests.filter((r) => r.method === 'POST').length - submitsBefore,
    ).toBe(12);
    // Polled on a schedule (at most every 200 ms here), not in a tight loop: an 11 s job gets about 55 polls.
    const polls = new Map<string, number>();
    for (const r of controlsOf(simulators.fal).requests) {
      const id = statusPath.exec(r.path)?.[1];
      if (id && r.method === 'GET') polls.set(id, (polls.get(id) ?? 0) + 1);
    }
    expect(polls.size).toBeGreaterThanOrEqual(12);
    for (const count of polls.values()) expect(count).toBeLessThan(80);
    for (const g of done) {
      expect(g.credits.used).toBe(g.credits.reserved);
      expect(g.credits.refunded).toBe(0);
    }
  }, 120_000);

  it('stops polling a generation once it is cancelled', async () => {
    const user = 'cancel-user';
    const key = await uploadImage(t, user);
    const id = await create(user, key);
    const segment = await (async () => {
      for (let i = 0; i < 100; i++) {
        const s = await prisma.generationSegment.findFirst({
          where: { generationId: id, status: 'SUBMITTED' },
        });
        if (s) return s;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('never submitted');
    })();
    const requestId = (segment.providerRef as { requestId: string }).requestId;
    await request(t.http)
      .post(`/video-gen/generations/${id}/cancel`)
      .set(await authHeader(t, user))
      .expect(200);
    const polledAfterCancel = () =>
      controlsOf(simulators.fal).requests.filter(
        (r) => r.method === 'GET' && statusPath.exec(r.path)?.[1] === requestId,
      ).length;
    const atCancel = polledAfterCancel();
    // Positive condition instead of a fixed sleep: a generation created after the cancel is polled to the end,
    // so the poller has gone through many cycles since. At most the one poll already in flight may arrive.
    const later = await create(user, key);
    expect((await waitForGeneration(t, user, later)).status).toBe('succeeded');
    expect(polledAfterCancel()).toBeLessThanOrEqual(atCancel + 1);
    const view = await waitForGeneration(t, user, id);
    expect(view.status).toBe('cancelled');
  });
});

describe(`a provider's in-flight limit (${databaseBackend})`, () => {
  let t: TestApp;
  let prisma: PrismaService;
  let simulators: ProviderSimulators;

  beforeAll(async () => {
    t = await startTestApp({
      ...FAST_SIMULATED,
      SIMULATOR_QUEUE_MS: '300',
      SIMULATOR_RUN_MS: '700',
      PROVIDER_CONCURRENCY_FAL: '4',
      PROVIDER_MAX_IN_FLIGHT_FAL: '2',
    });
    prisma = t.app.get(PrismaService);
    simulators = t.app.get(ProviderSimulators);
    // Attached at once, so every request is recorded.
    controlsOf(simulators.fal);
    controlsOf(simulators.azure);
  });
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
  });

  it('never has more than the limit at the provider; the rest wait their turn and all succeed', async () => {
    const user = 'limited-user';
    const key = await uploadImage(t, user);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await request(t.http)
        .post('/video-gen/generations')
        .set(await authHeader(t, user))
        .send({ kind: 'image-to-video', id: key, prompt: `wave ${i}` })
        .expect(202);
      ids.push(res.body.id);
    }
    let most = 0;
    let waitedForRoom = false;
    for (let i = 0; i < 600; i++) {
      const segments = await prisma.generationSegment.findMany({ where: { generationId: { in: ids } } });
      const atProvider = segments.filter((s) =>
        ['SUBMITTING', 'SUBMITTED', 'SUBMIT_AMBIGUOUS'].includes(s.status),
      );
      most = Math.max(most, atProvider.length);
      waitedForRoom ||= segments.some((s) => s.status === 'PENDING' && s.nextPollAt !== null);
      if (segments.every((s) => s.status === 'SUCCEEDED')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const done = await Promise.all(ids.map((id) => waitForGeneration(t, user, id)));
    expect(done.map((g) => g.status)).toEqual(ids.map(() => 'succeeded'));
    expect(most).toBe(2);
    expect(waitedForRoom).toBe(true);
    const submits = controlsOf(simulators.fal).requests.filter(
      (r) => r.method === 'POST' && /wave/.test(r.body.toString()),
    );
    expect(submits).toHaveLength(6);
  });
});
