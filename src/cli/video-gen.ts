import { basename, dirname, extname, join, resolve } from 'node:path';
import type { MediaConfig } from '../config/app-config.js';
import { ConfigurationError } from '../config/environment.js';
import { MediaError } from '../media/media.error.js';
import { MediaService } from '../media/media.service.js';
import { parseCommand, type ParsedCommand } from './cli-args.js';
import {
  ApiError,
  CommandFailedError,
  describeError,
  MissingTokenError,
  ServiceUnreachableError,
  UsageError,
} from './cli-errors.js';
import { runServiceCommand, type ServiceIo } from './service-commands.js';

export interface CliIo extends ServiceIo {
  /** FFMPEG_PATH and friends, read only when a command needs ffmpeg. */
  mediaConfig: () => MediaConfig;
}

/** Failures the user can act on: shown as a message, exit code 1. */
const EXPLAINED_ERRORS = [
  MediaError,
  ConfigurationError,
  MissingTokenError,
  ServiceUnreachableError,
  ApiError,
  CommandFailedError,
];

/** The `video-gen` command line. Returns the process exit code: 0 ok, 1 failure, 2 usage, 130 Ctrl-C. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let command: ParsedCommand;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`video-gen: ${error.message}\n\n${error.usage}`);
    return 2;
  }
  try {
    switch (command.name) {
      case 'help':
        io.out(command.text);
        return 0;
      case 'extract-last-frame':
        return await extractLastFrame(command.video, command.output, io);
      default:
        return await runServiceCommand(command, io);
    }
  } catch (error) {
    if (!EXPLAINED_ERRORS.some((type) => error instanceof type)) throw error; // a bug: keep its stack
    io.err(`video-gen: ${describeError(error).join('\n')}\n`);
    return 1;
  }
}

async function extractLastFrame(videoPath: string, output: string | undefined, io: CliIo): Promise<number> {
  const video = resolve(videoPath);
  const target = resolve(output ?? join(dirname(video), `${basename(video, extname(video))}.last.jpg`));
  const media = new MediaService({ media: io.mediaConfig() });
  await media.extractLastFrame(video, target);
  const { width, height } = await media.imageInfo(target);
  io.out(`${target} (${width}x${height})\n`);
  return 0;
}
