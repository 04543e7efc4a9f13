import { mkdtemp, readFile, rm, stat, truncate, copyFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaFixtures } from '../../test/support/media-fixtures.js';
import { withPngSize } from '../../test/support/png.js';
import { loadConfig } from '../config/app-config.js';
import { MediaError } from './media.error.js';
import { MediaService } from './media.service.js';

const media = new MediaService(loadConfig({ NODE_ENV: 'test' }));
const fixtures = new MediaFixtures(media);
let dir: string;
const at = (name: string) => join(dir, name);

/** Full-range grey after decoding a limited-range frame to PNG and then to gray. */
const decodedGrey = (level: number) => ((level - 16) * 255) / 219;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vg-media-spec-'));
  await Promise.all([
    fixtures.video(at('h264-audio.mp4'), { width: 320, height: 240, durationSeconds: 2.5, audio: true }),
    fixtures.video(at('h264-silent.mp4'), { width: 256, height: 144, fps: 30, durationSeconds: 1.2 }),
    fixtures.video(at('hevc.mp4'), { width: 192, height: 108, durationSeconds: 1, codec: 'libx265' }),
    fixtures.video(at('vp9.webm'), {
      width: 160,
      height: 96,
      durationSeconds: 1,
      codec: 'libvpx-vp9',
      audio: true,
    }),
    fixtures.video(at('index-at-end.mp4'), { durationSeconds: 2, faststart: false }),
    fixtures.video(at('index-at-front.mp4'), { durationSeconds: 4 }),
    fixtures.image(at('photo.png'), 400, 300),
    fixtures.image(at('photo.jpg'), 640, 480),
  ]);
  await copyFile(at('index-at-end.mp4'), at('truncated.mp4'));
  await truncate(at('truncated.mp4'), Math.floor((await stat(at('truncated.mp4'))).size / 2));
  await copyFile(at('index-at-front.mp4'), at('cut-off.mp4'));
  await truncate(at('cut-off.mp4'), Math.floor((await stat(at('cut-off.mp4'))).size / 2));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectMediaError(
  promise: Promise<unknown>,
  code: string,
  message: RegExp,
): Promise<MediaError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MediaError);
  expect((error as MediaError).code).toBe(code);
  expect((error as MediaError).message).toMatch(message);
  return error as MediaError;
}

describe('MediaService start-up', () => {
  it('finds ffmpeg and ffprobe and detects what they can do', async () => {
    const tools = await media.tools();
    expect(tools.ffmpeg.version).not.toBe('unknown');
    expect(typeof tools.capabilities.xfade).toBe('boolean');
  });

  it('refuses a configured ffmpeg that cannot be run', async () => {
    const broken = new MediaService(loadConfig({ NODE_ENV: 'test', FFMPEG_PATH: at('no-such-ffmpeg') }));
    await expectMediaError(
      broken.onModuleInit(),
      'UNAVAILABLE',
      /FFMPEG_PATH=.*no-such-ffmpeg cannot be run/,
    );
  });
});

describe('probe', () => {
  it('reports an H.264 video with audio in our own terms', async () => {
    const info = await media.probe(at('h264-audio.mp4'));
    expect(info).toEqual({
      durationSeconds: expect.closeTo(2.5, 1),
      width: 320,
      height: 240,
      fps: 25,
      videoCodec: 'h264',
      pixelFormat: 'yuv420p',
      audioCodec: 'aac',
      hasAudio: true,
      bytes: (await stat(at('h264-audio.mp4'))).size,
    });
  });

  it('reports a silent video without an audio codec', async () => {
    const info = await media.probe(at('h264-silent.mp4'));
    expect(info.hasAudio).toBe(false);
    expect(info.audioCodec).toBeUndefined();
    expect(info).toMatchObject({ width: 256, height: 144, fps: 30 });
    expect(info.durationSeconds).toBeCloseTo(1.2, 1);
  });

  it('reads HEVC and VP9/Opus', async () => {
    expect(await media.probe(at('hevc.mp4'))).toMatchObject({ videoCodec: 'hevc', width: 192, height: 108 });
    expect(await media.probe(at('vp9.webm'))).toMatchObject({
      videoCodec: 'vp9',
      audioCodec: 'opus',
      hasAudio: true,
    });
  });

  it('gives a clear MediaError for a truncated file, a missing file and an image', async () => {
    await expectMediaError(
      media.probe(at('truncated.mp4')),
      'INVALID_INPUT',
      /truncated\.mp4.*moov atom not found/,
    );
    await expectMediaError(media.probe(at('missing.mp4')), 'INVALID_INPUT', /No such file/);
    await expectMediaError(media.probe(at('photo.png')), 'INVALID_INPUT', /no readable duration|no video/);
  });
});

describe('verify', () => {
  it('accepts a complete video and returns its info', async () => {
    expect(await media.verify(at('h264-audio.mp4'))).toEqual(await media.probe(at('h264-audio.mp4')));
  });

  it('catches a file cut off after its index, which probe alone accepts', async () => {
    expect((await media.probe(at('cut-off.mp4'))).durationSeconds).toBeCloseTo(4, 0);
    await expectMediaError(
      media.verify(at('cut-off.mp4')),
      'INVALID_INPUT',
      /cut-off\.mp4 is incomplete or damaged/,
    );
  });
});

