import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClientConfig } from '../config/client-config.js';
import type { ParsedCommand } from './cli-args.js';
import {
  CommandFailedError,
  describeError,
  describeUnsuccessful,
  InterruptedError,
  isRetryableCreateFailure,
  MissingTokenError,
} from './cli-errors.js';
import { DEFAULT_FOLLOW_TIMING, followGeneration } from './follow-generation.js';
import { ProgressDisplay } from './progress-display.js';
import { formatBytes, formatStatus, formatSummary } from './progress.js';
import { ServiceClient } from './service-client.js';
import type { GenerationView } from './service-types.js';

/** What the service commands need from the outside world; main.ts gives the real process, specs their own. */
export interface ServiceIo {
  out(text: string): void;
  err(text: string): void;
  /** VIDEO_GEN_URL and VIDEO_GEN_TOKEN, read when a command needs the service. */
  clientConfig(): ClientConfig;
  /** stderr is a terminal: draw a live progress bar (else a line per change). */
  stderrIsTTY?: boolean;
  columns?(): number;
  /** stdin is a terminal: Ctrl-C may ask a question. */
  stdinIsTTY?: boolean;
  /** Asks a yes/no question on the terminal; true for yes. */
  confirm?(question: string): Promise<boolean>;
  /** Calls `handler` on Ctrl-C until the returned function is called. */
  onInterrupt?(handler: () => void): () => void;
}

export const EXIT_INTERRUPTED = 130;

type ServiceCommand = Extract<
  ParsedCommand,
  { name: 'generate' | 'extend' | 'chain' | 'status' | 'cancel' | 'credits' }
>;

const sleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal });

export async function runServiceCommand(command: ServiceCommand, io: ServiceIo): Promise<number> {
  const config = io.clientConfig();
  if (!config.token) throw new MissingTokenError(config.serviceUrl);
  const client = new ServiceClient({ serviceUrl: config.serviceUrl, token: config.token });
  switch (command.name) {
    case 'generate':
      return produce(io, client, command.output, async (signal) => {
        const image = command.inputImage ? await upload(io, client, command.inputImage, signal) : undefined;
        signal.throwIfAborted();
        const body = image
          ? { kind: 'image-to-video' as const, id: image, ...command.body }
          : { kind: 'text-to-video' as const, ...command.body };
        return createOnce((key) => client.createGeneration(body, key));
      });
    case 'extend':
      return produce(io, client, command.output, () =>
        createOnce((key) => client.extend(command.generationId, command.body, key)),
      );
    case 'chain':
      return produce(io, client, command.output, async (signal) => {
        const imageId = command.image ? await upload(io, client, command.image, signal) : undefined;
        signal.throwIfAborted();
        return createOnce((key) =>
          client.createChain({ ...command.body, ...(imageId ? { imageId } : {}) }, key),
        );
      });
    case 'status':
      return status(io, client, command.generationId, command.output, command.json);
    case 'cancel': {
      const view = await client.cancel(command.generationId);
      if (command.json) io.out(`${JSON.stringify(view, null, 2)}\n`);
      else io.out(`${cancelledText(view)}\n`);
      return 0;
    }
    case 'credits': {
      const balance = await client.balance();
      io.out(
        command.json ? `${JSON.stringify(balance, null, 2)}\n` : `balance: ${balance.balance} credits\n`,
      );
      return 0;
    }
  }
}

/**
 * Sends a charging request with one random Idempotency-Key, and again with the same key when the first try may
 * have reached the service without an answer coming back: the service creates (and charges) at most once.
 */
async function createOnce(
  send: (idempotencyKey: string) => Promise<GenerationView>,
): Promise<GenerationView> {
  const key = randomUUID();
  const waits = [1000, 2000, 4000];
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(key);
    } catch (error) {
      if (attempt >= waits.length || !isRetryableCreateFailure(error)) throw error;
      await sleep(waits[attempt]);
    }
  }
}

async function upload(
  io: ServiceIo,
  client: ServiceClient,
  path: string,
  signal: AbortSignal,
): Promise<string> {
  const image = await client.uploadImage(path, signal);
  io.err(
    `uploaded ${basename(path)} (${image.width}x${image.height} ${image.contentType}, ${formatBytes(image.bytes)})\n`,
  );
  return image.key;
}

/**
 * The common life of `generate`, `extend` and `chain`: start the generation, follow it to its end, download the
 * video, print a summary. Ctrl-C stops following; the generation itself keeps running unless the user asks to
 * cancel it. `start` may be interrupted while uploading, but a create request, once sent, is awaited: its answer
 * is the only way to learn the id of what is being paid for.
 */
