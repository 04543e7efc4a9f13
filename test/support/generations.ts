import { readFile } from 'node:fs/promises';
import request from 'supertest';
import type { Environment } from '../../src/config/environment.js';
import { bearerFor } from './auth.js';
import type { TestApp } from './test-app.js';

/** Simulated providers, with queues, renders and polling short enough for specs. */
export const FAST_SIMULATED: Environment = {
  PROVIDERS_MODE: 'simulated',
  SIMULATOR_QUEUE_MS: '50',
  SIMULATOR_RUN_MS: '150',
  PROVIDER_POLL_INTERVAL_MS: '100',
  PROVIDER_POLL_MAX_INTERVAL_MS: '200',
};

export const fixture = (name: string) => readFile(new URL(`../fixtures/images/${name}`, import.meta.url));

export async function authHeader(t: TestApp, user: string): Promise<{ Authorization: string }> {
  return { Authorization: await bearerFor(t, user) };
}

/** Uploads a fixture image as `user` and returns its key (the seed's `id`). */
export async function uploadImage(t: TestApp, user: string, name = 'photo-320x180.png'): Promise<string> {
  const res = await request(t.http)
    .post('/uploads/images')
    .set(await authHeader(t, user))
    .attach('file', await fixture(name), name)
    .expect(201);
  return res.body.key;
}

export interface GenerationBody {
  id: string;
  status: string;
  kind: string;
  errorCode?: string;
  error?: string;
  durationSeconds?: number;
  parentId?: string;
  segments: Array<{ index: number; status: string; durationSeconds: number }>;
  credits: { reserved: number; used: number; refunded: number };
}

export const isTerminal = (g: { status: string }) => ['succeeded', 'failed', 'cancelled'].includes(g.status);

/** Reads GET /video-gen/generations/:id until `done` (default: a terminal state). */
export async function waitForGeneration(
  t: TestApp,
  user: string,
  id: string,
  done: (g: GenerationBody) => boolean = isTerminal,
): Promise<GenerationBody> {
  for (let i = 0; i < 1200; i++) {
    const res = await request(t.http)
      .get(`/video-gen/generations/${id}`)
      .set(await authHeader(t, user))
      .expect(200);
    if (done(res.body)) return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`generation ${id} did not get there in 2 minutes`);
}
