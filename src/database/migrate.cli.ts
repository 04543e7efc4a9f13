// `npm run db:migrate`: applies pending migrations to the configured database and exits.
import { loadConfig } from '../config/app-config.js';
import { DatabaseConnection } from './database-connection.js';
import { migrate } from './migrator.js';

const config = loadConfig();
const connection = await DatabaseConnection.open(config.database);
try {
  const result = await migrate(connection);
  console.log(`${connection.describe()}`);
  for (const name of result.applied) console.log(`applied  ${name}`);
  for (const name of result.alreadyApplied) console.log(`present  ${name}`);
  for (const name of result.modified) console.warn(`warning: ${name} changed after it was applied`);
} finally {
  await connection.close();
}
