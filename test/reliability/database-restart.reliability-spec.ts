import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { assertSettled, Deployment } from '../support/reliability.js';
import { createGeneration, newUser, waitForAllSettled } from '../support/reliability-load.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';

const OUTAGE_MS = 5_000;

// Database restart under load: the service reaches PostgreSQL through a TCP proxy that drops every connection
// and refuses new ones for 5 s, as a restart or failover does, while requests keep coming and generations run.
// Requests during the outage must fail with a clear 503 (never a 500); clients retrying with their
// Idempotency-Key must end with exactly one generation per request, every one of which settles; and the same
// process must serve again once the database is back.
describe('reliability: database restart under load', () => {
  let deployment: Deployment;
  let proxy: TcpProxy;

  beforeAll(async () => {
    deployment = await Deployment.start({
      apiRunsWorkers: true,
      env: { GENERATION_DEADLINE_MS: '120000', JOBS_SWEEP_INTERVAL_MS: '2000' },
      databaseUrl: async (direct) => {
        const url = new URL(direct);
        proxy = await TcpProxy.start(url.hostname, Number(url.port || 5432));
        return proxy.rewrite(direct);
      },
    });
  });
  afterAll(async () => {
    await deployment?.stop();
    await proxy?.stop();
  });

  it('answers 503 while the database is away, loses no accepted work and recovers by itself', async () => {
    const user = await newUser(deployment);
    const answers: Array<{ at: number; status: number; body: unknown }> = [];
    const accepted = new Map<string, string>();
    let stop = false;
    // Clients as they should be written: every create carries an Idempotency-Key and is retried with it after a
    // 503, because a connection lost right after a commit leaves the client unable to tell.
    const load = Promise.all(
      Array.from({ length: 3 }, async (_, lane) => {
        while (!stop) {
          const key = randomUUID();
          for (;;) {
            const created = await createGeneration(
              deployment,
              user,
              lane === 2 ? 'azure' : 'fal',
              'db-restart',
              key,
            );
            answers.push({ at: Date.now(), status: created.status, body: created.body });
            if (created.id) {
              accepted.set(key, created.id);
              break;
            }
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    proxy.down();
    const outage = { from: Date.now(), to: Date.now() + OUTAGE_MS };
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    proxy.up();
    // Recovery without a restart: new work is accepted again soon.
    await waitFor(() => answers.some((a) => a.at > outage.to && a.status === 202), {
      timeoutMs: 30_000,
      what: 'a generation accepted after the database came back',
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    stop = true;
    await load;

    const failures = answers.filter((a) => a.status !== 202);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure).toMatchObject({ status: 503, body: { statusCode: 503, error: 'Service Unavailable' } });
    }
    const health = await request(deployment.http).get('/health/ready');
    expect(health.status).toBe(200);

    await waitForAllSettled(deployment);
    const summary = await assertSettled(deployment);
    // One generation per request (key), whatever the 503s: none lost, none made twice, none half-made.
    expect(summary.succeeded + summary.failed + summary.cancelled).toBe(accepted.size);
    expect(new Set(accepted.values()).size).toBe(accepted.size);
    console.log(
      `database restart: ${answers.length} requests, ${failures.length} answered 503 during the outage, ` +
        `proxy ${JSON.stringify(proxy.counts)}, ${JSON.stringify(summary)}`,
    );
  });
});
