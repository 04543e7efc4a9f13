import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Database-backed specs run on PostgreSQL when TEST_DATABASE_URL is set, on embedded PGlite otherwise.
 * Each caller gets a database of its own, so spec files can run in parallel.
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;
export const databaseBackend = testDatabaseUrl ? 'postgres' : 'pglite';

export interface TestDatabase {
  /** undefined on PGlite: the app then opens an embedded database in its own DATA_DIR. */
  url?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!testDatabaseUrl) return { url: undefined, drop: async () => undefined };
  const name = `vg_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
