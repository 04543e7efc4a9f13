import request from 'supertest';
import { PrismaService } from '../src/database/prisma.service.js';
import { ProviderSimulators } from '../src/simulators/provider-simulators.js';
import { controlsOf } from './support/simulator-controls.js';
import { GenerationSweeper } from '../src/video-gen/worker/generation-sweeper.service.js';
import { authHeader, FAST_SIMULATED, uploadImage } from './support/generations.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

describe(`generations that go wrong at the provider (${databaseBackend})`, () => {
  let t: TestApp;
  let simulators: ProviderSimulators;
  let prisma: PrismaService;

  beforeAll(async () => {
    t = await startTestApp({
      ...FAST_SIMULATED,
      FAL_REQUEST_TIMEOUT_MS: '500',
      GENERATION_DEADLINE_MS: '3000',
      JOBS_RETRY_BASE_DELAY_MS: '100',
    });
    simulators = t.app.get(ProviderSimulators);
    // Attached at once, so every request is recorded.
    controlsOf(simulators.fal);
    controlsOf(simulators.azure);
    prisma = t.app.get(PrismaService);
  });
  afterEach(() => controlsOf(simulators.fal).faults.clear());
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
  });

  const auth = (user: string) => authHeader(t, user);

  async function create(user: string): Promise<string> {
    const key = await uploadImage(t, user);
    const created = await request(t.http)
      .post('/video-gen/generations')
      .set(await auth(user))
      .send({ kind: 'image-to-video', id: key, prompt: 'p' })
      .expect(202);
    return created.body.id;
  }

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (let i = 0; i < 300; i++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('condition never met');
  }

  it('never resubmits a submit whose outcome is unknown: fails, refunds once, one request at fal', async () => {
    const user = 'ambiguous-user';
    const submitsBefore = controlsOf(simulators.fal).requests.filter((r) => r.method === 'POST').length;
    controlsOf(simulators.fal).faults.add({ on: 'submit', fault: { kind: 'hang' }, times: 1 });
    const id = await create(user);
    const generation = await until(
      () => prisma.generation.findUniqueOrThrow({ where: { id } }),
      (g) => g.status === 'FAILED',
    );
    expect(generation.errorCode).toBe('SUBMIT_AMBIGUOUS');
    expect(generation.error).toMatch(/not resubmitted/);
    expect(
      controlsOf(simulators.fal).requests.filter((r) => r.method === 'POST').length - submitsBefore,
    ).toBe(1);
    expect(await prisma.creditEntry.count({ where: { generationId: id, type: 'REFUND' } })).toBe(1);
    expect(Number(generation.creditsRefunded)).toBe(750);
  });

  it('fails and refunds, once, a generation still running past its deadline', async () => {
    const user = 'deadline-user';
    controlsOf(simulators.fal).faults.add({ on: 'status', fault: { kind: 'hang' } });
    const id = await create(user);
    await until(
      () => prisma.generationSegment.findFirstOrThrow({ where: { generationId: id } }),
      (s) => s.status === 'SUBMITTED',
    );
    const sweeper = t.app.get(GenerationSweeper);
    expect(await sweeper.sweep(new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(1);
    expect(await sweeper.sweep(new Date(Date.now() + 60_000))).toBe(0);
    const view = await request(t.http)
      .get(`/video-gen/generations/${id}`)
      .set(await auth(user))
      .expect(200);
    expect(view.body).toMatchObject({
      status: 'failed',
      errorCode: 'TIMED_OUT',
      credits: { refunded: 750, used: 0 },
    });
    // The worker that still had it notices and stops; nothing is charged or refunded again. Positive condition
    // instead of a fixed sleep: a generation created afterwards runs to the end through the same poller.
    controlsOf(simulators.fal).faults.clear();
    const later = await create(user);
    await until(
      () => prisma.generation.findUniqueOrThrow({ where: { id: later } }),
      (g) => g.status === 'SUCCEEDED',
    );
    const after = await prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(after.status).toBe('FAILED');
    expect(await prisma.creditEntry.count({ where: { generationId: id } })).toBe(2);
  });
});
