import { fromPglite, type ConstructorOptions, type Db } from 'pg-boss';
import type { DatabaseConnection } from '../database/database-connection.js';

/** How pg-boss reaches the application's database, and how the queue runs a few of its statements atomically. */
export interface PgBossBackend {
  options: ConstructorOptions;
  transaction<T>(work: (db: Db) => Promise<T>): Promise<T>;
}

export function pgBossBackend(connection: DatabaseConnection, poolSize: number): PgBossBackend {
  const driver = connection.driver();
  if (driver.kind === 'pglite') {
    const { pglite } = driver;
    return {
      // One in-process connection, shared with Prisma; PGlite serialises statements and transactions.
      options: { db: fromPglite(pglite), backend: 'pglite' },
      transaction: (work) =>
        pglite.transaction((tx) =>
          work({ executeSql: async (text, values) => ({ rows: (await tx.query(text, values)).rows }) }),
        ),
    };
  }
  return {
    // pg-boss keeps a pool of its own (plus one connection for LISTEN/NOTIFY) on the same database, so
    // long-polling workers never starve the request path of connections.
    options: { connectionString: driver.url, max: poolSize, application_name: 'video-gen-api jobs' },
    transaction: async (work) => {
      const client = await driver.pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work({
          executeSql: async (text, values) => ({ rows: (await client.query(text, values)).rows }),
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is dropped rather than returned to the pool.
        broken = await client.query('ROLLBACK').then(
          () => false,
          () => true,
        );
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}
