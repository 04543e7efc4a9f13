import request from 'supertest';
import { assertSettled, Deployment } from '../support/reliability.js';
import {
  createGeneration,
  newUser,
  randomProviderFault,
  waitForAllSettled,
} from '../support/reliability-load.js';
import type { ServiceProcess } from '../support/service-process.js';

const SOAK_MS = Number(process.env.SOAK_SECONDS ?? 45) * 1000;

// A bounded soak: 45 s (SOAK_SECONDS) of mixed traffic from several users (image-to-video on fal,
// text-to-video on Azure, duplicates with one Idempotency-Key, cancellations, status reads) against an API
// and two worker processes, with provider faults added at random throughout, a window of S3 refusing uploads,
// and one worker killed and replaced halfway. Then every invariant.
describe('reliability: bounded soak with random faults', () => {
  let deployment: Deployment;

  beforeAll(async () => {
    deployment = await Deployment.start({
      storageProxy: true,
      env: { GENERATION_DEADLINE_MS: '120000', JOBS_SWEEP_INTERVAL_MS: '2000' },
    });
  });
  afterAll(() => deployment?.stop());

  it(`keeps every invariant through ${SOAK_MS / 1000} s of mixed traffic and faults`, async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => newUser(deployment)));
    const workers: ServiceProcess[] = await Promise.all([deployment.startWorker(), deployment.startWorker()]);
    const { fal, azure } = deployment.controls;
    const end = Date.now() + SOAK_MS;
    const accepted = new Set<string>();
    const counts = { creates: 0, duplicates: 0, cancels: 0, reads: 0, faults: 0 };

    const chaos = setInterval(() => {
      const provider = Math.random() < 0.6 ? 'fal' : 'azure';
      (provider === 'fal' ? fal : azure).faults.add(randomProviderFault(provider));
      counts.faults += 1;
    }, 400);
    const storageWindow = setTimeout(
      () => deployment.storageProxy!.inject({ fault: 'refuse', until: Date.now() + 3_000 }),
      SOAK_MS / 3,
    );
    const killer = setTimeout(async () => {
      workers[0].kill('SIGKILL');
      await workers[0].exited;
      workers[0] = await deployment.startWorker();
    }, SOAK_MS / 2);

    try {
      await Promise.all(
        users.map(async (user, lane) => {
          while (Date.now() < end) {
            const roll = Math.random();
            if (roll < 0.55) {
              const created = await createGeneration(deployment, user, lane % 2 ? 'azure' : 'fal', 'soak');
              expect(created.status).toBe(202);
              accepted.add(created.id!);
              counts.creates += 1;
            } else if (roll < 0.65) {
              // The same request twice with one key: one generation, one charge.
              const key = `soak-${Date.now()}-${Math.random()}`;
              const body = { kind: 'image-to-video', id: user.image, prompt: `soak duplicate ${key}` };
              const [a, b] = await Promise.all(
                [0, 1].map(() =>
                  request(deployment.http)
                    .post('/video-gen/generations')
                    .set('Authorization', user.authorization)
                    .set('Idempotency-Key', key)
                    .send(body),
                ),
              );
              expect([a.status, b.status]).toEqual([202, 202]);
              expect(a.body.id).toBe(b.body.id);
              accepted.add(a.body.id);
              counts.duplicates += 1;
            } else if (roll < 0.75 && accepted.size > 0) {
              const id = [...accepted][Math.floor(Math.random() * accepted.size)];
              const res = await request(deployment.http)
                .post(`/video-gen/generations/${id}/cancel`)
                .set('Authorization', user.authorization);
              // Someone else's generation is a 404; a finished one is a 409; both change nothing.
              expect([200, 201, 404, 409]).toContain(res.status);
              counts.cancels += 1;
            } else {
              const res = await request(deployment.http)
                .get('/video-gen/generations?limit=5')
                .set('Authorization', user.authorization);
              expect(res.status).toBe(200);
              counts.reads += 1;
            }
            await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
          }
        }),
      );
    } finally {
      clearInterval(chaos);
      clearTimeout(storageWindow);
      clearTimeout(killer);
    }
    fal.faults.clear();
    azure.faults.clear();
    deployment.storageProxy!.clear();
    await waitForAllSettled(deployment);
    const summary = await assertSettled(deployment);
    expect(summary.succeeded + summary.failed + summary.cancelled).toBe(accepted.size);
    console.log(`soak: ${JSON.stringify(counts)}, ${JSON.stringify(summary)}`);
  });
});
