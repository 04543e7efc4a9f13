import { createInterface } from 'node:readline/promises';
import { loadMediaConfig } from '../config/app-config.js';
import { loadClientConfig } from '../config/client-config.js';
import { runCli } from './video-gen.js';

/** A y/N question on the terminal; a Ctrl-C while it waits means no. */
async function confirm(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  const answered = new AbortController();
  terminal.once('SIGINT', () => answered.abort());
  try {
    const answer = await terminal.question(question, { signal: answered.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    process.stderr.write('\n');
    return false;
  } finally {
    terminal.close();
  }
}

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  mediaConfig: () => loadMediaConfig(),
  clientConfig: () => loadClientConfig(),
  stderrIsTTY: process.stderr.isTTY === true,
  columns: () => process.stderr.columns || 80, // 0 on a terminal that never said its size
  stdinIsTTY: process.stdin.isTTY === true,
  confirm,
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
});
