import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

describe(`health and docs (${databaseBackend})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reports liveness', async () => {
    const res = await request(t.http).get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('reports readiness with the database and storage checked', async () => {
    const res = await request(t.http).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details).toEqual({ database: { status: 'up' }, storage: { status: 'up' } });
  });

  it('serves the OpenAPI document and UI', async () => {
    const json = await request(t.http).get('/docs-json').expect(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(Object.keys(json.body.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    const ui = await request(t.http).get('/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('answers unknown routes with the standard NestJS error body', async () => {
    const res = await request(t.http).get('/no/such/route').expect(404);
    expect(res.body).toEqual({ statusCode: 404, message: 'Cannot GET /no/such/route', error: 'Not Found' });
  });

  it('answers a malformed JSON body with 400, not 500', async () => {
    const res = await request(t.http)
      .post('/health/live')
      .set('Content-Type', 'application/json')
      .send('{"broken":');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('gives every response a request id, honouring the caller’s', async () => {
    const own = await request(t.http).get('/health/live').expect(200);
    expect(own.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await request(t.http).get('/health/live').set('X-Request-Id', 'abc-123').expect(200);
    expect(given.headers['x-request-id']).toBe('abc-123');
  });
});
