// The reliability harness's deployment (test/reliability, `npm run test:reliability`): PostgreSQL, an S3 server
// (optionally behind a fault proxy), the fal and Azure simulators in the test process, an API in the test process
// and worker processes started from the build in .reliability/ (`swc src -d .reliability`). Plus the checks every
// scenario ends with: the ledger invariant, every generation settled exactly one way, and no second paid
// submission at a provider for any generation.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/app.factory.js';
import { loadConfig, loadMediaConfig } from '../../src/config/app-config.js';
import { PrismaService } from '../../src/database/prisma.service.js';
import { MediaService } from '../../src/media/media.service.js';
import { azureDeployments } from '../../src/simulated-providers.js';
import { ProviderSimulators } from '../../src/simulators/provider-simulators.js';
import { EmbeddedS3Server } from '../../src/storage/embedded-s3.server.js';
import { ObjectStorage } from '../../src/storage/object-storage.js';
import { assertLedgerInvariant } from './ledger-invariant.js';
import { FaultyProxy } from './faulty-proxy.js';
import { freePort, ServiceProcess } from './service-process.js';
import { controlsOf, type SimulatorControls } from './simulator-controls.js';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from './test-database.js';

/** The worker build `npm run test:reliability` makes before jest starts. */
export const WORKER_MAIN = resolve('.reliability/src/main.js');
const BUCKET = 'video-gen';
const JWT_SECRET = 'reliability-secret-0123456789abcdef0123456789';

export interface DeploymentOptions {
  /** Settings for the API and the workers (timings, retry delays...). */
  env?: Record<string, string>;
  /** The API also runs workers (APP_ROLE=all) instead of only accepting work. */
  apiRunsWorkers?: boolean;
  /** Put a fault proxy between the services and S3. */
  storageProxy?: boolean;
  /** Where the services reach PostgreSQL (e.g. through a proxy that can be cut); default: directly. */
  databaseUrl?: (direct: string) => Promise<string> | string;
  /** Simulated job timing. */
  timing?: { queueMs: number; runMs: number };
}

export class Deployment {
  readonly workers: ServiceProcess[] = [];
  /** Fault controls attached to each simulator. */
  readonly controls: { fal: SimulatorControls; azure: SimulatorControls };

  private constructor(
    readonly database: TestDatabase,
    readonly databaseUrl: string,
    private readonly s3: EmbeddedS3Server,
    readonly storageProxy: FaultyProxy | undefined,
    readonly simulators: ProviderSimulators,
    readonly env: Record<string, string>,
    readonly app: NestExpressApplication,
    private readonly dirs: string[],
  ) {
    this.controls = { fal: controlsOf(simulators.fal), azure: controlsOf(simulators.azure) };
  }

  static async start(options: DeploymentOptions = {}): Promise<Deployment> {
    if (!testDatabaseUrl) throw new Error('the reliability harness needs PostgreSQL: set TEST_DATABASE_URL');
    const database = await createTestDatabase();
    const databaseUrl = options.databaseUrl ? await options.databaseUrl(database.url!) : database.url!;
    const s3Dir = await mkdtemp(join(tmpdir(), 'vg-rel-s3-'));
    const apiDir = await mkdtemp(join(tmpdir(), 'vg-rel-api-'));
    const s3 = await EmbeddedS3Server.start({ directory: s3Dir, port: 0, bucket: BUCKET });
    const storageProxy = options.storageProxy ? await FaultyProxy.start(s3.endpoint) : undefined;
    const timing = options.timing ?? { queueMs: 300, runMs: 700 };
    const simulatorConfig = loadConfig({
      DATA_DIR: apiDir,
      SIMULATOR_QUEUE_MS: String(timing.queueMs),
      SIMULATOR_RUN_MS: String(timing.runMs),
    }).providers;
    const simulators = await ProviderSimulators.start({
      media: new MediaService({ media: loadMediaConfig() }),
      timing,
      deployments: azureDeployments(simulatorConfig),
      falKey: `sim-${randomUUID()}`,
      azureKey: `sim-${randomUUID()}`,
    });
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      JWT_SECRET,
      THROTTLE_LIMIT: '1000000',
      INITIAL_CREDITS: '1000000',
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: storageProxy?.endpoint ?? s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: EmbeddedS3Server.accessKeyId,
      S3_SECRET_ACCESS_KEY: EmbeddedS3Server.secretAccessKey,
      // The simulators, as if they were the real providers.
      PROVIDERS_MODE: 'live',
      FAL_KEY: simulators.falKey,
      FAL_BASE_URL: simulators.baseUrl,
      AZURE_OPENAI_ENDPOINT: simulators.baseUrl,
      AZURE_OPENAI_API_KEY: simulators.azureKey,
      FAL_REQUEST_TIMEOUT_MS: '3000',
      AZURE_REQUEST_TIMEOUT_MS: '3000',
      PROVIDER_POLL_INTERVAL_MS: '200',
      PROVIDER_POLL_MAX_INTERVAL_MS: '500',
      JOBS_POLL_INTERVAL_MS: '500',
      JOBS_SUPERVISE_INTERVAL_SECONDS: '1',
      JOBS_HEARTBEAT_SECONDS: '10',
      JOBS_RETRY_BASE_DELAY_MS: '200',
      JOBS_RETRY_MAX_DELAY_MS: '2000',
      JOBS_MAX_ATTEMPTS: '10',
      PROVIDER_CONCURRENCY_FAL: '8',
      PROVIDER_CONCURRENCY_AZURE: '4',
      ...options.env,
    };
    const app = await createApp(
      loadConfig({
        ...env,
        // The workers' warnings are kept by ServiceProcess; the in-process API would print them into the run.
        LOG_LEVEL: 'error',
        DATA_DIR: apiDir,
        PORT: '0',
        APP_ROLE: options.apiRunsWorkers ? 'all' : 'api',
      }),
    );
    await app.init();
    return new Deployment(database, databaseUrl, s3, storageProxy, simulators, env, app, [s3Dir, apiDir]);
  }

  get http(): ReturnType<NestExpressApplication['getHttpServer']> {
    return this.app.getHttpServer();
  }

  get prisma(): PrismaService {
    return this.app.get(PrismaService);
  }

  get storage(): ObjectStorage {
    return this.app.get(ObjectStorage);
  }

  get jwtSecret(): string {
    return JWT_SECRET;
  }

  /** A worker process (APP_ROLE=worker) on this deployment, started from the .reliability build. */
  async startWorker(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'vg-rel-worker-'));
    this.dirs.push(dir);
    const worker = await ServiceProcess.start(
      { ...this.env, APP_ROLE: 'worker', DATA_DIR: dir, ...env },
      { port: await freePort(), script: WORKER_MAIN, timeoutMs: 180_000 },
    );
    this.workers.push(worker);
    return worker;
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.workers.map((worker) => worker.stop(5_000)));
    await this.app.close();
    await this.simulators.stop();
    await this.storageProxy?.stop();
    await this.s3.stop();
    await this.database.drop();
    for (const dir of this.dirs) await rm(dir, { recursive: true, force: true });
  }
}

