import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { signAccessToken } from '../../src/auth/token-signer.js';
import type { FaultRule } from './simulator-controls.js';
import type { Deployment } from './reliability.js';
import { waitFor } from './wait-for.js';

/** A user of a reliability deployment: a token and an uploaded image. */
export interface LoadUser {
  authorization: string;
  image: string;
}

export async function newUser(deployment: Deployment, name = `user-${randomUUID()}`): Promise<LoadUser> {
  const authorization = `Bearer ${await signAccessToken(deployment.jwtSecret, { sub: name })}`;
  const upload = await request(deployment.http)
    .post('/uploads/images')
    .set('Authorization', authorization)
    .attach('file', await readFile('test/fixtures/images/photo-320x180.png'), 'photo.png')
    .expect(201);
  return { authorization, image: upload.body.key };
}

/** Creates a veo3 image-to-video (fal) or sora-2 text-to-video (Azure) generation with a unique prompt. */
export async function createGeneration(
  deployment: Deployment,
  user: LoadUser,
  provider: 'fal' | 'azure',
  label = 'load',
  idempotencyKey?: string,
): Promise<{ status: number; id?: string; body: unknown }> {
  const prompt = `${label} ${idempotencyKey ?? randomUUID()}`;
  const body =
    provider === 'fal'
      ? { kind: 'image-to-video', id: user.image, prompt }
      : { kind: 'text-to-video', model: 'sora-2', prompt, duration: '8s' };
  const post = request(deployment.http)
    .post('/video-gen/generations')
    .set('Authorization', user.authorization);
  if (idempotencyKey) post.set('Idempotency-Key', idempotencyKey);
  const res = await post.send(body);
  return { status: res.status, id: res.status === 202 ? res.body.id : undefined, body: res.body };
}

export async function waitForAllSettled(deployment: Deployment, timeoutMs = 180_000): Promise<void> {
  await waitFor(
    async () =>
      (await deployment.prisma.generation.count({ where: { status: { in: ['QUEUED', 'RUNNING'] } } })) === 0,
    { timeoutMs, intervalMs: 500, what: 'every generation to reach a terminal state' },
  );
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

/** Every fault the simulators can inject, on the operations where it means something. */
export function randomProviderFault(provider: 'fal' | 'azure'): FaultRule {
  const on = pick(
    provider === 'fal'
      ? (['submit', 'status', 'result', 'content', 'upload', 'cancel'] as const)
      : (['submit', 'status', 'content', 'list', 'cancel'] as const),
  );
  const common = [
    { kind: 'rate-limit', retryAfterSeconds: 1 },
    { kind: 'server-error', status: pick([500, 502, 503, 504]) },
    { kind: 'hang' },
    { kind: 'malformed-json' },
    { kind: 'latency', ms: 200 + Math.floor(Math.random() * 1500) },
  ] as const;
  const byOperation: Record<string, readonly FaultRule['fault'][]> = {
    submit: [...common, { kind: 'moderation' }, { kind: 'generation-failure' }],
    status: [...common, { kind: 'not-found' }],
    result: [...common, { kind: 'not-found' }],
    content: [
      { kind: 'not-found' },
      { kind: 'truncated' },
      { kind: 'non-video' },
      { kind: 'server-error', status: 503 },
      { kind: 'hang' },
      { kind: 'latency', ms: 500 },
    ],
    list: common,
    upload: common,
    cancel: common,
  };
  return { on, fault: pick(byOperation[on]), times: 1 + Math.floor(Math.random() * 2) };
}
