import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { loadOrCreateDevSecret } from '../src/auth/dev-secret.js';
import { signAccessToken } from '../src/auth/token-signer.js';
import { freePort, ServiceProcess } from './support/service-process.js';
import { waitFor } from './support/wait-for.js';
import { createTestDatabase, databaseBackend, type TestDatabase } from './support/test-database.js';

/**
 * The page in real Chromium (Debian's, driven by playwright-core: nothing downloaded), against the service
 * built as `npm start` builds it and started with zero configuration (one price raised, for the unaffordable case). Screenshots land in
 * test-results/browser/ (two of them are committed under docs/ for the README).
 */
const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '..');
const BUILD_DIR = join(ROOT, '.browser-test');
const SHOTS = join(ROOT, 'test-results', 'browser');
const fixture = (name: string) => join(ROOT, 'test', 'fixtures', 'images', name);
/** A price no account can pay, for the unaffordable-request case. */
const UNAFFORDABLE_MODEL = 'veo3.1';

jest.setTimeout(240_000);

describe(`the page in Chromium (${databaseBackend})`, () => {
  let service: ServiceProcess;
  let database: TestDatabase;
  let dataDir: string;
  let browser: Browser;
  let base: string;
  /** Set if the service dies: every later test says why instead of "connection refused". */
  let stopped: string | undefined;

  beforeAll(async () => {
    // The same build as `npm start` (swc, HTML and CSS copied), into a folder of its own.
    await rm(BUILD_DIR, { recursive: true, force: true });
    await promisify(execFile)(
      join(ROOT, 'node_modules', '.bin', 'swc'),
      ['src', '-d', BUILD_DIR, '--strip-leading-paths', '--copy-files', '--quiet'],
      { cwd: ROOT },
    );
    await mkdir(SHOTS, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'vg-browser-'));
    database = await createTestDatabase();
    const port = await freePort();
    service = await ServiceProcess.start(
      {
        DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...(database.url ? { DATABASE_URL: database.url } : {}),
        // Nothing else: with no provider keys, development runs fal and Azure simulated (prompt markers work).
        MODEL_CATALOG_JSON: JSON.stringify({ [UNAFFORDABLE_MODEL]: { price: { credits: '50000' } } }),
      },
      { port, script: join(BUILD_DIR, 'main.js') },
    );
    base = service.baseUrl;
    void service.exited.then(({ code, signal }) => {
      stopped = `the service exited (${code ?? signal}):\n${service.log.slice(-4000)}`;
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    stopped = 'stopped by afterAll';
    await service?.stop();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await rm(BUILD_DIR, { recursive: true, force: true });
  });

  /** A fresh browser profile (own sessionStorage) at phone width, recording what the page asks for and logs. */
  async function openPage(width = 375): Promise<{
    page: Page;
    context: BrowserContext;
    requests: Request[];
    consoleErrors: string[];
  }> {
    if (stopped) throw new Error(stopped);
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const requests: Request[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (r) => requests.push(r));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(`${base}/`);
    return { page, context, requests, consoleErrors };
  }

  async function devSignIn(page: Page, name: string): Promise<void> {
    await page.getByTestId('dev-signin-name').fill(name);
    await page.getByTestId('dev-signin').click();
    await page.getByTestId('balance').filter({ hasText: /^\d/ }).waitFor();
    await page.locator('#model-select option').first().waitFor({ state: 'attached' });
  }

  async function upload(page: Page, file: string): Promise<void> {
    await page.getByTestId('image-input').setInputFiles(fixture(file));
    await page.locator('#upload-status', { hasText: 'Image uploaded.' }).waitFor();
  }

  const balance = async (page: Page) => Number(await page.getByTestId('balance').textContent());
  const generationPosts = (requests: Request[]) =>
    requests.filter(
      (r) => r.method() === 'POST' && /\/video-gen\/(generations|chains)$/.test(new URL(r.url()).pathname),
    );

  it('loads with no console errors, no other origins, and no sideways scrolling at 375 px', async () => {
    const { page, context, requests, consoleErrors } = await openPage();
    await page.getByTestId('dev-signin').waitFor();
    await devSignIn(page, 'erin');
    await page.locator('#chain summary').click();
    await page.locator('#advanced summary').click();
    await page.getByTestId('chain-quote').filter({ hasText: 'Write the prompts' }).waitFor();
    await page.locator('#ledger-list li').first().waitFor();
    await page.locator('#history-list li').first().waitFor();
    expect(consoleErrors).toEqual([]);
    const origins = new Set(requests.map((r) => new URL(r.url()).origin).filter((o) => o !== 'null'));
    expect([...origins]).toEqual([base]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    // Every form control has a label a screen reader can announce.
    const unlabelled = await page.evaluate(
      `[...document.querySelectorAll('input, select, textarea')].filter((el) => el.labels.length === 0).map((el) => el.id)`,
    );
    expect(unlabelled).toEqual([]);
    // The token lives in sessionStorage, never in the address.
    expect(await page.evaluate(`sessionStorage.getItem('video-gen.token')`)).toMatch(/^ey/);
    expect(page.url()).toBe(`${base}/`);
    await context.close();
  });

  it('happy path on local-motion: upload, quote, generate, watch, play, history, balance', async () => {
    const { page, context, requests } = await openPage(1024);
    await devSignIn(page, 'alice');
    const startBalance = await balance(page);

    await upload(page, 'photo-320x180.png');
    // Directly to the bucket with the presigned URL, then checked by the service.
    const put = requests.find((r) => r.method() === 'PUT');
    expect(put && new URL(put.url()).origin).not.toBe(base);
    expect(requests.some((r) => r.url().endsWith('/uploads/images/complete'))).toBe(true);

    await page.getByTestId('model-select').selectOption('local-motion');
    await page.getByTestId('prompt-input').fill('A slow zoom towards the horizon');
    await page.getByTestId('duration-select').selectOption('5s');
    await page
      .getByTestId('quote')
      .filter({ hasText: /^10 credits for 5 s/ })
      .waitFor();
    await page.locator('#create').screenshot({ path: join(SHOTS, 'form.png') });

    await page.getByTestId('generate-button').click();
    await page
      .getByTestId('progress')
      .filter({ hasText: /local-motion/ })
      .waitFor();
    const created = generationPosts(requests);
    expect(created).toHaveLength(1);
    // Progress comes over SSE, authenticated by a stream token in the query (EventSource sends no header).
    await waitFor(() => requests.find((r) => /\/events\?access_token=[^&]+$/.test(r.url())), {
      what: 'the EventSource request',
    });
    expect(created[0].headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);

    const video = page.getByTestId('result-video');
    await video.waitFor({ state: 'visible', timeout: 120_000 });
    // The video really plays: its clock moves (polled from here, as the CSP forbids string evaluation in the page).
    await waitFor(
      async () => (await video.evaluate((v) => (v as unknown as { currentTime: number }).currentTime)) > 0.5,
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'the video to play past 0.5 s',
      },
    );
    await page
      .getByTestId('progress')
      .filter({ hasText: /Succeeded/ })
      .waitFor();
    await page.getByTestId('history-item').filter({ hasText: 'succeeded' }).first().waitFor();
    await page
      .getByTestId('balance')
      .filter({ hasText: String(startBalance - 10) })
      .waitFor();
    await page.locator('#current').screenshot({ path: join(SHOTS, 'result.png') });
    await context.close();
  });

  it('failure path: a simulated moderation refusal shows its message and the refund', async () => {
    const { page, context } = await openPage();
    await devSignIn(page, 'frank');
    const startBalance = await balance(page);
    await page.getByTestId('model-select').selectOption('sora-2');
    await page.getByTestId('prompt-input').fill('[sim:moderation] a crowded street');
    await page
      .getByTestId('quote')
      .filter({ hasText: /credits for/ })
      .waitFor();
    await page.getByTestId('generate-button').click();
    const error = page.getByTestId('error-message');
    await error.filter({ hasText: /safety grounds/ }).waitFor({ timeout: 60_000 });
    expect(await error.textContent()).toMatch(/credits were refunded/);
    await page
      .getByTestId('balance')
      .filter({ hasText: String(startBalance) })
      .waitFor();
    await page.getByTestId('history-item').filter({ hasText: 'failed' }).first().waitFor();
    await context.close();
  });

  it('cancels a running generation and shows the refund', async () => {
    const { page, context } = await openPage();
    await devSignIn(page, 'gina');
    const startBalance = await balance(page);
    await page.getByTestId('model-select').selectOption('sora-2');
    await page.getByTestId('prompt-input').fill('[sim:slow] A boat crossing a lake');
    await page
      .getByTestId('quote')
      .filter({ hasText: /credits for/ })
      .waitFor();
    await page.getByTestId('generate-button').click();
    await page.getByTestId('cancel-button').click();
    await page
      .getByTestId('error-message')
      .filter({ hasText: /^Cancelled\./ })
      .waitFor();
    expect(await page.getByTestId('error-message').textContent()).toMatch(/refunded/);
    await page.getByTestId('cancel-button').waitFor({ state: 'hidden' });
    await page.getByTestId('history-item').filter({ hasText: 'cancelled' }).first().waitFor();
    await page
      .getByTestId('balance')
      .filter({ hasText: String(startBalance) })
      .waitFor();
    await context.close();
  });

  it('makes a chain of two prompts', async () => {
    const { page, context, requests } = await openPage(1024);
    await devSignIn(page, 'hugo');
    await upload(page, 'photo-320x180.jpg');
    await page.getByTestId('model-select').selectOption('local-motion');
    await page.locator('#chain summary').click();
    const prompts = page.getByTestId('chain-prompt');
    await prompts.nth(0).fill('Zoom towards the trees');
    await prompts.nth(1).fill('Pan across the sky');
    await page.getByTestId('chain-total').fill('16');
    await page
      .getByTestId('chain-quote')
      .filter({ hasText: /^20 credits for 16 s in 2 segments/ })
      .waitFor();
    await page.getByTestId('chain-button').click();
    await page
      .getByTestId('progress')
      .filter({ hasText: /Segment 2 of 2/ })
      .waitFor();
    await page.getByTestId('result-video').waitFor({ state: 'visible', timeout: 180_000 });
    const chain = generationPosts(requests).find((r) => r.url().endsWith('/video-gen/chains'));
    expect(JSON.parse(chain!.postData()!)).toMatchObject({
      prompts: ['Zoom towards the trees', 'Pan across the sky'],
      totalDuration: 16,
    });
    expect(chain!.headers()['idempotency-key']).toBeDefined();
    await context.close();
  });

  describe('bad input: the service’s message, and nothing charged', () => {
    let page: Page;
    let context: BrowserContext;
    let requests: Request[];

    beforeAll(async () => {
      ({ page, context, requests } = await openPage());
      await devSignIn(page, 'ivan');
    });
    afterAll(() => context.close());

    const error = () => page.getByTestId('error-message');

    it('a file that is not an image', async () => {
      await page.getByTestId('image-input').setInputFiles({
        name: 'notes.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('not a picture at all'),
      });
      await error()
        .filter({ hasText: /not an image the service can use/ })
        .waitFor();
      expect(await error().textContent()).toMatch(/Only JPEG, PNG and WebP images are accepted/);
    });

    it('an image larger than MAX_IMAGE_BYTES, refused before it is sent', async () => {
      const before = requests.length;
      await page.getByTestId('image-input').setInputFiles({
        name: 'huge.png',
        mimeType: 'image/png',
        buffer: Buffer.concat([await readFile(fixture('photo-320x180.png')), Buffer.alloc(9 * 1024 * 1024)]),
      });
      await error()
        .filter({ hasText: /too large/ })
        .waitFor();
      expect(await error().textContent()).toMatch(/at most 8388608 bytes \(MAX_IMAGE_BYTES\)/);
      expect(requests.slice(before).filter((r) => r.method() === 'PUT')).toEqual([]);
    });

    it('an empty prompt', async () => {
      await page.getByTestId('model-select').selectOption('veo3');
      await page.getByTestId('prompt-input').fill('');
      await page.getByTestId('generate-button').click();
      await error()
        .filter({ hasText: /Prompt should not be empty/ })
        .waitFor();
      expect(generationPosts(requests)).toEqual([]);
    });

    it('a request the balance cannot pay for', async () => {
      await upload(page, 'photo-320x180.png');
      await page.getByTestId('model-select').selectOption(UNAFFORDABLE_MODEL);
      await page.getByTestId('prompt-input').fill('A very expensive sunset');
      await page
        .getByTestId('quote')
        .filter({ hasText: /Not enough credits/ })
        .waitFor();
      expect(await page.getByTestId('generate-button').isDisabled()).toBe(true);
      await page.getByTestId('prompt-input').press('Enter');
      expect(generationPosts(requests)).toEqual([]);
    });

    it('a lost connection: what happened and what to do', async () => {
      await context.setOffline(true);
      try {
        await page.locator('#history-filter').selectOption('failed');
        await error().filter({ hasText: 'Lost the connection to the service.' }).waitFor();
        expect(await error().textContent()).toMatch(/Check your network and try again/);
      } finally {
        await context.setOffline(false);
      }
    });

    it('an expired token: the message and a way back in', async () => {
      // Signed with the service's own development secret, expired an hour ago.
      const secret = await loadOrCreateDevSecret(join(dataDir, 'jwt-secret'));
      const expired = await signAccessToken(secret, { sub: 'ivan', ttl: '-1h' });
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByTestId('token-input').fill(expired);
      await page.getByTestId('token-submit').click();
      await error()
        .filter({ hasText: /signed out/ })
        .waitFor();
      expect(await error().textContent()).toMatch(/Sign in again/);
      expect(await page.getByTestId('dev-signin').isVisible()).toBe(true);
      expect(await page.evaluate(`sessionStorage.getItem('video-gen.token')`)).toBeNull();
    });
  });
});
