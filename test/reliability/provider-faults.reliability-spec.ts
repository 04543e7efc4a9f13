import { assertSettled, Deployment } from '../support/reliability.js';
import {
  createGeneration,
  newUser,
  randomProviderFault,
  waitForAllSettled,
} from '../support/reliability-load.js';

const GENERATIONS = 48;

// Provider faults: every fault the fal and Azure simulators can inject (429, 5xx, hangs, cut JSON, 404s,
// truncated or non-video results, moderation, generation failures, latency), added at random while 48
// generations run. Whatever each one's fate, the ledger and the provider records must agree with it.
describe('reliability: provider faults mixed at random under load', () => {
  let deployment: Deployment;

  beforeAll(async () => {
    deployment = await Deployment.start({
      apiRunsWorkers: true,
      // Source images go through fal's storage upload, so its faults apply too.
      env: {
        GENERATION_DEADLINE_MS: '90000',
        JOBS_SWEEP_INTERVAL_MS: '2000',
        FAL_INLINE_IMAGE_MAX_BYTES: '0',
      },
    });
  });
  afterAll(() => deployment?.stop());

  it(`settles ${GENERATIONS} generations exactly once each`, async () => {
    const users = await Promise.all([newUser(deployment), newUser(deployment), newUser(deployment)]);
    const { fal, azure } = deployment.controls;
    const injected: string[] = [];
    const chaos = setInterval(() => {
      const provider = Math.random() < 0.7 ? 'fal' : 'azure';
      const rule = randomProviderFault(provider);
      (provider === 'fal' ? fal : azure).faults.add(rule);
      injected.push(`${provider}:${String(rule.on)}:${rule.fault.kind}`);
    }, 150);
    const accepted: string[] = [];
    try {
      await Promise.all(
        Array.from({ length: GENERATIONS }, async (_, index) => {
          await new Promise((resolve) => setTimeout(resolve, index * 60));
          const created = await createGeneration(
            deployment,
            users[index % users.length],
            index % 4 === 3 ? 'azure' : 'fal',
            'faults',
          );
          expect(created.status).toBe(202);
          accepted.push(created.id!);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    } finally {
      clearInterval(chaos);
    }
    fal.faults.clear();
    azure.faults.clear();
    await waitForAllSettled(deployment);
    const summary = await assertSettled(deployment);
    expect(summary.succeeded + summary.failed + summary.cancelled).toBe(accepted.length);
    console.log(
      `provider faults: ${injected.length} rules injected (${[...new Set(injected)].length} kinds), ${JSON.stringify(summary)}`,
    );
  });
});