export interface SettledSummary {
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Failure codes and how many generations ended with each. */
  failures: Record<string, number>;
  /** One message per failure code, to say what happened. */
  examples: Record<string, string>;
  ledger: { accounts: number; entries: number; totalBalance: string };
}

/**
 * The end state every scenario must reach: no generation left queued or running; each succeeded one charged
 * exactly its reservation once, refunded nothing, and its video in the bucket; each failed or cancelled one
 * refunded exactly its reservation once and charged nothing; the ledger invariant (balances equal their
 * ledgers); and at most one accepted provider submission per planned segment of each generation.
 */
export async function assertSettled(deployment: Deployment): Promise<SettledSummary> {
  const prisma = deployment.prisma;
  const ledger = await assertLedgerInvariant(prisma);
  const problems: string[] = [];
  const generations = await prisma.generation.findMany({ include: { segments: true } });
  const summary: SettledSummary = {
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    failures: {},
    examples: {},
    ledger,
  };
  for (const g of generations) {
    const reserved = g.creditsReserved.toString();
    if (g.status === 'QUEUED' || g.status === 'RUNNING') {
      problems.push(`${g.id}: still ${g.status}`);
      continue;
    }
    if (g.status === 'SUCCEEDED') {
      summary.succeeded += 1;
      if (!g.creditsCaptured.eq(g.creditsReserved) || !g.creditsRefunded.isZero()) {
        problems.push(
          `${g.id}: succeeded with ${reserved} reserved, ${g.creditsCaptured} captured, ${g.creditsRefunded} refunded`,
        );
      }
      if (!g.s3Key || !(await deployment.storage.head(g.s3Key)))
        problems.push(`${g.id}: succeeded without its video`);
    } else {
      summary[g.status === 'FAILED' ? 'failed' : 'cancelled'] += 1;
      const code = g.errorCode ?? 'none';
      summary.failures[code] = (summary.failures[code] ?? 0) + 1;
      summary.examples[code] ??= (g.error ?? '').slice(0, 300);
      if (!g.creditsRefunded.eq(g.creditsReserved) || !g.creditsCaptured.isZero()) {
        problems.push(
          `${g.id}: ${g.status} with ${reserved} reserved, ${g.creditsCaptured} captured, ${g.creditsRefunded} refunded`,
        );
      }
    }
    if (g.creditsReserved.isZero()) problems.push(`${g.id}: nothing reserved`);
  }
  const accepted = acceptedSubmissions(deployment.simulators);
  for (const g of generations) {
    const count = accepted.get(g.prompt) ?? 0;
    if (count > g.segments.length) {
      problems.push(
        `${g.id}: ${count} submissions accepted by the provider for ${g.segments.length} segment(s)`,
      );
    }
  }
  if (problems.length > 0) {
    throw new Error(`Generations not settled correctly:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return summary;
}

/** Jobs each simulator accepted (created), by prompt: scenarios give every generation a unique prompt. */
export function acceptedSubmissions(simulators: ProviderSimulators): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (prompt: unknown) => {
    if (typeof prompt === 'string') counts.set(prompt, (counts.get(prompt) ?? 0) + 1);
  };
  // The simulators keep their jobs privately; the harness reads them as a provider's own records would be read.
  for (const job of (
    simulators.fal as unknown as { jobs: Map<string, { input: { prompt?: unknown } }> }
  ).jobs.values()) {
    add(job.input.prompt);
  }
  for (const job of (
    simulators.azure as unknown as { jobs: Map<string, { prompt?: unknown }> }
  ).jobs.values()) {
    add(job.prompt);
  }
  return counts;
}
