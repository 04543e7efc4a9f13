import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Runs `work` with a private temporary directory that is removed afterwards, whatever happens. */
export async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'vg-media-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Lets `write` produce the file under a temporary name beside `output` (same extension, so ffmpeg picks the same
 * format) and renames it into place only on success: a failed or aborted run never leaves a partial file.
 */
export async function writeAtomically<T>(
  output: string,
  write: (partPath: string) => Promise<T>,
): Promise<T> {
  const partPath = join(dirname(output), `.${randomBytes(6).toString('hex')}.part.${basename(output)}`);
  try {
    const result = await write(partPath);
    await rename(partPath, output);
    return result;
  } finally {
    await rm(partPath, { force: true });
  }
}

export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** A Buffer input is written to `dir` so that ffmpeg can seek in it; a path is used as it is. */
export async function materialise(source: string | Buffer, dir: string, name: string): Promise<string> {
  if (typeof source === 'string') return source;
  const path = join(dir, name);
  await writeFile(path, source);
  return path;
}
