import { loadMediaConfig } from '../config/app-config.js';
import { runCli } from './video-gen.js';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  mediaConfig: () => loadMediaConfig(),
});
