import { stat } from 'node:fs/promises';
import { Controller, Get, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AuthModule } from '../src/auth/auth.module.js';
import { Public } from '../src/auth/public.decorator.js';
import { Roles } from '../src/auth/roles.decorator.js';
import { runTokenCommand } from '../src/auth/token-command.js';
import { AllExceptionsFilter } from '../src/common/all-exceptions.filter.js';
import { loadConfig } from '../src/config/app-config.js';
import { ConfigModule } from '../src/config/config.module.js';
import { bearerFor } from './support/auth.js';
import { createTestContext, startTestApp, TestApp, TestContext } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

describe(`rate limiting (${databaseBackend})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ THROTTLE_LIMIT: '3', THROTTLE_TTL_MS: '60000' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After once a user exceeds the limit, across all routes', async () => {
    const alice = await bearerFor(t, 'alice');
    await request(t.http).get('/auth/me').set('Authorization', alice).expect(200);
    await request(t.http).get('/auth/me').set('Authorization', alice).expect(200);
    await request(t.http)
      .post('/uploads/images/presign')
      .set('Authorization', alice)
      .send({ contentType: 'image/png', bytes: 10 })
      .expect(201);
    const res = await request(t.http).get('/auth/me').set('Authorization', alice).expect(429);
    expect(res.body).toEqual({
      statusCode: 429,
      message: expect.stringMatching(/^Too many requests: the limit is 3 per 60 s; retry after \d+ s$/),
      error: 'Too Many Requests',
    });
    const retryAfter = Number(res.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('counts each user separately', async () => {
    await request(t.http)
      .get('/auth/me')
      .set('Authorization', await bearerFor(t, 'bob'))
      .expect(200);
  });

  it('limits unauthenticated and refused calls per client IP', async () => {
    for (let i = 0; i < 3; i++)
      await request(t.http).get('/auth/me').set('Authorization', 'Bearer nope').expect(401);
    const res = await request(t.http).get('/auth/me').expect(429);
    expect(res.headers['retry-after']).toBeDefined();
    // A user's own budget is not the IP's.
    await request(t.http)
      .get('/auth/me')
      .set('Authorization', await bearerFor(t, 'carol'))
      .expect(200);
  });

  it('does not limit health checks', async () => {
    for (let i = 0; i < 6; i++) await request(t.http).get('/health/live').expect(200);
  });
});

@Controller('probe')
class ProbeController {
  @Get('anyone')
  @Public()
  anyone() {
    return { ok: true };
  }

  @Get('user')
  user() {
    return { ok: true };
  }

  @Post('admin')
  @Roles('admin')
  admin() {
    return { ok: true };
  }
}

describe('roles guard and @Public (on a probe controller)', () => {
  let context: TestContext;
  let app: INestApplication;

  beforeAll(async () => {
    context = await createTestContext();
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(context.config), AuthModule],
      controllers: [ProbeController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    await context.cleanup();
  });

  it('lets anyone call a @Public route, with or without a token', async () => {
    await request(app.getHttpServer()).get('/probe/anyone').expect(200);
    await request(app.getHttpServer())
      .get('/probe/anyone')
      .set('Authorization', 'Bearer rubbish')
      .expect(200);
  });

  it('requires a token everywhere else', async () => {
    await request(app.getHttpServer()).get('/probe/user').expect(401);
    await request(app.getHttpServer())
      .get('/probe/user')
      .set('Authorization', await bearerFor(context, 'alice'))
      .expect(200);
  });

  it('answers 403 in the standard body to a caller without the role', async () => {
    const res = await request(app.getHttpServer())
      .post('/probe/admin')
      .set('Authorization', await bearerFor(context, 'alice', { roles: ['editor'] }))
      .expect(403);
    expect(res.body).toEqual({
      statusCode: 403,
      message: 'This action requires the role admin',
      error: 'Forbidden',
    });
  });

  it('lets a caller with the role through', async () => {
    await request(app.getHttpServer())
      .post('/probe/admin')
      .set('Authorization', await bearerFor(context, 'root', { roles: ['user', 'admin'] }))
      .expect(201);
  });
});

describe(`zero-config tokens and npm run token (${databaseBackend})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('keeps a generated secret in DATA_DIR, readable by the owner only', async () => {
    expect(t.config.auth.devSecretFile).toBe(`${t.dataDir}/jwt-secret`);
    const info = await stat(t.config.auth.devSecretFile!);
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('prints a token the running service accepts', async () => {
    const result = await runTokenCommand(['--sub', 'alice', '--role', 'admin', '--ttl', '30m'], () =>
      loadConfig(t.env),
    );
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const res = await request(t.http)
      .get('/auth/me')
      .set('Authorization', `Bearer ${result.output}`)
      .expect(200);
    expect(res.body).toEqual({ id: 'alice', roles: ['admin'] });
  });

  it('refuses bad arguments with usage', async () => {
    for (const argv of [[], ['--sub', 'a/b'], ['--sub', 'alice', '--ttl', 'forever'], ['--nope']]) {
      const result = await runTokenCommand(argv, () => loadConfig(t.env));
      expect(result.exitCode).toBe(2);
      expect(result.error).toContain('usage: npm run -s token');
    }
  });

  it('issues nothing when tokens come from an identity provider', async () => {
    const result = await runTokenCommand(['--sub', 'alice'], () =>
      loadConfig({ ...t.env, JWT_JWKS_URL: 'https://login.example.test/jwks.json' }),
    );
    expect(result).toMatchObject({ exitCode: 1, error: expect.stringContaining('identity provider') });
  });

  it('has no generated secret in production', () => {
    const production = loadConfig({
      NODE_ENV: 'production',
      DATA_DIR: t.dataDir,
      DATABASE_URL: 'postgresql://db.example/app',
      S3_BUCKET: 'bucket',
      JWT_SECRET: 'x'.repeat(40),
    });
    expect(production.auth.devSecretFile).toBeUndefined();
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgresql://db.example/app',
        S3_BUCKET: 'bucket',
      }),
    ).toThrow('JWT_SECRET or JWT_JWKS_URL is required when NODE_ENV=production');
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgresql://db.example/app',
        S3_BUCKET: 'bucket',
        JWT_SECRET: 'short',
      }),
    ).toThrow('JWT_SECRET must be at least 32 characters');
  });
});

