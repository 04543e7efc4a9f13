import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabase, type BenchDatabase } from './database.js';
import { baseEnv, bearer, BenchStorage, uploadImage } from './environment.js';
import { freePort, ServiceProcess, sleep, startService } from './processes.js';
import { BenchProvider, type BenchTiming } from './provider.js';

export interface GenerationRow {
  id: string;
  status: string;
  createdAt: Date;
  completedAt: Date | null;
  error: string | null;
  requestId: string | null;
  submittedAt: Date | null;
}

/**
 * A small deployment for the worker figures: PostgreSQL (a fresh database), S3 and the fal simulator in the
 * benchmark's process, one API process that accepts generations and one worker process that runs them, both
 * pointed at the simulator as if it were fal (live mode, FAL_BASE_URL).
 */
export class WorkerRig {
  private constructor(
    readonly database: BenchDatabase,
    readonly db: pg.Pool,
    readonly storage: BenchStorage,
    readonly provider: BenchProvider,
    readonly api: ServiceProcess,
    private readonly dataDirs: string[],
    private readonly workerEnv: Record<string, string>,
    readonly user: { id: string; authorization: string; image: string },
    public worker: ServiceProcess | undefined,
  ) {}

  static async start(options: {
    timing: BenchTiming;
    workerEnv?: Record<string, string>;
    /** Extra settings of the API process. */
    apiEnv?: Record<string, string>;
    startWorker?: boolean;
  }): Promise<WorkerRig> {
    const database = await createDatabase();
    const storage = await BenchStorage.start();
    const provider = await BenchProvider.start(options.timing);
    const apiDir = await mkdtemp(join(tmpdir(), 'vg-bench-api-'));
    const workerDir = await mkdtemp(join(tmpdir(), 'vg-bench-worker-'));
    const common = { ...storage.env(), ...provider.env() };
    const api = await startService(
      { ...baseEnv(database.url, apiDir), ...common, APP_ROLE: 'api', ...options.apiEnv },
      await freePort(),
    );
    const workerEnv = {
      ...baseEnv(database.url, workerDir),
      ...common,
      APP_ROLE: 'worker',
      ...options.workerEnv,
    };
    const userId = 'bench-worker-user';
    const user = {
      id: userId,
      authorization: await bearer(userId),
      image: await uploadImage(api.baseUrl, userId),
    };
    const db = new pg.Pool({ connectionString: database.url, max: 2 });
    const rig = new WorkerRig(
      database,
      db,
      storage,
      provider,
      api,
      [apiDir, workerDir],
      workerEnv,
      user,
      undefined,
    );
    if (options.startWorker !== false) await rig.startWorker();
    return rig;
  }

  async startWorker(extraEnv: Record<string, string> = {}): Promise<ServiceProcess> {
    this.worker = await startService({ ...this.workerEnv, ...extraEnv }, await freePort());
    return this.worker;
  }

  /** `POST /video-gen/generations` as the rig's user; returns the generation id. */
  async create(prompt = 'A calm lake at dawn'): Promise<string> {
    const res = await fetch(`${this.api.baseUrl}/video-gen/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: this.user.authorization },
      body: JSON.stringify({ kind: 'image-to-video', id: this.user.image, prompt }),
    });
    if (res.status !== 202) throw new Error(`create answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  async generation(id: string): Promise<GenerationRow> {
    const { rows } = await this.db.query<GenerationRow>(
      `SELECT g.id::text, g.status::text, g."createdAt", g."completedAt", g.error,
              s."providerRef"->>'requestId' AS "requestId", s."submittedAt"
         FROM "Generation" g LEFT JOIN "GenerationSegment" s ON s."generationId" = g.id AND s.index = 0
        WHERE g.id = $1::uuid`,
      [id],
    );
    return rows[0];
  }

  /** Waits for a terminal state; throws unless it is `SUCCEEDED`. */
  async succeeded(id: string, timeoutMs = 300_000, everyMs = 50): Promise<GenerationRow> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.generation(id);
      if (row.status === 'SUCCEEDED') return row;
      if (row.status === 'FAILED' || row.status === 'CANCELLED') {
        throw new Error(`generation ${id} ${row.status}: ${row.error}\n${this.worker?.log ?? ''}`);
      }
      if (Date.now() > deadline)
        throw new Error(`generation ${id} still ${row.status}\n${this.worker?.log ?? ''}`);
      await sleep(everyMs);
    }
  }

  /** When the simulator first answered a status request for this fal request id ("provider says done"). */
  firstStatusAt(requestId: string): number | undefined {
    return this.provider.timed.find(
      (r) => r.method === 'GET' && r.path.endsWith(`/requests/${requestId}/status`),
    )?.at;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.worker?.stop(), this.api.stop()]);
    await this.db.end();
    await this.provider.stop();
    await this.storage.stop();
    await this.database.drop();
    for (const dir of this.dataDirs) await rm(dir, { recursive: true, force: true });
  }
}
