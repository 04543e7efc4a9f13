import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { classifyFailure, MediaError, summariseStderr } from './media.error.js';

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Written to the process's stdin (e.g. an image held in memory, read as `pipe:0`). */
  stdin?: Buffer;
  /** Keep stdout (ffprobe JSON, raw frames). Otherwise it is discarded. */
  captureStdout?: boolean;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

/** Only the end of stderr explains a failure; keeping all of it would let a chatty ffmpeg grow memory unbounded. */
const STDERR_LIMIT = 64 * 1024;

/**
 * The single place a media binary is started: argument arrays (never a shell), a timeout, stderr kept for the
 * error, and a kill when the caller aborts. Exit code 0 resolves; anything else rejects with a MediaError.
 */
export function runProcess(binary: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const command = describeCommand(binary, args);
  if (options.signal?.aborted) {
    return Promise.reject(new MediaError('ABORTED', `${command} was aborted before it started`, { command }));
  }
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(binary, args, {
      stdio: [options.stdin ? 'pipe' : 'ignore', options.captureStdout ? 'pipe' : 'ignore', 'pipe'],
      windowsHide: true,
    });
    const stdoutChunks: Buffer[] = [];
    let stderr = '';
    let stoppedBy: 'TIMEOUT' | 'ABORTED' | undefined;
    let settled = false;

    const stop = (reason: 'TIMEOUT' | 'ABORTED') => {
      if (settled || stoppedBy) return;
      stoppedBy = reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop('TIMEOUT'), options.timeoutMs);
    const onAbort = () => stop('ABORTED');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (error?: MediaError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve({ stdout: Buffer.concat(stdoutChunks), stderr });
    };

    child.stdout?.on('data', (chunk: Buffer) => stdoutChunks.push(chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > STDERR_LIMIT) stderr = stderr.slice(-STDERR_LIMIT);
    });
    if (child.stdin && options.stdin) {
      // ffprobe stops reading once it has identified the input; the resulting EPIPE is not an error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin);
    }

    child.on('error', (error: NodeJS.ErrnoException) => {
      const message =
        error.code === 'ENOENT'
          ? `${basename(binary)} not found at "${binary}" (set FFMPEG_PATH / FFPROBE_PATH or install ffmpeg)`
          : `${basename(binary)} could not be started: ${error.message}`;
      finish(new MediaError('UNAVAILABLE', message, { command }, { cause: error }));
    });
    child.on('close', (exitCode, signal) => {
      if (stoppedBy === 'TIMEOUT') {
        finish(
          new MediaError('TIMEOUT', `${command} timed out after ${options.timeoutMs} ms`, {
            command,
            exitCode,
            stderr,
          }),
        );
      } else if (stoppedBy === 'ABORTED') {
        finish(new MediaError('ABORTED', `${command} was aborted`, { command, exitCode, stderr }));
      } else if (exitCode !== 0) {
        const why = summariseStderr(stderr) || (signal ? `killed by ${signal}` : 'no error output');
        finish(
          new MediaError(classifyFailure(stderr), `${command} failed (exit ${exitCode ?? signal}): ${why}`, {
            command,
            exitCode,
            stderr,
          }),
        );
      } else {
        finish();
      }
    });
  });
}

/** A short, readable form of the command for messages: the binary's name and the input file names. */
export function describeCommand(binary: string, args: readonly string[]): string {
  const inputs: string[] = [];
  args.forEach((arg, index) => {
    if (arg === '-i' && args[index + 1] && !args[index + 1].startsWith('anullsrc')) {
      inputs.push(basename(args[index + 1]));
    }
  });
  const last = args[args.length - 1];
  const subject = inputs.length > 0 ? inputs.join(', ') : last ? basename(last) : '';
  return `${basename(binary)}${subject ? ` (${subject})` : ''}`;
}
