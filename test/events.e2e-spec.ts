import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { PrismaService } from '../src/database/prisma.service.js';
import { authHeader, FAST_SIMULATED, waitForGeneration } from './support/generations.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { openSse, type SseConnection } from './support/sse-client.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

/** A webhook receiver on loopback: refuses the first `refuse` attempts with 503, then verifies and answers 204. */
async function startReceiver(refuse: number) {
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const verified: Array<{ type: string; data: Record<string, unknown> }> = [];
  let secret = '';
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (received.length <= refuse) {
        res.writeHead(503).end();
        return;
      }
      try {
        verified.push(new Webhook(secret).verify(body, req.headers as Record<string, string>) as never);
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/video`,
    received,
    verified,
    setSecret: (value: string) => (secret = value),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe(`generation events, SSE, stream tokens and webhooks (${databaseBackend})`, () => {
  let t: TestApp;
  let prisma: PrismaService;
  let baseUrl: string;
  const open: SseConnection[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      ...FAST_SIMULATED,
      WEBHOOK_RETRY_BASE_MS: '100',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      SSE_MAX_STREAMS_PER_USER: '2',
      SSE_HEARTBEAT_MS: '200',
    });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    prisma = t.app.get(PrismaService);
  });
  afterEach(() => {
    for (const stream of open.splice(0)) stream.close();
  });
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
  });

  const auth = (user: string) => authHeader(t, user);
  async function sse(path: string, headers: Record<string, string> = {}): Promise<SseConnection> {
    const stream = await openSse(baseUrl, path, headers);
    open.push(stream);
    return stream;
  }
  async function createTextToVideo(user: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await request(t.http)
      .post('/video-gen/generations')
      .set(await auth(user))
      .send({
        kind: 'text-to-video',
        model: 'sora-2',
        prompt: 'A bird over a forest',
        duration: '8s',
        ...extra,
      })
      .expect(202);
    return res.body.id;
  }
  /** A generation that stays queued (no job): streams on it stay open. */
  async function idleGeneration(user: string): Promise<string> {
    const generation = await prisma.generation.create({
      data: {
        userId: user,
        kind: 'TEXT_TO_VIDEO',
        model: 'sora-2',
        prompt: 'idle',
        params: { duration: '8s' },
      },
    });
    return generation.id;
  }
  const dataOf = (stream: SseConnection) =>
    stream.events
      .filter((e) => e.event === 'status')
      .map((e) => ({
        ...(JSON.parse(e.data) as { type: string; seq: number; status: string }),
        eventId: e.lastEventId,
      }));

  it('records every change as an event with increasing ids, and replays exactly those after Last-Event-ID', async () => {
    const user = 'resume-user';
    const id = await createTextToVideo(user);
    const first = await sse(`/video-gen/generations/${id}/events`, await auth(user));
    expect(first.status).toBe(200);
    await waitFor(() => first.events.length > 0, { what: 'the first event' });
    first.close();
    const [firstEvent] = dataOf(first);
    expect(firstEvent).toMatchObject({ eventId: '1', seq: 1, type: 'queued', status: 'queued' });
    expect(first.text()).toMatch(/^retry: \d+\n\n/);

    await waitForGeneration(t, user, id);
    const resumed = await sse(`/video-gen/generations/${id}/events`, {
      ...(await auth(user)),
      'Last-Event-ID': firstEvent!.eventId,
    });
    await resumed.ended;
    const full = await sse(`/video-gen/generations/${id}/events`, await auth(user));
    await full.ended;

    const all = dataOf(full);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.map((e) => e.type)).toEqual(
      expect.arrayContaining(['queued', 'running', 'segment', 'succeeded']),
    );
    expect(all.at(-1)).toMatchObject({
      type: 'succeeded',
      status: 'succeeded',
      videoUrl: expect.any(String),
    });
    // None missed, none repeated: the first event plus the resumed ones are the whole history.
    expect([firstEvent, ...dataOf(resumed)].map((e) => e!.eventId)).toEqual(all.map((e) => e.eventId));
    expect(resumed.events.at(-1)?.event).toBe('end');

    // The query form (for clients that cannot set headers) resumes the same way; past the end, only `end`.
    const byQuery = await sse(
      `/video-gen/generations/${id}/events?lastEventId=${all.length - 1}`,
      await auth(user),
    );
    await byQuery.ended;
    expect(dataOf(byQuery).map((e) => e.seq)).toEqual([all.length]);
    const pastEnd = await sse(`/video-gen/generations/${id}/events`, {
      ...(await auth(user)),
      'Last-Event-ID': String(all.length),
    });
    await pastEnd.ended;
    expect(pastEnd.events.map((e) => e.event)).toEqual(['end']);

    for (const lastEventId of ['abc', '-1', String(all.length + 1)]) {
      const bad = await sse(
        `/video-gen/generations/${id}/events?lastEventId=${lastEventId}`,
        await auth(user),
      );
      await bad.ended;
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.text())).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
  });

  it('opens a stream with a stream token and no Authorization header, for that generation only', async () => {
    const user = 'browser-user';
    const id = await createTextToVideo(user);
    const other = await idleGeneration(user);
    const issued = await request(t.http)
      .post(`/video-gen/generations/${id}/stream-token`)
      .set(await auth(user))
      .expect(201);
    expect(issued.body).toEqual({ token: expect.stringMatching(/^vgst_/), expiresAt: expect.any(String) });
    const lifetime = new Date(issued.body.expiresAt).getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(0);
    expect(lifetime).toBeLessThanOrEqual(5 * 60_000);
    const token = encodeURIComponent(issued.body.token);

    const stream = await sse(`/video-gen/generations/${id}/events?access_token=${token}`);
    expect(stream.status).toBe(200);
    await stream.ended;
    expect(dataOf(stream).at(-1)).toMatchObject({ status: 'succeeded' });

    // Not for another generation, not as a Bearer token, not as ?access_token= anywhere else.
    const elsewhere = await sse(`/video-gen/generations/${other}/events?access_token=${token}`);
    await elsewhere.ended;
    expect(elsewhere.status).toBe(401);
    await request(t.http).get(`/video-gen/generations/${id}?access_token=${token}`).expect(401);
    await request(t.http)
      .get(`/video-gen/generations/${id}`)
      .set('Authorization', `Bearer ${issued.body.token}`)
      .expect(401);
    const asBearer = await sse(`/video-gen/generations/${id}/events`, {
      Authorization: `Bearer ${issued.body.token}`,
    });
    await asBearer.ended;
    expect(asBearer.status).toBe(401);
    const anonymous = await sse(`/video-gen/generations/${id}/events`);
    await anonymous.ended;
    expect(anonymous.status).toBe(401);
    // Only the owner can have one.
    await request(t.http)
      .post(`/video-gen/generations/${id}/stream-token`)
      .set(await auth('someone-else'))
      .expect(404);
  });

  it('caps concurrent streams per user with 429 and Retry-After, and keeps idle streams alive with heartbeats', async () => {
    const user = 'many-streams';
    const id = await idleGeneration(user);
    const headers = await auth(user);
    const a = await sse(`/video-gen/generations/${id}/events`, headers);
    const b = await sse(`/video-gen/generations/${id}/events`, headers);
    expect([a.status, b.status]).toEqual([200, 200]);
    const third = await sse(`/video-gen/generations/${id}/events`, headers);
    await third.ended;
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(third.text())).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    // Another user is not affected.
    const otherUser = 'few-streams';
    const theirs = await sse(
      `/video-gen/generations/${await idleGeneration(otherUser)}/events`,
      await auth(otherUser),
    );
    expect(theirs.status).toBe(200);
    await waitFor(() => a.text().includes(': keep-alive'), { what: 'a heartbeat' });
    // Closing a stream frees its place.
    a.close();
    await waitFor(
      async () => {
        const again = await sse(`/video-gen/generations/${id}/events`, headers);
        if (again.status === 200) return true;
        await again.ended;
        return false;
      },
      { what: 'a freed stream place' },
    );
  });

  it('delivers a signed generation.succeeded webhook, retrying with the same webhook-id, and logs every attempt', async () => {
    const user = 'webhook-user';
    const receiver = await startReceiver(2);
    try {
      const secret = await request(t.http)
        .get('/webhooks/secret')
        .set(await auth(user))
        .expect(200);
      expect(secret.body.secret).toMatch(/^whsec_/);
      receiver.setSecret(secret.body.secret);
      const id = await createTextToVideo(user, { webhookUrl: receiver.url });
      await waitFor(() => receiver.verified.length > 0, { timeoutMs: 60_000, what: 'a verified webhook' });

      expect(receiver.verified[0]).toMatchObject({
        type: 'generation.succeeded',
        data: { id, status: 'succeeded', type: 'succeeded', videoUrl: expect.any(String) },
      });
      expect(receiver.received).toHaveLength(3);
      expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);

      const deliveries = await waitFor(async () => {
        const res = await request(t.http)
          .get(`/video-gen/generations/${id}/deliveries`)
          .set(await auth(user))
          .expect(200);
        return res.body[0]?.status === 'delivered' ? res.body : undefined;
      });
      expect(deliveries).toEqual([
        expect.objectContaining({
          id: receiver.received[0]!.headers['webhook-id'],
          type: 'generation.succeeded',
          status: 'delivered',
          attempts: [
            expect.objectContaining({ statusCode: 503, error: 'HTTP 503', attemptedAt: expect.any(String) }),
            expect.objectContaining({ statusCode: 503 }),
            expect.objectContaining({ statusCode: 204 }),
          ],
        }),
      ]);
      await request(t.http)
        .get(`/video-gen/generations/${id}/deliveries`)
        .set(await auth('someone-else'))
        .expect(404);
      await request(t.http)
        .post(`/webhooks/deliveries/${deliveries[0].id}/redeliver`)
        .set(await auth('someone-else'))
        .expect(404);

      // After a rotation both secrets verify (two signatures) until the old one expires.
      const rotated = await request(t.http)
        .post('/webhooks/secret/rotate')
        .set(await auth(user))
        .expect(200);
      expect(rotated.body.secret).not.toBe(secret.body.secret);
      const again = await request(t.http)
        .post(`/webhooks/deliveries/${deliveries[0].id}/redeliver`)
        .set(await auth(user))
        .expect(200);
      expect(again.body.attempts).toHaveLength(4);
      const last = receiver.received.at(-1)!;
      expect(last.headers['webhook-id']).toBe(deliveries[0].id);
      expect(String(last.headers['webhook-signature']).split(' ')).toHaveLength(2);
      for (const key of [secret.body.secret, rotated.body.secret]) {
        expect(() =>
          new Webhook(key).verify(last.body, last.headers as Record<string, string>),
        ).not.toThrow();
      }
    } finally {
      await receiver.close();
    }
  });

  it('sends opt-in segment events only to those who asked', async () => {
    const user = 'segment-user';
    const receiver = await startReceiver(0);
    try {
      receiver.setSecret(
        (
          await request(t.http)
            .get('/webhooks/secret')
            .set(await auth(user))
        ).body.secret,
      );
      await createTextToVideo(user, {
        webhookUrl: receiver.url,
        webhookEvents: ['generation.segment', 'generation.succeeded'],
      });
      await waitFor(() => receiver.verified.some((v) => v.type === 'generation.succeeded'), {
        timeoutMs: 60_000,
        what: 'the succeeded webhook',
      });
      expect(receiver.verified.map((v) => v.type).sort()).toEqual([
        'generation.segment',
        'generation.succeeded',
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('documents the event payload, the webhook body and every new endpoint in OpenAPI', async () => {
    const doc = (await request(t.http).get('/docs-json').expect(200)).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/video-gen/generations/{id}/events',
        '/video-gen/generations/{id}/stream-token',
        '/video-gen/generations/{id}/deliveries',
        '/webhooks/secret',
        '/webhooks/secret/rotate',
        '/webhooks/deliveries/{id}/redeliver',
      ]),
    );
    expect(doc.components.schemas.GenerationEventView.properties).toMatchObject({
      type: expect.any(Object),
      seq: expect.any(Object),
      status: expect.any(Object),
    });
    expect(doc.components.schemas.WebhookPayloadView.properties).toMatchObject({
      type: expect.any(Object),
      timestamp: expect.any(Object),
      data: expect.any(Object),
    });
    expect(doc.components.schemas.CreateGenerationDto.properties).toMatchObject({
      webhookUrl: expect.any(Object),
      webhookEvents: expect.any(Object),
    });
  });

  it('refuses bad webhook input with 400 before anything is charged', async () => {
    const user = 'bad-webhook';
    const before = await request(t.http)
      .get('/credits/balance')
      .set(await auth(user))
      .expect(200);
    for (const extra of [
      { webhookUrl: 'not a url' },
      { webhookUrl: 'ftp://example.com/hook' },
      { webhookUrl: 'https://user:pw@example.com/hook' },
      { webhookUrl: `https://example.com/${'x'.repeat(2100)}` },
      { webhookUrl: 'https://example.com/hook', webhookEvents: ['generation.nope'] },
      { webhookEvents: ['generation.succeeded'] },
      { webhookUrl: 42 },
    ]) {
      const res = await request(t.http)
        .post('/video-gen/generations')
        .set(await auth(user))
        .send({ kind: 'text-to-video', model: 'sora-2', prompt: 'p', duration: '8s', ...extra })
        .expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    const chain = await request(t.http)
      .post('/video-gen/chains')
      .set(await auth(user))
      .send({ prompt: 'p', totalDuration: 8, webhookUrl: 'gopher://x' })
      .expect(400);
    expect(JSON.stringify(chain.body.message)).toContain('webhookUrl');
    const after = await request(t.http)
      .get('/credits/balance')
      .set(await auth(user))
      .expect(200);
    expect(after.body.balance).toBe(before.body.balance);
    expect(await prisma.generation.count({ where: { userId: user } })).toBe(0);
  });
});

describe(`webhook URLs in production mode (${databaseBackend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...FAST_SIMULATED, WEBHOOKS_ALLOW_PRIVATE: 'false' });
  });
  afterAll(async () => t.close());

  it('refuses http, loopback, private and metadata targets with 400, charging nothing', async () => {
    const user = 'prod-webhook';
    for (const webhookUrl of [
      'http://example.com/hook',
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook',
      'https://10.0.0.8/hook',
    ]) {
      const res = await request(t.http)
        .post('/video-gen/generations')
        .set(await authHeader(t, user))
        .send({ kind: 'text-to-video', model: 'sora-2', prompt: 'p', duration: '8s', webhookUrl })
        .expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(/https URL|private, loopback/);
    }
    expect(await t.app.get(PrismaService).generation.count({ where: { userId: user } })).toBe(0);
  });
});