describe(`HTTP defences (${databaseBackend})`, () => {
  let open: TestApp;
  let restricted: TestApp;

  beforeAll(async () => {
    open = await startTestApp();
    restricted = await startTestApp({ CORS_ORIGINS: 'https://app.example.test, https://admin.example.test' });
  });
  afterAll(async () => {
    await open.close();
    await restricted.close();
  });

  const preflight = (t: TestApp, origin: string) =>
    request(t.http)
      .options('/uploads/images/presign')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');

  it('allows any origin in development when CORS_ORIGINS is unset', async () => {
    const res = await preflight(open, 'http://localhost:5173').expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
  });

  it('allows only the listed origins when CORS_ORIGINS is set', async () => {
    const allowed = await preflight(restricted, 'https://admin.example.test').expect(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example.test');
    const refused = await preflight(restricted, 'https://evil.example');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows no cross-origin calls in production without CORS_ORIGINS', () => {
    const production = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://db.example/app',
      S3_BUCKET: 'bucket',
      JWT_SECRET: 'x'.repeat(40),
    });
    expect(production.security.corsOrigins).toEqual([]);
  });

  it('sends helmet’s security headers', async () => {
    const res = await request(open.http).get('/health/live').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('refuses a JSON body over BODY_LIMIT_BYTES with 413', async () => {
    const res = await request(open.http)
      .post('/uploads/images/presign')
      .set('Authorization', await bearerFor(open, 'alice'))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ contentType: 'image/png', bytes: 1, padding: 'x'.repeat(1_100_000) }))
      .expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
  });
});