async function produce(
  io: ServiceIo,
  client: ServiceClient,
  output: string | undefined,
  start: (signal: AbortSignal) => Promise<GenerationView>,
): Promise<number> {
  const outputPath = output === undefined ? undefined : resolve(output);
  // Before paying for a video, make sure it can be saved.
  await checkWritable(outputPath);
  const interrupt = new AbortController();
  const stopListening = io.onInterrupt?.(() => interrupt.abort(new InterruptedError()));
  const display = new ProgressDisplay({
    err: io.err,
    live: io.stderrIsTTY ?? false,
    columns: () => io.columns?.() ?? 80,
  });
  let created: GenerationView | undefined;
  let finished: GenerationView | undefined;
  try {
    created = await start(interrupt.signal);
    io.err(`generation ${created.id} (${created.model}, ${created.kind}, ${created.duration})\n`);
    display.update(created);
    interrupt.signal.throwIfAborted();
    finished = await followGeneration(created.id, client, {
      ...DEFAULT_FOLLOW_TIMING,
      signal: interrupt.signal,
      sleep,
      onView: (view) => display.update(view),
      onNotice: (message) => display.notice(message),
    });
    display.stop();
    if (finished.status !== 'succeeded') {
      throw new CommandFailedError(describeUnsuccessful(finished).join('\n'));
    }
    // The presigned URL is short-lived: a fresh view has one even if the last event did not carry it.
    if (!finished.videoUrl) finished = await client.getGeneration(finished.id, interrupt.signal);
    if (!finished.videoUrl) {
      throw new CommandFailedError(`generation ${finished.id} succeeded but the service gave no video URL`);
    }
    const path = outputPath ?? resolve(`${finished.id}.mp4`);
    io.err(`downloading${finished.bytes ? ` ${formatBytes(finished.bytes)}` : ''} to ${path}\n`);
    const bytes = await client.download(finished.videoUrl, path, {
      signal: interrupt.signal,
      expectedBytes: finished.bytes,
    });
    const balance = await client.balance().then(
      (answer) => answer.balance,
      () => undefined,
    );
    io.out(formatSummary({ view: finished, path, bytes, balance }));
    return 0;
  } catch (error) {
    display.stop();
    if (!interrupt.signal.aborted) throw error;
    // Ctrl-C: from here on a second Ctrl-C ends the process the usual way.
    stopListening?.();
    return await interrupted(io, client, created, finished, outputPath);
  } finally {
    display.stop();
    stopListening?.();
  }
}

async function interrupted(
  io: ServiceIo,
  client: ServiceClient,
  created: GenerationView | undefined,
  finished: GenerationView | undefined,
  outputPath: string | undefined,
): Promise<number> {
  if (!created) {
    io.err('interrupted: no generation was created, nothing was charged.\n');
    return EXIT_INTERRUPTED;
  }
  const id = created.id;
  if (finished?.status === 'succeeded') {
    io.err(
      `interrupted during the download. The video is ready at the service; download it with\n` +
        `  video-gen status ${id} -o ${outputPath ?? `${id}.mp4`}\n`,
    );
    return EXIT_INTERRUPTED;
  }
  if (io.stdinIsTTY && io.confirm && (await io.confirm(`Cancel generation ${id} at the service? [y/N] `))) {
    try {
      io.err(`${cancelledText(await client.cancel(id))}\n`);
    } catch (error) {
      io.err(
        `could not cancel generation ${id}: ${describeError(error).join('\n')}\n` +
          `  see where it is with: video-gen status ${id}\n`,
      );
    }
    return EXIT_INTERRUPTED;
  }
  io.err(
    `generation ${id} keeps running at the service.\n` +
      `  follow it:   video-gen status ${id}\n` +
      `  download it: video-gen status ${id} -o ${outputPath ?? `${id}.mp4`}\n` +
      `  cancel it:   video-gen cancel ${id}\n`,
  );
  return EXIT_INTERRUPTED;
}

function cancelledText(view: GenerationView): string {
  if (view.status !== 'cancelled') return `generation ${view.id} is ${view.status}`;
  const { reserved, used, refunded } = view.credits;
  return refunded > 0 || reserved === 0
    ? `cancelled generation ${view.id}; ${refunded} credits refunded${used > 0 ? `, ${used} charged for what was delivered` : ''}`
    : `cancelled generation ${view.id}; the refund of its ${reserved} credits shows in \`video-gen status ${view.id}\` once the provider has stopped`;
}

async function status(
  io: ServiceIo,
  client: ServiceClient,
  id: string,
  output: string | undefined,
  json: boolean,
): Promise<number> {
  const view = await client.getGeneration(id);
  io.out(json ? `${JSON.stringify(view, null, 2)}\n` : formatStatus(view));
  if (output === undefined) return 0;
  if (view.status !== 'succeeded' || !view.videoUrl) {
    throw new CommandFailedError(`generation ${id} is ${view.status}: there is no video to download yet`);
  }
  const path = resolve(output);
  await checkWritable(path);
  const bytes = await client.download(view.videoUrl, path, { expectedBytes: view.bytes });
  io.err(`saved ${path} (${formatBytes(bytes)})\n`);
  return 0;
}

/** The video's folder exists and is writable, and the path is not a folder (else: `<id>.mp4` here). */
async function checkWritable(path: string | undefined): Promise<void> {
  const folder = path === undefined ? resolve('.') : dirname(path);
  try {
    if (path !== undefined && (await stat(path).catch(() => undefined))?.isDirectory()) {
      throw new CommandFailedError(`${path} is a folder: give -o a file name, such as ${path}/video.mp4`);
    }
    await access(folder, constants.W_OK);
  } catch (error) {
    if (error instanceof CommandFailedError) throw error;
    const code = (error as { code?: string }).code;
    throw new CommandFailedError(
      `cannot save the video in ${folder}: ${code === 'ENOENT' ? 'no such folder' : code === 'EACCES' ? 'permission denied' : (error as Error).message}. Nothing was started.`,
    );
  }
}
