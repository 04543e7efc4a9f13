import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../../src/config/environment.js';
import type { WorkerCommand, WorkerMessage } from './job-worker.protocol.js';

const script = fileURLToPath(new URL('./job-worker.process.ts', import.meta.url));
const registerTs = fileURLToPath(new URL('./register-ts.mjs', import.meta.url));

type MessageOf<T extends WorkerMessage['type']> = Extract<WorkerMessage, { type: T }>;

/** One job-worker.process.ts child: its messages, its output, its exit. */
export class WorkerProcess {
  readonly messages: WorkerMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.on('message', (message: WorkerMessage) => {
      this.messages.push(message);
      for (const wake of this.waiters) wake();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => {
      for (const wake of this.waiters) wake();
    });
  }

  static start(env: Environment): WorkerProcess {
    const { NODE_OPTIONS: _jestOptions, ...inherited } = process.env;
    return new WorkerProcess(
      fork(script, [], {
        execArgv: ['--import', registerTs],
        env: { ...inherited, ...env },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Everything the process wrote to stdout and stderr so far. */
  get log(): string {
    return this.output;
  }

  send(command: WorkerCommand): void {
    this.child.send(command);
  }

  /** The first message of this type (after `after` earlier ones) that matches, waiting for it if need be. */
  async next<T extends WorkerMessage['type']>(
    type: T,
    options: { timeoutMs?: number; after?: number; where?: (message: MessageOf<T>) => boolean } = {},
  ): Promise<MessageOf<T>> {
    const { timeoutMs = 30_000, after = 0, where = () => true } = options;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages
        .slice(after)
        .find((m): m is MessageOf<T> => m.type === type && where(m as MessageOf<T>));
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`worker ${this.pid} exited before sending "${type}":\n${this.output}`);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(`worker ${this.pid} sent no "${type}" within ${timeoutMs} ms:\n${this.output}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, remaining);
        this.waiters.add(wake);
      });
    }
  }

  /** Sends a command and waits for its answer. */
  async ask<T extends WorkerMessage['type']>(command: WorkerCommand, answer: T): Promise<MessageOf<T>> {
    const after = this.messages.length;
    this.send(command);
    return this.next(answer, { after });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGKILLs the process if it is still running (test clean-up). */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
