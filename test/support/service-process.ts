import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';

export interface MemoryReading {
  /** Current resident set, bytes. */
  rss: number;
  /** Peak resident set since start or the last resetPeak(), bytes (Linux VmHWM). */
  peak: number;
}

/**
 * One service process (the compiled `src/main.js`, e.g. `.bench/src/main.js`) with the given environment: a
 * worker or an API, for the benchmark and the reliability harness. Not jest-specific.
 */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Children die with their parent, however it ends short of SIGKILL (a timed-out run, Ctrl-C). */
function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const each of running) each.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
}

export class ServiceProcess {
  private output = '';
  private partial = '';
  /** Warnings and errors the process logged, by message with ids and numbers blanked out. */
  readonly problems = new Map<string, number>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => this.keep(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.keep(chunk));
    this.exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  }

  /** Starts it and waits until /health/live answers. */
  static async start(
    env: Record<string, string>,
    options: { port: number; script: string; timeoutMs?: number },
  ): Promise<ServiceProcess> {
    const child = spawn(process.execPath, [options.script], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...env,
        PORT: String(options.port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    const service = new ServiceProcess(child, `http://127.0.0.1:${options.port}`);
    await service.waitReady(options.timeoutMs ?? 120_000);
    return service;
  }

  /** Starts a program that serves no health endpoint (e.g. the simulators); ready once its log shows `ready`. */
  static async startProgram(
    env: Record<string, string>,
    options: { script: string; ready: string; timeoutMs?: number },
  ): Promise<ServiceProcess> {
    const child = spawn(process.execPath, [options.script], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    const program = new ServiceProcess(child, '');
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (!program.output.includes(options.ready)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${options.script} exited while starting:\n${program.output}`);
      }
      if (Date.now() > deadline) throw new Error(`${options.script} not ready:\n${program.output}`);
      await sleep(100);
    }
    return program;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get log(): string {
    return this.output;
  }

  private keep(chunk: Buffer): void {
    const text = chunk.toString();
    // Only the tail matters for a failure message; a long run must not grow this without bound.
    this.output = (this.output + text).slice(-20_000);
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        if ((entry.level ?? 0) < 40 || !entry.msg) continue;
        const message = entry.msg
          .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
          .replace(/\d+/g, '#')
          .slice(0, 200);
        this.problems.set(message, (this.problems.get(message) ?? 0) + 1);
      } catch {
        // not a log line
      }
    }
  }

  /** The most frequent warnings and errors, most frequent first. */
  problemSummary(limit = 10): Array<{ message: string; count: number }> {
    return [...this.problems]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([message, count]) => ({ message, count }));
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`service exited while starting:\n${this.output}`);
      }
      try {
        const res = await fetch(`${this.baseUrl}/health/live`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`service not ready within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Resident memory from /proc (Linux). */
  async memory(): Promise<MemoryReading> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  }

  /** Resets the kernel's peak-RSS mark to the current RSS (`echo 5 > /proc/<pid>/clear_refs`). */
  async resetPeak(): Promise<void> {
    await writeFile(`/proc/${this.pid}/clear_refs`, '5');
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
