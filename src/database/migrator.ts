import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseConnection, SqlRunner } from './database-connection.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

// Any constant works as long as every instance uses the same one: it serialises migration runs cluster-wide.
const MIGRATION_LOCK_ID = 72_210_531;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
  /** Applied migrations whose file changed afterwards: reported, never re-run. */
  modified: string[];
}

/** Prisma's checksum for a migration: the sha256 of the file's bytes, hex encoded. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: migrationChecksum(sql) };
    }),
  );
}

// The table exactly as `prisma migrate` creates it, so `prisma migrate deploy` on a connected machine
// recognises these migrations as applied.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Applies Prisma's migration files in order, each in its own transaction, under an advisory lock.
 * Prisma's schema engine is a native binary we cannot download on every machine, so this does its job.
 */
export async function migrate(
  connection: DatabaseConnection,
  dir = MIGRATIONS_DIR,
): Promise<MigrationResult> {
  const files = await readMigrations(dir);
  return connection.withLock(MIGRATION_LOCK_ID, async (db) => {
    await db.exec(CREATE_MIGRATIONS_TABLE);
    const rows = await db.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations"
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    const result: MigrationResult = { applied: [], alreadyApplied: [], modified: [] };
    for (const file of files) {
      const recorded = done.get(file.name);
      if (recorded !== undefined) {
        result.alreadyApplied.push(file.name);
        if (recorded !== file.checksum) result.modified.push(file.name);
        continue;
      }
      await applyOne(db, file);
      result.applied.push(file.name);
    }
    return result;
  });
}

async function applyOne(db: SqlRunner, file: MigrationFile): Promise<void> {
  await db.exec('BEGIN');
  try {
    const id = randomUUID();
    await db.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, file.checksum, file.name],
    );
    await db.exec(file.sql);
    await db.query(
      `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
      [id],
    );
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK');
    throw new Error(`Migration ${file.name} failed: ${(error as Error).message}`, { cause: error });
  }
}
