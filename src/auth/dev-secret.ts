import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const MIN_SECRET_LENGTH = 32;

/**
 * Zero-config mode's HS256 secret: read from `file`, or generated (48 random bytes, readable by the owner
 * only) on first use. The service and `npm run token` both call this, so they agree on the key.
 */
export async function loadOrCreateDevSecret(file: string): Promise<string> {
  const existing = await readSecret(file);
  if (existing !== undefined) return existing;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Written whole under a private name, then linked into place: a concurrent reader never sees a partial
  // file, and if another process (the service, the CLI, a parallel test) won the race we use theirs.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(draft, `${randomBytes(48).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  try {
    await link(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(draft);
  }
  const created = await readSecret(file);
  if (created === undefined) throw new Error(`Could not read the development JWT secret in ${file}`);
  return created;
}

async function readSecret(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const secret = text.trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(
      `${file} holds a secret shorter than ${MIN_SECRET_LENGTH} characters; delete it to regenerate`,
    );
  }
  return secret;
}
