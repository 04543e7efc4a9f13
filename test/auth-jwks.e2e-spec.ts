import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

const ISSUER = 'https://login.example.test/';
const AUDIENCE = 'api://video-gen';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** A stand-in identity provider: a loopback HTTP server publishing a generated key set. */
async function startKeySetServer(
  keys: JWK[],
): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    count++;
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    requests: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function publicJwk(pair: KeyPair, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
}

describe(`JWT authentication against an identity provider's JWKS (${databaseBackend})`, () => {
  let t: TestApp;
  let idp: Awaited<ReturnType<typeof startKeySetServer>>;
  let rsa: KeyPair;
  let ec: KeyPair;

  const token = (alg: 'RS256' | 'ES256', kid: string, claims: Record<string, unknown> = {}) =>
    new SignJWT({ roles: ['admin'], ...claims })
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setSubject('auth0|alice')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m');

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    idp = await startKeySetServer([
      await publicJwk(rsa, 'rsa-1', 'RS256'),
      await publicJwk(ec, 'ec-1', 'ES256'),
    ]);
    t = await startTestApp({ JWT_JWKS_URL: idp.url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  const me = (jwt: string) => request(t.http).get('/auth/me').set('Authorization', `Bearer ${jwt}`);

  async function expectRefused(jwt: string, message: string) {
    const res = await me(jwt).expect(401);
    expect(res.body).toEqual({ statusCode: 401, message, error: 'Unauthorized' });
  }

  it('accepts RS256 and ES256 tokens signed with published keys', async () => {
    const viaRsa = await me(await token('RS256', 'rsa-1').sign(rsa.privateKey)).expect(200);
    expect(viaRsa.body).toEqual({ id: 'auth0|alice', roles: ['admin'] });
    await me(await token('ES256', 'ec-1').sign(ec.privateKey)).expect(200);
  });

  it('fetches the key set once and reuses it', async () => {
    const before = idp.requests();
    for (let i = 0; i < 5; i++) await me(await token('RS256', 'rsa-1').sign(rsa.privateKey)).expect(200);
    expect(idp.requests()).toBe(before);
  });

  it('refuses a token signed by another key under a published kid', async () => {
    const impostor = await generateKeyPair('RS256');
    await expectRefused(
      await token('RS256', 'rsa-1').sign(impostor.privateKey),
      'Token signature is invalid',
    );
  });

  it('refuses a token whose kid is not published', async () => {
    const impostor = await generateKeyPair('RS256');
    await expectRefused(
      await token('RS256', 'rsa-unknown').sign(impostor.privateKey),
      'Token is signed with a key the identity provider does not publish',
    );
  });

  it('refuses HS256, including one "signed" with the published public key (algorithm confusion)', async () => {
    const message = 'Token is signed with an algorithm this service does not accept';
    const pem = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    const confused = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .setSubject('auth0|alice')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(pem);
    await expectRefused(confused, message);
  });

  it('refuses an unsigned token', async () => {
    const unsigned = new UnsecuredJWT({})
      .setSubject('auth0|alice')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .encode();
    await expectRefused(unsigned, 'Token is signed with an algorithm this service does not accept');
  });

  it('refuses a token whose header says RS256 but the kid holds an EC key', async () => {
    await expectRefused(
      await token('ES256', 'ec-1')
        .sign(ec.privateKey)
        .then((jwt) => {
          const [, payload, signature] = jwt.split('.');
          const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'ec-1' })).toString('base64url');
          return `${header}.${payload}.${signature}`;
        }),
      'Token is signed with a key the identity provider does not publish',
    );
  });

  it('refuses wrong issuer, wrong audience, expired and not-yet-valid tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(
      await token('RS256', 'rsa-1').setIssuer('https://evil.example/').sign(rsa.privateKey),
      'Token issuer is not accepted',
    );
    await expectRefused(
      await token('RS256', 'rsa-1').setAudience('api://other').sign(rsa.privateKey),
      'Token audience is not accepted',
    );
    await expectRefused(
      await token('RS256', 'rsa-1')
        .setIssuedAt(now - 7200)
        .setExpirationTime(now - 3600)
        .sign(rsa.privateKey),
      'Token has expired',
    );
    await expectRefused(
      await token('RS256', 'rsa-1')
        .setNotBefore(now + 3600)
        .sign(rsa.privateKey),
      'Token is not valid yet',
    );
  });

  it('answers 503 (not 401) when the key set cannot be fetched', async () => {
    const down = await startKeySetServer([]);
    await down.close();
    const offline = await startTestApp({
      JWT_JWKS_URL: down.url,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
    try {
      const res = await request(offline.http)
        .get('/auth/me')
        .set('Authorization', `Bearer ${await token('RS256', 'rsa-1').sign(rsa.privateKey)}`)
        .expect(503);
      expect(res.body).toMatchObject({
        statusCode: 503,
        message: 'Cannot verify tokens right now: the identity provider key set is unavailable',
        error: 'Service Unavailable',
      });
      await request(offline.http).get('/health/live').expect(200);
    } finally {
      await offline.close();
    }
  });
});
