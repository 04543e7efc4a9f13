import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestContext, TestContext } from '../../test/support/test-app.js';
import { databaseBackend } from '../../test/support/test-database.js';
import { DatabaseConnection } from './database-connection.js';
import { migrate, migrationChecksum, readMigrations } from './migrator.js';

describe(`migrator (${databaseBackend})`, () => {
  let context: TestContext;
  let migrationsDir: string;

  beforeEach(async () => {
    context = await createTestContext();
    migrationsDir = await mkdtemp(join(tmpdir(), 'vg-migrations-'));
    await addMigration('20260101000000_first', 'CREATE TABLE "Alpha" ("id" INTEGER PRIMARY KEY);');
    await addMigration('20260102000000_second', 'ALTER TABLE "Alpha" ADD COLUMN "name" TEXT;');
  });
  afterEach(async () => {
    await context.cleanup();
    await rm(migrationsDir, { recursive: true, force: true });
  });

  async function addMigration(name: string, sql: string) {
    await mkdir(join(migrationsDir, name), { recursive: true });
    await writeFile(join(migrationsDir, name, 'migration.sql'), sql);
  }

  it('computes the checksum Prisma uses (sha256 of the file)', () => {
    expect(migrationChecksum('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('applies pending migrations once and records them as Prisma does', async () => {
    const db = await DatabaseConnection.open(context.config.database);
    try {
      const first = await migrate(db, migrationsDir);
      expect(first.applied).toEqual(['20260101000000_first', '20260102000000_second']);
      const second = await migrate(db, migrationsDir);
      expect(second).toEqual({
        applied: [],
        alreadyApplied: ['20260101000000_first', '20260102000000_second'],
        modified: [],
      });
      const rows = await db.query<{ migration_name: string; checksum: string; applied_steps_count: number }>(
        `SELECT migration_name, checksum, applied_steps_count, finished_at IS NOT NULL AS finished
           FROM "_prisma_migrations" ORDER BY migration_name`,
      );
      const files = await readMigrations(migrationsDir);
      expect(rows).toEqual(
        files.map((f) =>
          expect.objectContaining({
            migration_name: f.name,
            checksum: f.checksum,
            applied_steps_count: 1,
            finished: true,
          }),
        ),
      );
      await db.query('INSERT INTO "Alpha" (id, name) VALUES (1, $1)', ['ok']);
    } finally {
      await db.close();
    }
  });

  it('rolls back a failing migration completely and reports which one failed', async () => {
    await addMigration(
      '20260103000000_broken',
      'CREATE TABLE "Beta" ("id" INTEGER); SELECT * FROM "NoSuchTable";',
    );
    const db = await DatabaseConnection.open(context.config.database);
    try {
      await expect(migrate(db, migrationsDir)).rejects.toThrow(/Migration 20260103000000_broken failed/);
      const tables = await db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'Beta'`);
      expect(tables).toHaveLength(0);
      const recorded = await db.query(
        `SELECT 1 FROM "_prisma_migrations" WHERE migration_name LIKE '%broken'`,
      );
      expect(recorded).toHaveLength(0);
    } finally {
      await db.close();
    }
  });

  it('reports, and does not re-run, a migration edited after it was applied', async () => {
    const db = await DatabaseConnection.open(context.config.database);
    try {
      await migrate(db, migrationsDir);
      await addMigration('20260101000000_first', 'CREATE TABLE "Alpha" ("id" BIGINT PRIMARY KEY);');
      const result = await migrate(db, migrationsDir);
      expect(result.modified).toEqual(['20260101000000_first']);
      expect(result.applied).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('keeps instances starting together from applying a migration twice', async () => {
    if (databaseBackend === 'postgres') {
      // PostgreSQL: every instance migrates; the advisory lock makes them take turns.
      const connections = await Promise.all(
        Array.from({ length: 4 }, () => DatabaseConnection.open(context.config.database)),
      );
      try {
        const results = await Promise.all(connections.map((c) => migrate(c, migrationsDir)));
        expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, 0, 2]);
        const rows = await connections[0].query(`SELECT migration_name FROM "_prisma_migrations"`);
        expect(rows).toHaveLength(2);
      } finally {
        await Promise.all(connections.map((c) => c.close()));
      }
    } else {
      // PGlite: the files belong to one process; a second opener is refused before it can touch them.
      const first = await DatabaseConnection.open(context.config.database);
      try {
        await expect(DatabaseConnection.open(context.config.database)).rejects.toThrow(
          /in use by process \d+.*set DATABASE_URL/s,
        );
      } finally {
        await first.close();
      }
      const reopened = await DatabaseConnection.open(context.config.database);
      await reopened.close();
    }
  });
});
