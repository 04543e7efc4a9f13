import request from 'supertest';
import { EmbeddedS3Server } from '../src/storage/embedded-s3.server.js';
import { ObjectStorage } from '../src/storage/object-storage.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

/** The page's server side: served at /, its CSP and caching, the development sign-in, and bucket CORS. */
describe(`the browser page's server side (${databaseBackend})`, () => {
  let t: TestApp;
  let bucket: string;

  beforeAll(async () => {
    t = await startTestApp();
    bucket = t.app.get(EmbeddedS3Server).endpoint;
  });
  afterAll(() => t.close());

  describe('GET /', () => {
    it('serves the page without a token, revalidated on every visit, offering the development sign-in', async () => {
      const res = await request(t.http).get('/').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text).toContain('data-dev-signin="true"');
      expect(res.text).toContain('data-testid="generate-button"');
    });

    it('has a CSP allowing its own scripts and the bucket for images, video and uploads, nothing else', async () => {
      const res = await request(t.http).get('/').expect(200);
      const csp = Object.fromEntries(
        String(res.headers['content-security-policy'])
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .map(([name, ...values]) => [name, values]),
      );
      expect(csp['script-src']).toEqual(["'self'"]);
      expect(csp['default-src']).toEqual(["'self'"]);
      for (const directive of ['img-src', 'media-src', 'connect-src']) {
        expect(csp[directive]).toContain(bucket);
        expect(csp[directive]).toContain("'self'");
      }
      expect(csp['connect-src']).toHaveLength(2);
    });
  });

  describe('GET /assets/:name', () => {
    it('caches a versioned asset for good and revalidates an unversioned one by ETag', async () => {
      const page = await request(t.http).get('/').expect(200);
      const href = /href="(\/assets\/app\.css\?v=[0-9a-f]{16})"/.exec(page.text)?.[1];
      expect(href).toBeDefined();
      const versioned = await request(t.http).get(href!).expect(200);
      expect(versioned.headers['content-type']).toMatch(/^text\/css/);
      expect(versioned.headers['cache-control']).toBe('public, max-age=31536000, immutable');

      const plain = await request(t.http).get('/assets/app.css').expect(200);
      expect(plain.headers['cache-control']).toBe('no-cache');
      await request(t.http).get('/assets/app.css').set('If-None-Match', plain.headers.etag).expect(304);
    });

    it('answers 404 for anything that is not one of the page’s files', async () => {
      const res = await request(t.http).get('/assets/web.module.js').expect(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      await request(t.http).get('/assets/..%2F..%2Fmain.js').expect(404);
    });
  });

  describe('POST /auth/dev-token', () => {
    it('mints a short-lived token the API accepts', async () => {
      const before = Date.now();
      const res = await request(t.http).post('/auth/dev-token').send({ sub: 'dora' }).expect(200);
      const expiresAt = Date.parse(res.body.expiresAt);
      expect(expiresAt - before).toBeGreaterThan(29 * 60_000);
      expect(expiresAt - before).toBeLessThanOrEqual(30 * 60_000 + 1000);
      const me = await request(t.http)
        .get('/auth/me')
        .set('Authorization', `Bearer ${res.body.token}`)
        .expect(200);
      expect(me.body).toEqual({ id: 'dora', roles: [] });
    });

    it('refuses a user name that could not be a user id', async () => {
      for (const body of [{}, { sub: '' }, { sub: '../admin' }, { sub: 42 }]) {
        const res = await request(t.http).post('/auth/dev-token').send(body).expect(400);
        expect(res.body.message).toMatch(/^sub must be a user name/);
      }
    });
  });

  describe('the embedded bucket’s CORS', () => {
    const origin = 'http://localhost:3000';

    async function presignedPut(bytes: number) {
      const token = (await request(t.http).post('/auth/dev-token').send({ sub: 'cora' }).expect(200)).body
        .token;
      return (
        await request(t.http)
          .post('/uploads/images/presign')
          .set('Authorization', `Bearer ${token}`)
          .send({ contentType: 'image/png', bytes })
          .expect(201)
      ).body as { url: string; key: string };
    }

    it('answers a browser’s preflight for a presigned PUT', async () => {
      const { url } = await presignedPut(10);
      const res = await fetch(url, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'PUT',
          'Access-Control-Request-Headers': 'content-type',
        },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toContain('PUT');
      expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
    });

    it('refuses a preflight for a method the rule does not allow', async () => {
      const { url } = await presignedPut(10);
      const res = await fetch(url, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'DELETE' },
      });
      expect(res.status).toBe(403);
    });

    it('lets the browser read a ranged GET of a presigned object', async () => {
      const { url, key } = await presignedPut(10);
      const put = await fetch(url, {
        method: 'PUT',
        headers: { Origin: origin, 'Content-Type': 'image/png' },
        body: Buffer.from('0123456789'),
      });
      expect(put.status).toBe(200);
      expect(put.headers.get('access-control-allow-origin')).toBe('*');
      const get = await fetch(await t.app.get(ObjectStorage).presignGet(key), {
        headers: { Origin: origin, Range: 'bytes=2-5' },
      });
      expect(get.status).toBe(206);
      expect(await get.text()).toBe('2345');
      expect(get.headers.get('access-control-allow-origin')).toBe('*');
      expect(get.headers.get('access-control-expose-headers')).toContain('Content-Range');
    });
  });
});
