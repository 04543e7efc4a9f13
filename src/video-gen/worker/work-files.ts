import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStorage } from '../../storage/object-storage.js';

/** Copies a stored object to a local work file. */
export async function download(storage: ObjectStorage, key: string, file: string): Promise<void> {
  const { body } = await storage.get(key);
  await pipeline(body as Readable, createWriteStream(file));
}
