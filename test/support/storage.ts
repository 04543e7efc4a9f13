import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../../src/config/app-config.js';

/** Every object key in the test app's embedded S3 store, read from its folder so nothing can hide from a count. */
export async function storedKeys(t: { config: AppConfig } | AppConfig): Promise<string[]> {
  const config = 'config' in t ? t.config : t;
  const root = join(config.storage.embeddedDir, config.storage.bucket);
  const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  const suffix = '._S3rver_object';
  return entries
    .filter((entry) => entry.endsWith(suffix))
    .map((entry) => entry.slice(0, -suffix.length))
    .sort();
}