describe('imageInfo', () => {
  it('reads size and format from a file and from bytes in memory', async () => {
    expect(await media.imageInfo(at('photo.png'))).toEqual({ width: 400, height: 300, format: 'png' });
    expect(await media.imageInfo(await readFile(at('photo.jpg')))).toEqual({
      width: 640,
      height: 480,
      format: 'jpeg',
    });
  });

  it('rejects bytes that are not an image', async () => {
    await expectMediaError(media.imageInfo(Buffer.from('not an image at all')), 'INVALID_INPUT', /image/i);
    await expectMediaError(media.imageInfo(Buffer.alloc(0)), 'INVALID_INPUT', /empty/);
  });
});

describe('verifyImage', () => {
  it('accepts images that decode completely', async () => {
    await expect(media.verifyImage(await readFile(at('photo.png')))).resolves.toBeUndefined();
    await expect(media.verifyImage(await readFile(at('photo.jpg')))).resolves.toBeUndefined();
  });

  it('refuses a PNG whose data holds fewer rows than its header says, which probing accepts', async () => {
    const tall = withPngSize(await readFile(at('photo.png')), 400, 3000);
    expect(await media.imageInfo(tall)).toEqual({ width: 400, height: 3000, format: 'png' });
    await expectMediaError(media.verifyImage(tall), 'INVALID_INPUT', /does not decode/);
  });

  it('refuses a JPEG cut short, and bytes that are no image', async () => {
    const jpeg = await readFile(at('photo.jpg'));
    await expectMediaError(media.verifyImage(jpeg.subarray(0, jpeg.length / 3)), 'INVALID_INPUT', /./);
    await expectMediaError(media.verifyImage(Buffer.from('not an image')), 'INVALID_INPUT', /./);
    await expectMediaError(media.verifyImage(Buffer.alloc(0)), 'INVALID_INPUT', /empty/);
  });
});

describe('extractLastFrame', () => {
  it.each([
    ['a single keyframe', 1000],
    ['a keyframe every 12 frames', 12],
  ])('returns the true last frame of a 2.6 s video with %s', async (_name, gop) => {
    const frames = 65; // 2.6 s at 25 fps: not a whole number of seconds
    const video = await fixtures.indexedVideo(at(`indexed-${gop}.mp4`), { frames, gop });
    await media.extractLastFrame(video, at(`last-${gop}.png`));
    const luma = await fixtures.meanLuma(at(`last-${gop}.png`));
    expect(luma).toBeCloseTo(decodedGrey(MediaFixtures.greyLevel(frames - 1)), -0.7);
    expect(Math.abs(luma - decodedGrey(MediaFixtures.greyLevel(frames - 2)))).toBeGreaterThan(10);
  });

  it('finds the last picture when the sound runs on for seconds after it', async () => {
    const frames = 40; // 1.6 s of picture, 6 s of sound: the window before the end holds no picture
    const video = await fixtures.indexedVideo(at('long-audio.mp4'), { frames, audioSeconds: 6 });
    expect(await media.probe(video)).toMatchObject({
      hasAudio: true,
      durationSeconds: expect.closeTo(1.6, 1),
    });
    await media.extractLastFrame(video, at('long-audio.png'));
    expect(await fixtures.meanLuma(at('long-audio.png'))).toBeCloseTo(
      decodedGrey(MediaFixtures.greyLevel(frames - 1)),
      -0.7,
    );
  });

  it('writes JPEG too, at the video size', async () => {
    await media.extractLastFrame(at('h264-audio.mp4'), at('last.jpg'));
    expect(await media.imageInfo(at('last.jpg'))).toEqual({ width: 320, height: 240, format: 'jpeg' });
  });

  it('fails clearly on a truncated file and leaves no partial output behind', async () => {
    await expectMediaError(
      media.extractLastFrame(at('truncated.mp4'), at('none.jpg')),
      'INVALID_INPUT',
      /moov/,
    );
    expect((await readdir(dir)).filter((name) => name.includes('none.jpg'))).toEqual([]);
  });
});

