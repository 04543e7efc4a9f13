import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { signAccessToken } from '../../src/auth/token-signer.js';
import { assertSettled, Deployment } from '../support/reliability.js';
import type { ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait-for.js';

const KILLS = 20;

// Crash: worker processes are SIGKILLed at random points of their generations, 20 times, each followed by a
// restart, while new work keeps arriving. A killed worker's job is retried once its heartbeat lapses
// (JOBS_HEARTBEAT_SECONDS, 10 s at least), by whichever worker is alive then, and must resume from the
// stored state: never a second submission, never a second charge or refund, never a lost video.
describe('reliability: worker processes killed at random', () => {
  let deployment: Deployment;
  let authorization: string;
  let image: string;

  beforeAll(async () => {
    deployment = await Deployment.start({ timing: { queueMs: 500, runMs: 1500 } });
    authorization = `Bearer ${await signAccessToken(deployment.jwtSecret, { sub: 'crash-user' })}`;
    const upload = await request(deployment.http)
      .post('/uploads/images')
      .set('Authorization', authorization)
      .attach('file', await readFile('test/fixtures/images/photo-320x180.png'), 'photo.png')
      .expect(201);
    image = upload.body.key;
  });
  afterAll(() => deployment?.stop());

  const create = async (prompt: string) => {
    const res = await request(deployment.http)
      .post('/video-gen/generations')
      .set('Authorization', authorization)
      .send({ kind: 'image-to-video', id: image, prompt })
      .expect(202);
    return res.body.id as string;
  };

  it(`settles every generation exactly once across ${KILLS} SIGKILLs and restarts`, async () => {
    const ids: string[] = [];
    let worker: ServiceProcess = await deployment.startWorker();
    for (let kill = 0; kill < KILLS; kill += 1) {
      // Two new generations per round; the earlier ones are wherever the last kill left them.
      ids.push(
        await create(`crash ${kill}a ${randomUUID()}`),
        await create(`crash ${kill}b ${randomUUID()}`),
      );
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 3500));
      worker.kill('SIGKILL');
      await worker.exited;
      worker = await deployment.startWorker();
    }
    await waitFor(
      async () => {
        const open = await deployment.prisma.generation.count({
          where: { status: { in: ['QUEUED', 'RUNNING'] } },
        });
        return open === 0;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: 'every generation to reach a terminal state' },
    );
    const summary = await assertSettled(deployment);
    expect(summary.succeeded + summary.failed + summary.cancelled).toBe(ids.length);
    // Kills between a submit and the stored reference are refunded as ambiguous (fal cannot be asked); the
    // rest must succeed.
    expect(Object.keys(summary.failures).filter((code) => code !== 'SUBMIT_AMBIGUOUS')).toEqual([]);
    console.log(`crash: ${KILLS} kills, ${JSON.stringify(summary)}`);
  });
});
