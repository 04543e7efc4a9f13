import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  input,
  model,
  pollUntilDone,
  readAll,
  rejectionOf,
  testMediaService,
  withTempFile,
} from '../../../test/support/provider-fixtures.js';
import { ImagePreparer } from '../image-preparer.js';
import { ProviderRejectedError } from '../provider-errors.js';
import type { LocalRef } from '../video-provider.js';
import { chooseMotion, LocalMotionProvider } from './local-motion.provider.js';

const media = testMediaService();
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'vg-local-'));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

describe('chooseMotion', () => {
  it('follows the prompt, else the seed, else zooms in', () => {
    expect(chooseMotion('slow zoom out over the bay')).toBe('zoom-out');
    expect(chooseMotion('Pan left across the city')).toBe('pan-left');
    expect(chooseMotion('panning right')).toBe('pan-right');
    expect(chooseMotion('a still life, static')).toBe('static');
    expect(chooseMotion('a cat')).toBe('zoom-in');
    expect(new Set([0, 1, 2, 3].map((seed) => chooseMotion('a cat', seed))).size).toBe(4);
  });
});

describe('LocalMotionProvider', () => {
  it('renders an H.264 MP4 of the requested duration and size from the image, with no network', async () => {
    const local = new LocalMotionProvider({ workDir }, new ImagePreparer(media));
    const ref = (await local.submit(
      input(model('local-motion'), { durationSeconds: 5, size: '720x1280', prompt: 'pan right' }),
    )) as LocalRef;
    expect(ref).toEqual({ provider: 'local', jobId: expect.any(String) });
    expect((await pollUntilDone(local, ref)).at(-1)).toEqual({ state: 'succeeded', progress: 100 });
    const result = await local.fetchResult(ref);
    const bytes = await readAll(result.stream);
    expect(bytes.length).toBe(result.bytes);
    const info = await withTempFile(bytes, 'v.mp4', (path) => media.probe(path));
    expect(info).toMatchObject({ videoCodec: 'h264', width: 720, height: 1280 });
    expect(info.durationSeconds).toBeCloseTo(5, 1);
  });

  it('survives a restart: a new instance finishes a job whose render was lost', async () => {
    const first = new LocalMotionProvider({ workDir }, new ImagePreparer(media));
    const ref = await first.submit(input(model('local-motion'), { durationSeconds: 4, size: '720x720' }));
    await first.cancel({ provider: 'local', jobId: 'not-a-job' }).catch(() => undefined);
    const second = new LocalMotionProvider({ workDir }, new ImagePreparer(media));
    expect((await pollUntilDone(second, ref)).at(-1)?.state).toBe('succeeded');
    await first.idle();
  });

  it('cancel stops the render and reports cancelled', async () => {
    const local = new LocalMotionProvider({ workDir }, new ImagePreparer(media));
    const ref = await local.submit(input(model('local-motion'), { durationSeconds: 12, size: '1920x1080' }));
    await local.cancel(ref);
    await local.idle();
    expect(await local.poll(ref)).toEqual({ state: 'cancelled' });
  });

  it('refuses text-to-video and reports an unreadable image as rejected input', async () => {
    const local = new LocalMotionProvider({ workDir }, new ImagePreparer(media));
    expect(
      await rejectionOf(local.submit(input(model('local-motion'), { image: undefined }))),
    ).toBeInstanceOf(ProviderRejectedError);
    const ref = await local.submit(
      input(model('local-motion'), {
        image: { bytes: Buffer.from('not an image'), contentType: 'image/png', width: 10, height: 10 },
      }),
    );
    const last = (await pollUntilDone(local, ref)).at(-1)!;
    expect(last.state).toBe('failed');
    expect(last.error).toBeInstanceOf(ProviderRejectedError);
  });
});
