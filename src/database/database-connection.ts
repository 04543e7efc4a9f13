import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DatabaseConfig } from '../config/app-config.js';

export type DatabaseKind = 'postgres' | 'pglite';
export type PrismaAdapter = PrismaPg | PrismaPGlite;

/** The engine underneath, for libraries that bring their own driver adapters (the pg-boss job queue). */
export type DatabaseDriver =
  { kind: 'postgres'; url: string; pool: pg.Pool } | { kind: 'pglite'; pglite: PGlite };

/**
 * The one place that knows which database engine is behind the service: PostgreSQL through a `pg` pool,
 * or embedded PGlite in a local folder. Prisma, the migrator and the job queue all go through it.
 */
export abstract class DatabaseConnection {
  abstract readonly kind: DatabaseKind;
  abstract query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  abstract exec(sql: string): Promise<void>;
  /** Runs `work` while holding a cluster-wide lock, so concurrent starters take turns. */
  abstract withLock<T>(lockId: number, work: (db: SqlRunner) => Promise<T>): Promise<T>;
  abstract prismaAdapter(): PrismaAdapter;
  abstract driver(): DatabaseDriver;
  /**
   * Calls `onMessage` for every NOTIFY on `channel` (sent by any process, delivered after its transaction
   * commits). `onResync` is called whenever notifications may have been missed (a reconnected listener),
   * so subscribers re-read what they follow. Returns a function that stops listening.
   */
  abstract listen(
    channel: string,
    onMessage: (payload: string) => void,
    onResync: () => void,
  ): Promise<() => Promise<void>>;
  abstract close(): Promise<void>;
  abstract describe(): string;

  static async open(config: DatabaseConfig): Promise<DatabaseConnection> {
    return config.url
      ? new PostgresConnection(config.url, config.poolSize)
      : await PgliteConnection.openDirectory(config.pgliteDir);
  }
}

export interface SqlRunner {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
}

class PostgresConnection extends DatabaseConnection {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;

  constructor(
    private readonly url: string,
    poolSize: number,
  ) {
    super();
    this.pool = new pg.Pool({ connectionString: url, max: poolSize });
    // An idle client losing its connection (database restart) must not crash the process.
    this.pool.on('error', () => undefined);
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async withLock<T>(lockId: number, work: (db: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [lockId]);
      try {
        return await work({
          query: async <R>(sql: string, params: unknown[] = []) =>
            (await client.query(sql, params)).rows as R[],
          exec: async (sql: string) => void (await client.query(sql)),
        });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [lockId]);
      }
    } finally {
      client.release();
    }
  }

  prismaAdapter(): PrismaAdapter {
    return new PrismaPg(this.pool);
  }

  driver(): DatabaseDriver {
    return { kind: 'postgres', url: this.url, pool: this.pool };
  }

  // One dedicated connection per process holds the LISTEN; it reconnects with a short backoff when lost.
  async listen(
    channel: string,
    onMessage: (payload: string) => void,
    onResync: () => void,
  ): Promise<() => Promise<void>> {
    let stopped = false;
    let client: pg.Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (delayMs: number): Promise<void> => {
      if (stopped) return;
      const next = new pg.Client({ connectionString: this.url });
      const reconnect = () => {
        if (stopped || client !== next) return;
        client = undefined;
        next.end().catch(() => undefined);
        retry = setTimeout(() => void connect(Math.min(delayMs * 2, 5_000)), delayMs);
      };
      next.on('error', reconnect);
      next.on('end', reconnect);
      next.on('notification', (message) => {
        if (message.channel === channel) onMessage(message.payload ?? '');
      });
      client = next;
      try {
        await next.connect();
        await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        onResync();
      } catch {
        reconnect();
      }
    };
    await connect(100);
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  describe(): string {
    const url = new URL(this.url);
    return `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`;
  }
}

class PgliteConnection extends DatabaseConnection {
  readonly kind = 'pglite' as const;

  private constructor(
    readonly db: PGlite,
    private readonly dir: string,
    private readonly lockFile: string,
  ) {
    super();
  }

  static async openDirectory(dir: string): Promise<PgliteConnection> {
    await mkdir(dir, { recursive: true });
    const lockFile = join(dirname(dir), `${basenameOf(dir)}.lock`);
    await acquireDirectoryLock(lockFile, dir);
    try {
      const db = await PGlite.create(dir);
      return new PgliteConnection(db, dir, lockFile);
    } catch (error) {
      await rm(lockFile, { force: true });
      throw error;
    }
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(sql, params)).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  // PGlite is a single connection owned by this process (the directory lock keeps others out),
  // so there is nobody to take turns with.
  async withLock<T>(_lockId: number, work: (db: SqlRunner) => Promise<T>): Promise<T> {
    return work(this);
  }

  prismaAdapter(): PrismaAdapter {
    return new PrismaPGlite(this.db);
  }

  driver(): DatabaseDriver {
    return { kind: 'pglite', pglite: this.db };
  }

  // PGlite delivers NOTIFY in-process once the notifying transaction commits; nothing can be missed.
  async listen(
    channel: string,
    onMessage: (payload: string) => void,
    _onResync: () => void,
  ): Promise<() => Promise<void>> {
    const unlisten = await this.db.listen(channel, onMessage);
    return async () => {
      if (!this.db.closed) await unlisten();
    };
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
    await rm(this.lockFile, { force: true });
  }

  describe(): string {
    return `embedded PGlite in ${this.dir}`;
  }
}

function basenameOf(dir: string): string {
  return dir.split(/[\\/]/).filter(Boolean).pop() ?? 'pglite';
}

/** PGlite files must never be opened by two processes at once: that corrupts them. */
async function acquireDirectoryLock(lockFile: string, dir: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (owner && isAlive(owner)) {
        throw new Error(
          `The embedded database in ${dir} is in use by process ${owner}. Stop that process, use another DATA_DIR, ` +
            'or set DATABASE_URL to share a PostgreSQL database between processes.',
          { cause: error },
        );
      }
      await rm(lockFile, { force: true }); // left behind by a process that died
    }
  }
  throw new Error(`Could not lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
