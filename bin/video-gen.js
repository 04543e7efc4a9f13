#!/usr/bin/env node
// The `video-gen` command (package.json "bin"). The CLI is TypeScript compiled by `npm run build` into dist/.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('video-gen: the CLI is not built yet; run `npm run build` in the project first\n');
  process.exit(1);
}
await import(entry.href);
