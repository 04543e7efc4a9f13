import request from 'supertest';
import { bearerFor, tokenFor } from './support/auth.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

describe(`auth core: zero-config tokens, public routes, roles (${databaseBackend})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('accepts a token from tokenFor and exposes the caller', async () => {
    const res = await request(t.http)
      .get('/auth/me')
      .set('Authorization', await bearerFor(t, 'alice', { roles: ['admin'] }))
      .expect(200);
    expect(res.body).toEqual({ id: 'alice', roles: ['admin'] });
  });

  it('refuses a protected route without a token, in the standard body', async () => {
    const res = await request(t.http).get('/auth/me').expect(401);
    expect(res.body).toEqual({
      statusCode: 401,
      message: 'Missing bearer token: send Authorization: Bearer <JWT>',
      error: 'Unauthorized',
    });
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  it('keeps health and docs public', async () => {
    await request(t.http).get('/health/live').expect(200);
    await request(t.http).get('/health/ready').expect(200);
    await request(t.http).get('/docs-json').expect(200);
    await request(t.http).get('/docs').expect(200);
  });

  it('accepts tokenFor given the config alone', async () => {
    const token = await tokenFor(t.config, 'bob');
    const res = await request(t.http).get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toEqual({ id: 'bob', roles: [] });
  });
});
