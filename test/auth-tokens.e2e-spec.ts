import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import { bearerFor } from './support/auth.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256-0123456789';
const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'video-gen-api';
const ROLES_CLAIM = 'https://example.test/roles';

const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** A token as a real identity provider would issue it for this app, with the given changes. */
function token(claims: Record<string, unknown> = {}, alg = 'HS256') {
  return new SignJWT({ [ROLES_CLAIM]: ['admin'], ...claims })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setSubject('alice')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m');
}

describe(`JWT authentication with JWT_SECRET, issuer and audience (${databaseBackend})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      JWT_SECRET: SECRET,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_ROLES_CLAIM: ROLES_CLAIM,
    });
  });
  afterAll(() => t.close());

  const me = (authorization?: string) => {
    const req = request(t.http).get('/auth/me');
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };

  async function expectRefused(authorization: string | undefined, message: string) {
    const res = await me(authorization).expect(401);
    expect(res.body).toEqual({ statusCode: 401, message, error: 'Unauthorized' });
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  }

  it('accepts a valid token and reads the roles from the configured claim', async () => {
    const res = await me(`Bearer ${await token().sign(key)}`).expect(200);
    expect(res.body).toEqual({ id: 'alice', roles: ['admin'] });
  });

  it('accepts a token from tokenFor (which follows the app’s issuer, audience and roles claim)', async () => {
    const res = await me(await bearerFor(t, 'bob', { roles: ['admin'] })).expect(200);
    expect(res.body).toEqual({ id: 'bob', roles: ['admin'] });
  });

  const missing = 'Missing bearer token: send Authorization: Bearer <JWT>';
  it.each([
    ['no Authorization header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic YWxpY2U6c2VjcmV0'],
    ['"Bearer" alone', 'Bearer'],
  ])('refuses %s', async (_name, header) => {
    await expectRefused(header, missing);
  });

  it.each([
    ['garbage', 'Bearer not-a-token'],
    ['two segments', 'Bearer abc.def'],
    ['non-JSON segments', 'Bearer aaaa.bbbb.cccc'],
  ])('refuses a malformed token (%s)', async (_name, header) => {
    await expectRefused(header, 'Malformed bearer token');
  });

  it('refuses a token signed with another secret', async () => {
    const forged = await token().sign(new TextEncoder().encode(`${SECRET}-but-not-quite`));
    await expectRefused(`Bearer ${forged}`, 'Token signature is invalid');
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await token().sign(key)).split('.');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'bob', iss: ISSUER, aud: AUDIENCE, exp: now() + 600, [ROLES_CLAIM]: ['admin'] }),
    ).toString('base64url');
    await expectRefused(`Bearer ${header}.${payload}.${signature}`, 'Token signature is invalid');
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const unsigned = new UnsecuredJWT({ [ROLES_CLAIM]: ['admin'] })
      .setSubject('alice')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .encode();
    await expectRefused(`Bearer ${unsigned}`, 'Unsigned tokens are not accepted');
  });

  it('refuses a token of another algorithm family (RS256, ES256) and another HMAC size (HS512)', async () => {
    const message = 'Token is signed with an algorithm this service does not accept';
    const rsa = await generateKeyPair('RS256');
    await expectRefused(`Bearer ${await token({}, 'RS256').sign(rsa.privateKey)}`, message);
    const ec = await generateKeyPair('ES256');
    await expectRefused(`Bearer ${await token({}, 'ES256').sign(ec.privateKey)}`, message);
    await expectRefused(`Bearer ${await token({}, 'HS512').sign(key)}`, message);
  });

  it('refuses an expired token', async () => {
    const expired = await token()
      .setIssuedAt(now() - 7200)
      .setExpirationTime(now() - 3600)
      .sign(key);
    await expectRefused(`Bearer ${expired}`, 'Token has expired');
  });

  it('refuses a token that is not valid yet', async () => {
    const early = await token()
      .setNotBefore(now() + 3600)
      .setExpirationTime(now() + 7200)
      .sign(key);
    await expectRefused(`Bearer ${early}`, 'Token is not valid yet');
  });

  it('refuses a token from another issuer', async () => {
    await expectRefused(
      `Bearer ${await token().setIssuer('https://evil.example/').sign(key)}`,
      'Token issuer is not accepted',
    );
  });

  it('refuses a token without the issuer', async () => {
    const noIssuer = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(key);
    await expectRefused(`Bearer ${noIssuer}`, 'Token issuer is not accepted');
  });

  it('refuses a token for another audience', async () => {
    await expectRefused(
      `Bearer ${await token().setAudience('another-api').sign(key)}`,
      'Token audience is not accepted',
    );
  });

  it('refuses a token without expiry', async () => {
    const forever = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(key);
    await expectRefused(`Bearer ${forever}`, 'Token must carry an expiry (exp)');
  });

  it.each(['alice/../bob', '..', '', 'a b'])(
    'refuses the subject %j, which could not be a storage prefix',
    async (sub) => {
      await expectRefused(
        `Bearer ${await token().setSubject(sub).sign(key)}`,
        'Token subject (sub) must be a user id of letters, digits and . _ @ | : + = -',
      );
    },
  );

  it('refuses a token without a subject', async () => {
    const anonymous = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(key);
    await expectRefused(
      `Bearer ${anonymous}`,
      'Token subject (sub) must be a user id of letters, digits and . _ @ | : + = -',
    );
  });

  it('does not let a refused token reach the handler of a write endpoint', async () => {
    const res = await request(t.http)
      .post('/uploads/images/presign')
      .set('Authorization', `Bearer ${await token().setAudience('another-api').sign(key)}`)
      .send({ contentType: 'image/png', bytes: 10 })
      .expect(401);
    expect(res.body.error).toBe('Unauthorized');
  });
});
