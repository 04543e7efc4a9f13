import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { MediaFixtures } from '../../test/support/media-fixtures.js';
import { loadConfig } from '../config/app-config.js';
import { MediaError } from './media.error.js';
import { MediaService } from './media.service.js';

const media = new MediaService(loadConfig({ NODE_ENV: 'test' }));
// The ffmpeg shipped in the optional npm package is an old 4.x build without xfade: the degraded path, for real.
const oldMedia = new MediaService(loadConfig({ NODE_ENV: 'test', FFMPEG_PATH: ffmpegInstaller.path }));
const fixtures = new MediaFixtures(media);
let dir: string;
const at = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vg-media-concat-'));
  await Promise.all([
    fixtures.video(at('a.mp4'), { width: 320, height: 180, fps: 25, durationSeconds: 2, audio: true }),
    fixtures.video(at('b.mp4'), { width: 320, height: 180, fps: 25, durationSeconds: 3, audio: true }),
    fixtures.video(at('silent-small.mp4'), { width: 160, height: 120, fps: 30, durationSeconds: 1.5 }),
    fixtures.video(at('hevc.mp4'), {
      width: 320,
      height: 180,
      fps: 25,
      durationSeconds: 1,
      codec: 'libx265',
    }),
    fixtures.indexedVideo(at('indexed.mp4'), { frames: 50, fps: 25 }),
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function mediaError(promise: Promise<unknown>): Promise<MediaError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

describe('concat', () => {
  it('stream-copies segments that share codec parameters', async () => {
    const result = await media.concat([at('a.mp4'), at('b.mp4'), at('a.mp4')], at('copied.mp4'));
    expect(result.method).toBe('copy');
    expect(result.transition).toBe('cut');
    expect(result.info).toMatchObject({ width: 320, height: 180, videoCodec: 'h264', hasAudio: true });
    expect(result.info.durationSeconds).toBeCloseTo(7, 0);
  });

  it('normalises and re-encodes mixed sizes, frame rates, codecs and missing audio', async () => {
    const result = await media.concat([at('a.mp4'), at('silent-small.mp4'), at('hevc.mp4')], at('mixed.mp4'));
    expect(result.method).toBe('reencode');
    expect(result.info).toMatchObject({
      width: 320,
      height: 180,
      fps: 25,
      videoCodec: 'h264',
      pixelFormat: 'yuv420p',
      audioCodec: 'aac',
      hasAudio: true,
    });
    expect(result.info.durationSeconds).toBeGreaterThan(4.4);
    expect(result.info.durationSeconds).toBeLessThan(4.6);
  });

  it('re-encodes on request even when stream copy would do', async () => {
    const result = await media.concat([at('a.mp4'), at('b.mp4')], at('forced.mp4'), { reencode: true });
    expect(result).toMatchObject({ method: 'reencode', transition: 'cut' });
    expect(result.info.durationSeconds).toBeCloseTo(5, 1);
  });

  it('re-encodes to a requested size and frame rate', async () => {
    const result = await media.concat([at('a.mp4'), at('b.mp4')], at('resized.mp4'), {
      width: 640,
      height: 360,
      fps: 24,
    });
    expect(result.method).toBe('reencode');
    expect(result.info).toMatchObject({ width: 640, height: 360, fps: 24 });
  });

  it('crossfades, shortening the whole by one fade per join', async () => {
    const result = await media.concat([at('a.mp4'), at('b.mp4')], at('faded.mp4'), {
      transition: 'crossfade',
      crossfadeSeconds: 0.5,
    });
    expect(result).toMatchObject({ method: 'reencode', transition: 'crossfade' });
    expect(result.info.durationSeconds).toBeCloseTo(4.5, 1);
    expect(result.info.hasAudio).toBe(true);
    const viaShortcut = await media.crossfade(at('a.mp4'), at('b.mp4'), at('faded2.mp4'), {
      durationSeconds: 1,
    });
    expect(viaShortcut.info.durationSeconds).toBeCloseTo(4, 1);
  });

  it('degrades a crossfade to a cut on an ffmpeg without xfade', async () => {
    expect((await oldMedia.tools()).capabilities).toEqual({ xfade: false, fpsMode: false });
    const result = await oldMedia.concat([at('a.mp4'), at('b.mp4')], at('old-faded.mp4'), {
      transition: 'crossfade',
    });
    expect(result.transition).toBe('cut');
    expect(result.info.durationSeconds).toBeCloseTo(5, 0);
  });

  it('rejects an empty list and a broken segment', async () => {
    expect((await mediaError(media.concat([], at('none.mp4')))).code).toBe('BAD_REQUEST');
    const broken = await mediaError(media.concat([at('a.mp4'), at('missing.mp4')], at('none.mp4')));
    expect(broken.code).toBe('INVALID_INPUT');
    expect(broken.message).toMatch(/missing\.mp4/);
  });
});

describe('trim', () => {
  it('cuts to the exact length, to the frame', async () => {
    const info = await media.trim(at('b.mp4'), 1.2, at('trimmed.mp4'));
    expect(info.durationSeconds).toBeGreaterThanOrEqual(1.2 - 0.04);
    expect(info.durationSeconds).toBeLessThanOrEqual(1.2 + 0.04);
    expect(info).toMatchObject({ width: 320, height: 180, hasAudio: true, pixelFormat: 'yuv420p' });
  });

  it('refuses to make a video longer', async () => {
    const error = await mediaError(media.trim(at('a.mp4'), 5, at('longer.mp4')));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/cannot trim a 2\.0\d\d s video to 5 s/);
  });
});

describe('extractFrame and thumbnail', () => {
  it('extracts the frame shown at a time', async () => {
    await media.extractFrame(at('indexed.mp4'), 1, at('frame-25.png'));
    const expected = ((MediaFixtures.greyLevel(25) - 16) * 255) / 219;
    expect(await fixtures.meanLuma(at('frame-25.png'))).toBeCloseTo(expected, -0.7);
  });

  it('says clearly when the time is past the end', async () => {
    const error = await mediaError(media.extractFrame(at('a.mp4'), 30, at('late.png')));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/no frame at 30 s: .*a\.mp4 is 2\.0\d\d s long/);
  });

  it('makes a thumbnail no wider than asked, keeping the aspect ratio', async () => {
    await media.thumbnail(at('a.mp4'), at('thumb.jpg'), { width: 160 });
    expect(await media.imageInfo(at('thumb.jpg'))).toEqual({ width: 160, height: 90, format: 'jpeg' });
    await media.thumbnail(at('silent-small.mp4'), at('thumb-small.jpg'));
    expect(await media.imageInfo(at('thumb-small.jpg'))).toMatchObject({ width: 160, height: 120 });
  });
});

describe('the old ffmpeg shipped in the npm package', () => {
  it('still extracts the true last frame (with -vsync instead of -fps_mode)', async () => {
    await oldMedia.extractLastFrame(at('indexed.mp4'), at('old-last.png'));
    const expected = ((MediaFixtures.greyLevel(49) - 16) * 255) / 219;
    expect(await fixtures.meanLuma(at('old-last.png'))).toBeCloseTo(expected, -0.7);
  });
});
