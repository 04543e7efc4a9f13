import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signAccessToken } from '../../src/auth/token-signer.js';
import { EmbeddedS3Server } from '../../src/storage/embedded-s3.server.js';
import { freePort, ServiceProcess } from '../support/service-process.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';
import { WORKER_MAIN } from '../support/reliability.js';

const SIMULATORS_MAIN = resolve('.reliability/src/simulators.main.js');
const PHOTO = 'test/fixtures/images/photo-320x180.png';

/** Fast timings for every process of these scenarios. */
const FAST = {
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  // The scenarios watch their generations closely; the per-user limit is not what they test.
  THROTTLE_LIMIT: '1000000',
  SIMULATOR_QUEUE_MS: '500',
  SIMULATOR_RUN_MS: '2500',
  PROVIDER_POLL_INTERVAL_MS: '200',
  PROVIDER_POLL_MAX_INTERVAL_MS: '500',
  JOBS_POLL_INTERVAL_MS: '500',
  JOBS_SUPERVISE_INTERVAL_SECONDS: '1',
  JOBS_HEARTBEAT_SECONDS: '10',
  JOBS_RETRY_BASE_DELAY_MS: '200',
  JOBS_RETRY_MAX_DELAY_MS: '2000',
};

interface View {
  id: string;
  status: string;
  simulated: boolean;
  segments: Array<{ status: string }>;
  credits: { reserved: number; used: number; refunded: number };
}

/** A tiny HTTP client for a service process. */
class Client {
  constructor(
    private baseUrl: string,
    private readonly authorization: string,
  ) {}

  moveTo(baseUrl: string): void {
    this.baseUrl = baseUrl;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: this.authorization, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  async upload(): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([await readFile(PHOTO)], { type: 'image/png' }), 'photo.png');
    const res = await fetch(`${this.baseUrl}/uploads/images`, {
      method: 'POST',
      headers: { authorization: this.authorization },
      body: form,
    });
    if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { key: string }).key;
  }

  async view(id: string): Promise<View> {
    const { status, body } = await this.call<View>('GET', `/video-gen/generations/${id}`);
    if (status !== 200) throw new Error(`GET generation answered ${status}`);
    return body;
  }

  async allSucceeded(ids: string[], timeoutMs: number): Promise<View[]> {
    return waitFor(
      async () => {
        const views = await Promise.all(ids.map((id) => this.view(id)));
        const failed = views.find((v) => ['failed', 'cancelled'].includes(v.status));
        if (failed) throw new Error(`generation ended ${failed.status}: ${JSON.stringify(failed)}`);
        return views.every((v) => v.status === 'succeeded') && views;
      },
      { timeoutMs, intervalMs: 500, what: 'every generation to succeed' },
    );
  }
}

/** Charged once: exactly the reservation used, nothing refunded. */
function expectChargedOnce(views: View[]): void {
  for (const view of views) {
    expect(view.simulated).toBe(true);
    expect(view.credits.refunded).toBe(0);
    expect(view.credits.used).toBe(view.credits.reserved);
  }
}

describe('simulated mode: zero configuration survives a SIGKILL', () => {
  let dataDir: string;
  let service: ServiceProcess | undefined;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vg-rel-zero-'));
  });
  afterAll(async () => {
    await service?.stop(5_000);
    await rm(dataDir, { recursive: true, force: true });
  });

  // No NODE_ENV, no database, no bucket, no keys: embedded everything and simulated providers by default.
  const start = async (port: number) =>
    ServiceProcess.start({ DATA_DIR: dataDir, ...FAST }, { port, script: WORKER_MAIN, timeoutMs: 180_000 });

  it('mid-generation and mid-chain: after the restart every generation succeeds, charged once', async () => {
    const port = await freePort();
    service = await start(port);
    const first = service;
    await waitFor(() => first.log.includes('SIMULATED PROVIDERS'), { what: 'the simulated-mode banner' });
    const secret = (await readFile(join(dataDir, 'jwt-secret'), 'utf8')).trim();
    const client = new Client(service.baseUrl, `Bearer ${await signAccessToken(secret, { sub: 'zero' })}`);
    const image = await client.upload();
    const balanceBefore = (await client.call<{ balance: number }>('GET', '/credits/balance')).body.balance;

    const create = async (path: string, body: unknown) => {
      const res = await client.call<View>('POST', path, body);
      expect(res.status).toBe(202);
      expect(res.body.simulated).toBe(true);
      return res.body.id;
    };
    const restart = async () => {
      service!.kill('SIGKILL');
      await service!.exited;
      service = await start(port);
    };

    // Mid-generation: killed while both generations are at the provider.
    const one = await create('/video-gen/generations', { kind: 'image-to-video', id: image, prompt: 'one' });
    const two = await create('/video-gen/generations', { kind: 'image-to-video', id: image, prompt: 'two' });
    await waitFor(
      async () =>
        (await Promise.all([one, two].map((id) => client.view(id)))).every(
          (v) => v.status === 'running' && v.segments.some((s) => s.status === 'submitted'),
        ),
      { timeoutMs: 60_000, intervalMs: 100, what: 'both generations at the provider' },
    );
    await restart();

    // Mid-chain: killed between the chain's segments.
    const chain = await create('/video-gen/chains', {
      prompt: 'a chain',
      totalDuration: 16,
      model: 'veo3',
      imageId: image,
    });
    // Killed once the second segment is at the provider. A kill inside the submit call itself (between sending
    // and storing fal's reference) leaves that submit ambiguous, and fal cannot be asked, so that segment is
    // refunded by design (README "Restarts"): not the recovery this scenario is about.
    await waitFor(
      async () => {
        const { segments } = await client.view(chain);
        return segments[0].status === 'succeeded' && segments[1].status === 'submitted';
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the chain between its segments' },
    );
    await restart();

    const views = await client.allSucceeded([one, two, chain], 180_000);
    expectChargedOnce(views);
    const spent = views.reduce((sum, v) => sum + v.credits.used, 0);
    expect((await client.call<{ balance: number }>('GET', '/credits/balance')).body.balance).toBe(
      balanceBefore - spent,
    );
  });
});

