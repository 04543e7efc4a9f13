import { mkdtemp, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { PrismaService } from '../src/database/prisma.service.js';
import { FalQueueSimulator } from '../src/simulators/fal-queue.simulator.js';
import { SimulatedVideoRenderer } from '../src/simulators/simulated-video.renderer.js';
import { ObjectStorage } from '../src/storage/object-storage.js';
import { authHeader, uploadImage, waitForGeneration } from './support/generations.js';
import { assertLedgerInvariant } from './support/ledger-invariant.js';
import { MediaFixtures } from './support/media-fixtures.js';
import { testMediaService } from './support/provider-fixtures.js';
import { controlsOf } from './support/simulator-controls.js';
import { storedKeys } from './support/storage.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';

/** Answers every job with the video the spec chose: the provider's result is whatever the spec needs it to be. */
class ChosenVideoRenderer extends SimulatedVideoRenderer {
  video: Buffer = Buffer.alloc(0);
  constructor() {
    super(undefined as never);
  }
  override async render(): Promise<Buffer> {
    return this.video;
  }
}

// The receive path end to end, in live mode against the fal simulator: the result is streamed to disk and to
// the bucket at once, decoded and measured; a damaged or wrong-length result fails, is refunded, and leaves
// nothing stored; a good one stores the video, its thumbnail and its last frame.
describe(`receiving a provider's result (${databaseBackend})`, () => {
  const renderer = new ChosenVideoRenderer();
  const videos: Record<'good' | 'cutOff' | 'short', Buffer> = {
    good: Buffer.alloc(0),
    cutOff: Buffer.alloc(0),
    short: Buffer.alloc(0),
  };
  let dir: string;
  let fal: FalQueueSimulator;
  let t: TestApp;
  let prisma: PrismaService;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vg-intake-'));
    const fixtures = new MediaFixtures(testMediaService());
    const good = await fixtures.video(join(dir, 'good.mp4'), { durationSeconds: 8, gop: 25 });
    const cutOff = await fixtures.video(join(dir, 'cut-off.mp4'), { durationSeconds: 8 });
    // The index at the front says 8 s, the samples stop halfway: only reading every packet finds out.
    await truncate(cutOff, Math.floor((await stat(cutOff)).size / 2));
    const short = await fixtures.video(join(dir, 'short.mp4'), { durationSeconds: 2 });
    videos.good = await readFile(good);
    videos.cutOff = await readFile(cutOff);
    videos.short = await readFile(short);
    fal = await FalQueueSimulator.start({
      renderer,
      key: 'intake-spec-key',
      timing: { queueMs: 50, runMs: 100 },
    });
    controlsOf(fal);
    t = await startTestApp({
      PROVIDERS_MODE: 'live',
      FAL_KEY: 'intake-spec-key',
      FAL_BASE_URL: fal.baseUrl,
      PROVIDER_POLL_INTERVAL_MS: '100',
      PROVIDER_POLL_MAX_INTERVAL_MS: '200',
      JOBS_RETRY_BASE_DELAY_MS: '100',
      JOBS_RETRY_MAX_DELAY_MS: '500',
      INITIAL_CREDITS: '10000',
    });
    prisma = t.app.get(PrismaService);
  });
  afterEach(() => controlsOf(fal).faults.clear());
  afterAll(async () => {
    await assertLedgerInvariant(prisma);
    await t.close();
    await fal.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function generate(user: string, video: Buffer) {
    renderer.video = video;
    const image = await uploadImage(t, user);
    const res = await request(t.http)
      .post('/video-gen/generations')
      .set(await authHeader(t, user))
      .send({ kind: 'image-to-video', id: image, prompt: 'A calm lake at dawn', duration: '8s' })
      .expect(202);
    return waitForGeneration(t, user, res.body.id);
  }

  const resultKeys = async (user: string) =>
    (await storedKeys(t)).filter((key) => key.startsWith(`videos/${user}/`));

  it('stores the video, its thumbnail and its last frame, and charges once', async () => {
    const user = 'intake-good';
    const done = await generate(user, videos.good);
    expect(done).toMatchObject({ status: 'succeeded', durationSeconds: expect.closeTo(8, 0) });
    expect(await resultKeys(user)).toEqual(
      [
        `videos/${user}/${done.id}-last.png`,
        `videos/${user}/${done.id}.jpg`,
        `videos/${user}/${done.id}.mp4`,
      ].sort(),
    );
    const storage = t.app.get(ObjectStorage);
    const stored = await storage.getBuffer(`videos/${user}/${done.id}.mp4`);
    expect(stored.equals(videos.good)).toBe(true);
    const media = testMediaService();
    expect(await media.imageInfo(await storage.getBuffer(`videos/${user}/${done.id}.jpg`))).toMatchObject({
      format: 'jpeg',
      width: 320,
    });
    expect(await media.imageInfo(await storage.getBuffer(`videos/${user}/${done.id}-last.png`))).toEqual({
      format: 'png',
      width: 320,
      height: 240,
    });
    const view = await request(t.http)
      .get(`/video-gen/generations/${done.id}`)
      .set(await authHeader(t, user))
      .expect(200);
    expect(view.body.credits).toEqual({ reserved: 750, used: 750, refunded: 0 });
  });

  it.each([
    ['cut off after its index', 'cutOff', /not a playable video/],
    ['2 s long instead of 8 s', 'short', /of 2\.\d\ds instead of 8s/],
  ] as const)(
    'fails a result %s as INVALID_RESULT, refunds it, and keeps none of it',
    async (_name, which, why) => {
      const user = `intake-${which}`;
      const done = await generate(user, videos[which]);
      expect(done).toMatchObject({
        status: 'failed',
        errorCode: 'INVALID_RESULT',
        error: expect.stringMatching(why),
      });
      const view = await request(t.http)
        .get(`/video-gen/generations/${done.id}`)
        .set(await authHeader(t, user))
        .expect(200);
      expect(view.body.credits).toEqual({ reserved: 750, used: 0, refunded: 750 });
      expect(await resultKeys(user)).toEqual([]);
    },
  );

  it('fetches a download that broke off again, and stores the result once', async () => {
    const user = 'intake-retried';
    controlsOf(fal).faults.add({ on: 'content', fault: { kind: 'truncated' }, times: 1 });
    const done = await generate(user, videos.good);
    expect(done.status).toBe('succeeded');
    const contentRequests = controlsOf(fal).requests.filter(
      (r) => r.method === 'GET' && r.path.startsWith('/files/'),
    );
    expect(contentRequests.length).toBeGreaterThanOrEqual(2);
    expect(await resultKeys(user)).toHaveLength(3);
    expect(
      (await t.app.get(ObjectStorage).getBuffer(`videos/${user}/${done.id}.mp4`)).equals(videos.good),
    ).toBe(true);
  });
});
