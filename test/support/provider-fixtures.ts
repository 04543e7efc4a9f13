import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { AppConfig } from '../../src/config/app-config.js';
import { MediaService } from '../../src/media/index.js';
import { DEFAULT_MODELS } from '../../src/providers/model-catalog.defaults.js';
import type { ModelEntry } from '../../src/providers/model-catalog.types.js';
import type {
  GenerationInput,
  PollResult,
  ProviderRef,
  SourceImage,
  VideoProvider,
} from '../../src/providers/video-provider.js';
import { placeholderPng } from '../../src/simulators/placeholder-image.js';

/** A MediaService outside Nest, as the CLI uses it. */
export function testMediaService(): MediaService {
  return new MediaService({ media: { timeoutMs: 120_000 } } as Pick<AppConfig, 'media'>);
}

export function model(name: string, overrides: Partial<ModelEntry> = {}): ModelEntry {
  const entry = DEFAULT_MODELS.find((m) => m.name === name);
  if (!entry) throw new Error(`no default model ${name}`);
  return { ...structuredClone(entry), ...overrides };
}

export function pngImage(width: number, height: number, text = 'source'): SourceImage {
  return { bytes: placeholderPng(width, height, text), contentType: 'image/png', width, height };
}

export function input(entry: ModelEntry, overrides: Partial<GenerationInput> = {}): GenerationInput {
  return {
    model: entry,
    prompt: 'A lighthouse at dusk, waves rolling in',
    image: pngImage(64, 36),
    durationSeconds: entry.segmentDurations[0],
    ...overrides,
  };
}

/**
 * Polls until a terminal state, returning every result seen. Simulated jobs finish when their ffmpeg render
 * does, which takes longer on a busy machine, so the bound is generous: it only stops a bug from hanging.
 */
export async function pollUntilDone(
  provider: VideoProvider,
  ref: ProviderRef,
  timeoutMs = 120_000,
): Promise<PollResult[]> {
  const seen: PollResult[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await provider.poll(ref);
    seen.push(result);
    if (['succeeded', 'failed', 'cancelled'].includes(result.state)) return seen;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not done after ${timeoutMs} ms: ${JSON.stringify(seen.at(-1))}`);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Writes bytes to a temp file, runs `work` on its path, then removes it. */
export async function withTempFile<T>(
  bytes: Buffer,
  name: string,
  work: (path: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'vg-prov-'));
  try {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return await work(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** A loopback URL where nothing listens (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
