import { assertSettled, Deployment } from '../support/reliability.js';
import { createGeneration, newUser, waitForAllSettled } from '../support/reliability-load.js';

// Storage faults: S3 refuses uploads (503 SlowDown) for a while, then drops them mid-body for a while, behind a
// fault-injecting proxy in front of the embedded S3 server, while generations are finishing. Paid results must
// either reach the bucket (and be charged) or be refunded, never charged without a video; and since the providers
// do their part here, a storage outage shorter than the job retries must not cost a single generation: the job
// is retried and resumes from the provider's stored reference.
describe('reliability: S3 refusing and dropping uploads for a while', () => {
  let deployment: Deployment;

  beforeAll(async () => {
    deployment = await Deployment.start({
      apiRunsWorkers: true,
      storageProxy: true,
      timing: { queueMs: 200, runMs: 600 },
      env: { GENERATION_DEADLINE_MS: '90000', JOBS_SWEEP_INTERVAL_MS: '2000' },
    });
  });
  afterAll(() => deployment?.stop());

  it('settles every generation exactly once, and every success has its video', async () => {
    const user = await newUser(deployment);
    const proxy = deployment.storageProxy!;
    const accepted: string[] = [];
    const creating = (async () => {
      for (let i = 0; i < 24; i += 1) {
        const created = await createGeneration(deployment, user, i % 3 === 2 ? 'azure' : 'fal', 'storage');
        expect(created.status).toBe(202);
        accepted.push(created.id!);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    proxy.inject({ fault: 'refuse', until: Date.now() + 4_000 });
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    proxy.inject({ fault: 'drop', until: Date.now() + 4_000 });
    await creating;
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    proxy.clear();
    await waitForAllSettled(deployment);
    const summary = await assertSettled(deployment);
    expect(summary.succeeded + summary.failed + summary.cancelled).toBe(accepted.length);
    expect(proxy.counts.refused + proxy.counts.dropped).toBeGreaterThan(0);
    console.log(`storage faults: proxy ${JSON.stringify(proxy.counts)}, ${JSON.stringify(summary)}`);
    expect(summary.failures).toEqual({});
  });
});