describe('stills', () => {
  it('makes the thumbnail and the true last frame in one run, as thumbnail() and extractLastFrame() do', async () => {
    const frames = 65;
    const video = await fixtures.indexedVideo(at('stills.mp4'), { frames, gop: 12 });
    const info = await media.probe(video);
    await media.stills(video, info, { thumbnail: at('stills.jpg'), lastFrame: at('stills-last.png') });
    await media.thumbnail(video, at('thumbnail.jpg'));
    expect(await media.imageInfo(at('stills.jpg'))).toEqual(await media.imageInfo(at('thumbnail.jpg')));
    expect(await fixtures.meanLuma(at('stills.jpg'))).toBeCloseTo(
      await fixtures.meanLuma(at('thumbnail.jpg')),
      0,
    );
    expect(await fixtures.meanLuma(at('stills-last.png'))).toBeCloseTo(
      decodedGrey(MediaFixtures.greyLevel(frames - 1)),
      -0.7,
    );
  });

  it('still finds the last picture when the sound runs on after it', async () => {
    const frames = 40;
    const video = await fixtures.indexedVideo(at('stills-long-audio.mp4'), { frames, audioSeconds: 6 });
    const info = await media.probe(video);
    await media.stills(video, info, { thumbnail: at('la.jpg'), lastFrame: at('la-last.png') });
    expect(await fixtures.meanLuma(at('la-last.png'))).toBeCloseTo(
      decodedGrey(MediaFixtures.greyLevel(frames - 1)),
      -0.7,
    );
    expect((await media.imageInfo(at('la.jpg'))).format).toBe('jpeg');
  });

  it('fails clearly on a truncated file and leaves no partial output behind', async () => {
    await expect(
      media.stills(
        at('truncated.mp4'),
        { durationSeconds: 2, width: 320 },
        { thumbnail: at('gone.jpg'), lastFrame: at('gone.png') },
      ),
    ).rejects.toBeInstanceOf(MediaError);
    expect((await readdir(dir)).filter((name) => name.includes('gone.'))).toEqual([]);
  });
});

describe('prepareImage', () => {
  it('scales to exactly the requested size, padding or covering', async () => {
    for (const fit of ['pad', 'cover'] as const) {
      const info = await media.prepareImage(at('photo.jpg'), at(`sora-${fit}.png`), {
        width: 1280,
        height: 720,
        fit,
      });
      expect(info).toEqual({ width: 1280, height: 720, format: 'png' });
      expect(await media.imageInfo(at(`sora-${fit}.png`))).toEqual({
        width: 1280,
        height: 720,
        format: 'png',
      });
    }
  });

  it('crops by fractions before scaling, from bytes in memory', async () => {
    const halves = await fixtures.halvesImage(at('halves.png'), 200, 100);
    const bytes = await readFile(halves);
    await media.prepareImage(bytes, at('left.png'), {
      width: 64,
      height: 64,
      fit: 'cover',
      crop: { left: 0, top: 0, right: 0.5, bottom: 1 },
    });
    await media.prepareImage(bytes, at('right.jpg'), {
      width: 64,
      height: 64,
      fit: 'cover',
      crop: { left: 0.5, top: 0, right: 1, bottom: 1 },
    });
    expect(await fixtures.meanLuma(at('left.png'))).toBeGreaterThan(240);
    expect(await fixtures.meanLuma(at('right.jpg'))).toBeLessThan(15);
    expect(await media.imageInfo(at('right.jpg'))).toEqual({ width: 64, height: 64, format: 'jpeg' });
  });

  it('rejects impossible crops and sizes before running anything', async () => {
    const crop = { left: 0.6, top: 0, right: 0.4, bottom: 1 };
    await expectMediaError(
      media.prepareImage(at('photo.png'), at('x.png'), { width: 64, height: 64, fit: 'pad', crop }),
      'BAD_REQUEST',
      /left < right/,
    );
    await expectMediaError(
      media.prepareImage(at('photo.png'), at('x.png'), { width: 63, height: 64, fit: 'pad' }),
      'BAD_REQUEST',
      /width must be an even/,
    );
  });
});

describe('animateImage', () => {
  it('makes an H.264 yuv420p MP4 of the requested size and length with the index at the front', async () => {
    const info = await media.animateImage(at('photo.jpg'), at('zoom.mp4'), {
      durationSeconds: 2,
      width: 320,
      height: 180,
      fps: 24,
      motion: 'zoom-in',
    });
    expect(info).toMatchObject({
      width: 320,
      height: 180,
      fps: 24,
      videoCodec: 'h264',
      pixelFormat: 'yuv420p',
    });
    expect(info.hasAudio).toBe(false);
    expect(info.durationSeconds).toBeCloseTo(2, 1);
    const head = (await readFile(at('zoom.mp4'))).subarray(0, 64 * 1024).toString('latin1');
    expect(head.indexOf('moov')).toBeGreaterThan(-1);
    expect(head.indexOf('moov')).toBeLessThan(head.indexOf('mdat'));
  });

  it('moves the picture for each motion and adds silence on request', async () => {
    for (const motion of ['zoom-out', 'pan-left', 'pan-right', 'static'] as const) {
      const info = await media.animateImage(await readFile(at('photo.png')), at(`${motion}.mp4`), {
        durationSeconds: 1,
        width: 128,
        height: 128,
        motion,
        silentAudio: motion === 'static',
      });
      expect(info).toMatchObject({ width: 128, height: 128, fps: 24, hasAudio: motion === 'static' });
    }
    await media.extractFrame(at('pan-left.mp4'), 0, at('pan-first.png'));
    await media.extractLastFrame(at('pan-left.mp4'), at('pan-last.png'));
    const first = await fixtures.grayPixels(at('pan-first.png'));
    const last = await fixtures.grayPixels(at('pan-last.png'));
    expect(first.equals(last)).toBe(false);
  });
});
