// Runs `prisma generate` without network access. Prisma's CLI looks for its native schema engine even
// though `generate` does not use it; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file stops it
// from trying to download one (which fails on machines that reach only the npm registry).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const cli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, 'generate'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
if (result.status !== 0) {
  process.stdout.write(result.stdout ?? '');
  console.error('prisma generate failed; see the output above.');
  process.exit(result.status ?? 1);
}
