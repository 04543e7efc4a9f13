import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const script = join(root, 'scripts', 'check-node.mjs');

function run(path: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('scripts/check-node.mjs (run before npm start)', () => {
  it('states the Node the tests need (24.9+) in engines, and npm start runs the check first', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe('>=24.9');
    for (const name of ['start', 'start:sim', 'db:migrate']) {
      expect(pkg.scripts[name]).toMatch(/^node scripts\/check-node\.mjs && /);
    }
  });

  it('lets the current Node through silently', async () => {
    expect(await run(script)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('refuses a Node older than engines.node with one clear line and exit code 1', async () => {
    // The script beside a package.json asking for a Node that does not exist yet: this Node is "too old".
    const dir = await mkdtemp(join(tmpdir(), 'vg-check-node-'));
    try {
      await mkdir(join(dir, 'scripts'));
      await copyFile(script, join(dir, 'scripts', 'check-node.mjs'));
      await writeFile(join(dir, 'package.json'), JSON.stringify({ engines: { node: '>=999.1' } }));
      const result = await run(join(dir, 'scripts', 'check-node.mjs'));
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `video-gen-api needs Node.js 999.1 or newer (Node 24 LTS); this is Node ${process.version}. ` +
          'Install Node 24 (https://nodejs.org/) and run the command again.\n',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