// PostgreSQL (TEST_DATABASE_URL, which `npm run test:reliability` always sets): processes share the database.
describe('simulated mode: several processes share one provider world (npm run simulators)', () => {
  const stops: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it('two worker processes and an API use one simulator: every generation succeeds, each submitted once', async () => {
    const database = await createTestDatabase();
    if (!database.url) throw new Error('this scenario needs PostgreSQL: set TEST_DATABASE_URL');
    stops.push(() => database.drop());
    const dirs = await Promise.all(
      ['sims', 's3', 'api', 'w1', 'w2'].map((name) => mkdtemp(join(tmpdir(), `vg-rel-${name}-`))),
    );
    stops.push(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
    const [simsDir, s3Dir, apiDir, w1Dir, w2Dir] = dirs;
    const s3 = await EmbeddedS3Server.start({ directory: s3Dir, port: 0, bucket: 'video-gen' });
    stops.push(() => s3.stop());

    const simulatorsPort = await freePort();
    const simulators = await ServiceProcess.startProgram(
      { DATA_DIR: simsDir, SIMULATORS_PORT: String(simulatorsPort), ...FAST },
      { script: SIMULATORS_MAIN, ready: 'SIMULATED providers listening' },
    );
    stops.push(() => simulators.stop(5_000));

    const secret = 'shared-world-secret-0123456789abcdef0123';
    const env = {
      ...FAST,
      NODE_ENV: 'test',
      PROVIDERS_MODE: 'simulated',
      SIMULATORS_URL: `http://127.0.0.1:${simulatorsPort}`,
      DATABASE_URL: database.url!,
      JWT_SECRET: secret,
      S3_BUCKET: 'video-gen',
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: EmbeddedS3Server.accessKeyId,
      S3_SECRET_ACCESS_KEY: EmbeddedS3Server.secretAccessKey,
    };
    const startService = async (dir: string, role: string) => {
      const service = await ServiceProcess.start(
        { ...env, DATA_DIR: dir, APP_ROLE: role },
        { port: await freePort(), script: WORKER_MAIN, timeoutMs: 180_000 },
      );
      stops.push(() => service.stop(5_000));
      return service;
    };
    const [api] = await Promise.all([
      startService(apiDir, 'api'),
      startService(w1Dir, 'worker'),
      startService(w2Dir, 'worker'),
    ]);

    const client = new Client(api.baseUrl, `Bearer ${await signAccessToken(secret, { sub: 'shared' })}`);
    const image = await client.upload();
    const ids: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const res = await client.call<View>('POST', '/video-gen/generations', {
        kind: 'image-to-video',
        id: image,
        prompt: `shared ${index}`,
      });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    const views = await client.allSucceeded(ids, 180_000);
    expectChargedOnce(views);
    // One accepted job per generation at the one simulator, none in any process of its own.
    expect((await readdir(join(simsDir, 'simulators', 'fal', 'jobs'))).length).toBe(ids.length);
    for (const dir of [apiDir, w1Dir, w2Dir]) {
      expect(await readdir(dir)).not.toContain('simulators');
    }
  });
});
