import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { MediaConfig } from '../config/app-config.js';
import { ConfigurationError } from '../config/environment.js';
import { MediaError } from '../media/media.error.js';
import { MediaService } from '../media/media.service.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** FFMPEG_PATH and friends, read only when a command needs ffmpeg. */
  mediaConfig: () => MediaConfig;
}

const USAGE = `Usage: video-gen <command> [options]

Commands:
  extract-last-frame <video> [-o frame.jpg]   Save the last frame of a video (runs locally, no service needed)

Options:
  -o, --output <file>   Output image (.jpg, .png or .webp); default <video>.last.jpg beside the video
  -h, --help            Show this help
`;

/** The `video-gen` command line. Returns the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  try {
    switch (command) {
      case 'extract-last-frame':
        return await extractLastFrame(rest, io);
      default:
        io.err(`video-gen: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof MediaError || error instanceof ConfigurationError) {
      io.err(`video-gen: ${error.message}\n`);
      return 1;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`video-gen: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

async function extractLastFrame(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(`video-gen: extract-last-frame takes exactly one video\n\n${USAGE}`);
    return 2;
  }
  const video = resolve(positionals[0]);
  const output = resolve(
    values.output ?? join(dirname(video), `${basename(video, extname(video))}.last.jpg`),
  );
  const media = new MediaService({ media: io.mediaConfig() });
  await media.extractLastFrame(video, output);
  const { width, height } = await media.imageInfo(output);
  io.out(`${output} (${width}x${height})\n`);
  return 0;
}
