import request from 'supertest';
import { PrismaService } from '../src/database/prisma.service.js';
import { authHeader, FAST_SIMULATED, uploadImage, waitForGeneration } from './support/generations.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

describe(`a job whose retries run out (${databaseBackend})`, () => {
  let t: TestApp;
  let prisma: PrismaService;

  beforeAll(async () => {
    t = await startTestApp({
      ...FAST_SIMULATED,
      JOBS_MAX_ATTEMPTS: '2',
      JOBS_RETRY_BASE_DELAY_MS: '100',
      JOBS_RETRY_MAX_DELAY_MS: '200',
      // Far beyond this test's timeout: only the worker's own settlement can end the generation here.
      GENERATION_DEADLINE_MS: '3600000',
    });
    prisma = t.app.get(PrismaService);
  });
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
  });

  it('fails and refunds the generation at once, not at the deadline sweep', async () => {
    const user = 'retries-user';
    const key = await uploadImage(t, user);
    const created = await request(t.http)
      .post('/video-gen/generations')
      .set(await authHeader(t, user))
      .send({ kind: 'image-to-video', id: key, prompt: 'a harbour at dawn [sim:submit-error]' })
      .expect(202);

    const generation = await waitForGeneration(t, user, created.body.id);

    expect(generation.status).toBe('failed');
    expect(generation.error).toMatch(/Gave up after the last retry/);
    expect(generation.credits.used).toBe(0);
    expect(generation.credits.refunded).toBe(generation.credits.reserved);
    const balance = await request(t.http)
      .get('/credits/balance')
      .set(await authHeader(t, user))
      .expect(200);
    expect(balance.body.balance).toBe(10000); // INITIAL_CREDITS outside production: all of it back
    const refunds = await prisma.creditEntry.count({
      where: { generationId: created.body.id, type: 'REFUND' },
    });
    expect(refunds).toBe(1);
  });
});
