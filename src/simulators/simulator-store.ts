import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A simulator's jobs and files on disk (under DATA_DIR/simulators/<provider>), so that a simulator restarted,
 * or a service process killed and started again, still answers for the jobs it accepted before. Each job is
 * one JSON file, written before the submit is answered; each file is its bytes plus a small JSON sidecar.
 */
export class SimulatorStore {
  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<SimulatorStore> {
    await mkdir(join(dir, 'jobs'), { recursive: true });
    await mkdir(join(dir, 'files'), { recursive: true });
    return new SimulatorStore(dir);
  }

  async saveJob(id: string, record: unknown): Promise<void> {
    await writeAtomically(join(this.dir, 'jobs', `${safe(id)}.json`), JSON.stringify(record));
  }

  async deleteJob(id: string): Promise<void> {
    await rm(join(this.dir, 'jobs', `${safe(id)}.json`), { force: true });
  }

  async loadJobs<T>(): Promise<T[]> {
    return this.readJsonFiles<T>(join(this.dir, 'jobs'));
  }

  async saveFile(id: string, bytes: Buffer, meta: Record<string, unknown>): Promise<void> {
    const base = join(this.dir, 'files', safe(id));
    await writeAtomically(`${base}.bin`, bytes);
    await writeAtomically(`${base}.json`, JSON.stringify({ ...meta, id }));
  }

  async deleteFile(id: string): Promise<void> {
    const base = join(this.dir, 'files', safe(id));
    await rm(`${base}.bin`, { force: true });
    await rm(`${base}.json`, { force: true });
  }

  async loadFiles<M extends { id: string }>(): Promise<Array<{ meta: M; bytes: Buffer }>> {
    const metas = await this.readJsonFiles<M>(join(this.dir, 'files'));
    const files: Array<{ meta: M; bytes: Buffer }> = [];
    for (const meta of metas) {
      const bytes = await readFile(join(this.dir, 'files', `${safe(meta.id)}.bin`)).catch(() => undefined);
      if (bytes) files.push({ meta, bytes });
    }
    return files;
  }

  private async readJsonFiles<T>(dir: string): Promise<T[]> {
    const names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
    const records: T[] = [];
    for (const name of names) {
      try {
        records.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as T);
      } catch {
        // A record cut short by a crash between write and rename cannot exist (atomic rename); anything
        // unreadable was not written by us and is skipped.
      }
    }
    return records;
  }
}

function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

async function writeAtomically(path: string, data: string | Buffer): Promise<void> {
  // A unique part name: two writers of one file (a process and its successor) must not share one.
  const part = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  await writeFile(part, data);
  await rename(part, path);
}
