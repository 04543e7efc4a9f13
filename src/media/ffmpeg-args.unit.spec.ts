import {
  animateImageArgs,
  animationFrameCount,
  concatCopyArgs,
  concatEncodeArgs,
  concatListFile,
  crossfadeOffsets,
  extractFrameArgs,
  extractLastFrameArgs,
  imageInfoArgs,
  motionExpressions,
  prepareImageArgs,
  prepareImageFilter,
  probeArgs,
  seconds,
  stillsArgs,
  trimArgs,
} from './ffmpeg-args.js';
import { MediaError } from './media.error.js';

const modern = { xfade: true, fpsMode: true };
const old = { xfade: false, fpsMode: false };

/** The value following `flag` in an argument array. */
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
/** The value following the last `flag`: output options come after every input's. */
const lastAfter = (args: string[], flag: string) => args[args.lastIndexOf(flag) + 1];

function badRequest(build: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    build();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MediaError);
  expect((caught as MediaError).code).toBe('BAD_REQUEST');
  expect((caught as MediaError).message).toMatch(message);
}

describe('seconds', () => {
  it('formats plain decimals with at most millisecond precision', () => {
    expect(seconds(3)).toBe('3');
    expect(seconds(2.5)).toBe('2.5');
    expect(seconds(1 / 3)).toBe('0.333');
    expect(seconds(0)).toBe('0');
    expect(seconds(1e-7)).toBe('0');
    expect(seconds(12.0004)).toBe('12');
  });
});

describe('probe and image info', () => {
  it('asks ffprobe for JSON with streams, format and the extradata hash', () => {
    const args = probeArgs('/v/a.mp4');
    expect(after(args, '-print_format')).toBe('json');
    expect(args).toEqual(expect.arrayContaining(['-show_format', '-show_streams', '-show_data_hash']));
    expect(args[args.length - 1]).toBe('/v/a.mp4');
  });

  it('reads only the first video stream of an image', () => {
    const args = imageInfoArgs('pipe:0');
    expect(after(args, '-select_streams')).toBe('v:0');
    expect(args[args.length - 1]).toBe('pipe:0');
  });
});

describe('extractLastFrameArgs', () => {
  it('seeks from the end, decodes to the end and keeps overwriting one image', () => {
    const args = extractLastFrameArgs('/v/in.mp4', '/o/last.jpg', modern);
    expect(after(args, '-sseof')).toBe('-1');
    expect(args.indexOf('-sseof')).toBeLessThan(args.indexOf('-i'));
    expect(after(args, '-update')).toBe('1');
    expect(after(args, '-fps_mode')).toBe('passthrough');
    expect(after(args, '-map')).toBe('0:v:0');
    expect(args).not.toContain('-frames:v');
    expect(after(args, '-q:v')).toBe('2');
    expect(args[args.length - 1]).toBe('/o/last.jpg');
  });

  it('uses -vsync on an ffmpeg without -fps_mode, and can decode the whole video', () => {
    const args = extractLastFrameArgs('/v/in.mp4', '/o/last.png', old, 'whole');
    expect(after(args, '-vsync')).toBe('passthrough');
    expect(args).not.toContain('-sseof');
    expect(args).not.toContain('-ss');
    expect(args).not.toContain('-q:v');
  });

  it('can seek from a time instead (the end of the picture when the sound runs longer)', () => {
    const args = extractLastFrameArgs('/v/in.mp4', '/o/last.png', modern, { fromSeconds: 6.5 });
    expect(after(args, '-ss')).toBe('6.5');
    expect(args).not.toContain('-sseof');
    expect(after(extractLastFrameArgs('/v/in.mp4', '/o/l.png', modern, { fromSeconds: -1 }), '-ss')).toBe(
      '0',
    );
  });

  it('never goes through a shell: file names are single arguments, whatever they contain', () => {
    const evil = '/v/$(rm -rf ~); echo "hi" .mp4';
    expect(extractLastFrameArgs(evil, '/o/a b.png', modern)).toContain(evil);
  });

  it('refuses an output that is not an image', () => {
    badRequest(
      () => extractLastFrameArgs('/v/in.mp4', '/o/out.mp4', modern),
      /\.jpg, \.jpeg, \.png or \.webp/,
    );
  });
});

describe('extractFrameArgs', () => {
  it('seeks on the input and writes one frame, optionally scaled', () => {
    const args = extractFrameArgs('/v/in.mp4', 1.25, '/o/f.png', 640);
    expect(after(args, '-ss')).toBe('1.25');
    expect(args.indexOf('-ss')).toBeLessThan(args.indexOf('-i'));
    expect(after(args, '-frames:v')).toBe('1');
    expect(after(args, '-vf')).toBe('scale=640:-2');
    expect(extractFrameArgs('/v/in.mp4', 0, '/o/f.png')).not.toContain('-vf');
  });

  it('rejects negative or non-finite times', () => {
    badRequest(() => extractFrameArgs('/v/in.mp4', -1, '/o/f.png'), /non-negative/);
    badRequest(() => extractFrameArgs('/v/in.mp4', Number.NaN, '/o/f.png'), /non-negative/);
  });
});

describe('stillsArgs', () => {
  it('opens the video twice, seeked for the thumbnail and near the end, and writes one image from each', () => {
    const args = stillsArgs(
      '/v/in.mp4',
      { output: '/o/t.jpg', atSeconds: 0.8, width: 640 },
      '/o/l.png',
      modern,
    );
    const inputs = args.flatMap((arg, index) => (arg === '-i' ? [index] : []));
    expect(inputs).toHaveLength(2);
    expect(inputs.map((index) => args[index + 1])).toEqual(['/v/in.mp4', '/v/in.mp4']);
    expect(after(args, '-ss')).toBe('0.8');
    expect(args.indexOf('-ss')).toBeLessThan(inputs[0]);
    expect(after(args, '-sseof')).toBe('-1');
    expect(args.indexOf('-sseof')).toBeGreaterThan(inputs[0]);
    expect(args.indexOf('-sseof')).toBeLessThan(inputs[1]);
    // Each output's options sit between the previous output and its own path.
    const thumbnail = args.slice(inputs[1] + 2, args.indexOf('/o/t.jpg') + 1);
    expect(thumbnail).toEqual(
      expect.arrayContaining(['0:v:0', '-frames:v', 'scale=640:-2', '-q:v', '/o/t.jpg']),
    );
    const last = args.slice(args.indexOf('/o/t.jpg') + 1);
    expect(last).toEqual(['-map', '1:v:0', '-an', '-fps_mode', 'passthrough', '-update', '1', '/o/l.png']);
    expect(stillsArgs('/v/in.mp4', { output: '/o/t.jpg', atSeconds: 0 }, '/o/l.png', old)).toContain(
      '-vsync',
    );
  });

  it('refuses outputs that are not images and a bad time', () => {
    badRequest(
      () => stillsArgs('/v/in.mp4', { output: '/o/t.mp4', atSeconds: 1 }, '/o/l.png', modern),
      /\.jpg, \.jpeg, \.png or \.webp/,
    );
    badRequest(
      () => stillsArgs('/v/in.mp4', { output: '/o/t.jpg', atSeconds: 1 }, '/o/l.gif', modern),
      /\.jpg, \.jpeg, \.png or \.webp/,
    );
    badRequest(
      () => stillsArgs('/v/in.mp4', { output: '/o/t.jpg', atSeconds: -1 }, '/o/l.png', modern),
      /non-negative/,
    );
  });
});

describe('trimArgs', () => {
  it('re-encodes the first seconds to H.264 with faststart, keeping audio when there is some', () => {
    const args = trimArgs('/v/in.mp4', 5, '/o/out.mp4');
    expect(after(args, '-t')).toBe('5');
    expect(args).toEqual(
      expect.arrayContaining(['-map', '0:a:0?', '-c:v', 'libx264', '-movflags', '+faststart']),
    );
    expect(after(args, '-pix_fmt')).toBe('yuv420p');
  });

  it('rejects a duration that is not positive', () => {
    badRequest(() => trimArgs('/v/in.mp4', 0, '/o/out.mp4'), /positive/);
  });
});

describe('concat', () => {
  it('writes a concat-demuxer list with quotes escaped', () => {
    expect(concatListFile(['/a/one.mp4', "/a/it's.mp4"])).toBe("file '/a/one.mp4'\nfile '/a/it'\\''s.mp4'\n");
  });

  it('stream-copies with the concat demuxer', () => {
    const args = concatCopyArgs('/t/list.txt', '/o/out.mp4');
    expect(after(args, '-f')).toBe('concat');
    expect(after(args, '-safe')).toBe('0');
    expect(after(args, '-c')).toBe('copy');
    expect(args).not.toContain('libx264');
  });

  it('computes crossfade offsets from the running length', () => {
    expect(crossfadeOffsets([12, 12, 12], 0.5)).toEqual([11.5, 23]);
    expect(crossfadeOffsets([4], 0.5)).toEqual([]);
  });

  const segments = [
    { path: '/s/a.mp4', durationSeconds: 4, hasAudio: true },
    { path: '/s/b.mp4', durationSeconds: 6, hasAudio: false },
  ];
  const base = { width: 1280, height: 720, fps: 24, transition: 'cut' as const, crossfadeSeconds: 0.5 };

  it('normalises size, frame rate and pixel format, and gives a silent segment silence of its length', () => {
    const args = concatEncodeArgs(segments, '/o/out.mp4', base);
    const graph = after(args, '-filter_complex');
    expect(args.filter((arg) => arg === '-i')).toHaveLength(3);
    expect(args).toEqual(expect.arrayContaining(['-f', 'lavfi', '-t', '6']));
    expect(graph).toContain('[0:v:0]setpts=PTS-STARTPTS,scale=1280:720:force_original_aspect_ratio=decrease');
    expect(graph).toContain('pad=1280:720:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=24,format=yuv420p[v1]');
    expect(graph).toContain('[2:a:0]asetpts');
    expect(graph).toContain('apad,atrim=0:6[a1]');
    expect(graph).toContain('[v0][a0][v1][a1]concat=n=2:v=1:a=1[vout][aout]');
    expect(args).toEqual(expect.arrayContaining(['-map', '[vout]', '-map', '[aout]', '-c:a', 'aac']));
  });

  it('makes no audio at all when no segment has any', () => {
    const silent = segments.map((segment) => ({ ...segment, hasAudio: false }));
    const args = concatEncodeArgs(silent, '/o/out.mp4', base);
    expect(after(args, '-filter_complex')).toContain('[v0][v1]concat=n=2:v=1:a=0[vout]');
    expect(args).not.toContain('[aout]');
    expect(args).not.toContain('lavfi');
  });

  it('chains xfade and acrossfade for crossfades', () => {
    const three = [...segments, { path: '/s/c.mp4', durationSeconds: 5, hasAudio: true }];
    const args = concatEncodeArgs(three, '/o/out.mp4', {
      ...base,
      transition: 'crossfade',
      crossfadeSeconds: 1,
    });
    const graph = after(args, '-filter_complex');
    expect(lastAfter(args, '-t')).toBe('13');
    expect(graph).toContain('[v0][v1]xfade=transition=fade:duration=1:offset=3[vx1]');
    expect(graph).toContain('[vx1][v2]xfade=transition=fade:duration=1:offset=8[vout]');
    expect(graph).toContain('[a0][a1]acrossfade=d=1[ax1]');
    expect(graph).toContain('[ax1][a2]acrossfade=d=1[aout]');
    expect(graph).not.toContain('concat=');
  });

  it('rounds a crossfade to whole frames', () => {
    const args = concatEncodeArgs(segments, '/o/out.mp4', {
      ...base,
      transition: 'crossfade',
      crossfadeSeconds: 0.3,
    });
    expect(after(args, '-filter_complex')).toContain('xfade=transition=fade:duration=0.292:offset=3.708');
    expect(lastAfter(args, '-t')).toBe('9.708');
  });

  it('rejects odd sizes and an empty list', () => {
    badRequest(
      () => concatEncodeArgs(segments, '/o/out.mp4', { ...base, width: 1279 }),
      /width must be an even/,
    );
    badRequest(() => concatEncodeArgs([], '/o/out.mp4', base), /at least one/);
  });
});

describe('prepareImage', () => {
  it('crops by fractions of the input, then pads to exactly the size', () => {
    const filter = prepareImageFilter({
      width: 1280,
      height: 720,
      fit: 'pad',
      crop: { left: 0.1, top: 0.2, right: 0.9, bottom: 1 },
    });
    expect(filter).toBe(
      "crop=w='max(1,trunc(iw*0.8))':h='max(1,trunc(ih*0.8))':x='trunc(iw*0.1)':y='trunc(ih*0.2)'," +
        'scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1',
    );
  });

  it('covers by scaling up and cutting the overflow', () => {
    expect(prepareImageFilter({ width: 720, height: 1280, fit: 'cover' })).toBe(
      'scale=720:1280:force_original_aspect_ratio=increase,crop=720:1280,setsar=1',
    );
  });

  it('writes exactly one frame', () => {
    const args = prepareImageArgs('/i/in.jpg', '/o/out.png', { width: 64, height: 64, fit: 'pad' });
    expect(after(args, '-frames:v')).toBe('1');
    expect(args[args.length - 1]).toBe('/o/out.png');
  });

  it.each([
    [{ left: 0.5, top: 0, right: 0.5, bottom: 1 }],
    [{ left: 0, top: 0.8, right: 1, bottom: 0.2 }],
    [{ left: -0.1, top: 0, right: 1, bottom: 1 }],
    [{ left: 0, top: 0, right: 1.5, bottom: 1 }],
    [{ left: Number.NaN, top: 0, right: 1, bottom: 1 }],
  ])('rejects the crop %j', (crop) => {
    badRequest(
      () => prepareImageFilter({ width: 64, height: 64, fit: 'pad', crop }),
      /crop must be fractions/,
    );
  });

  it('rejects an unknown fit', () => {
    badRequest(
      () => prepareImageFilter({ width: 64, height: 64, fit: 'stretch' as unknown as 'pad' }),
      /fit must be/,
    );
  });
});

describe('animateImage', () => {
  it('counts frames from duration and frame rate', () => {
    expect(animationFrameCount(8, 24)).toBe(192);
    expect(animationFrameCount(2.5, 30)).toBe(75);
    badRequest(() => animationFrameCount(0, 24), /duration/);
    badRequest(() => animationFrameCount(4, 0), /fps/);
  });

  it('zooms in from 1 to the full zoom over the frames, centred', () => {
    expect(motionExpressions('zoom-in', 101)).toEqual({
      z: '1+0.15*(on/100)',
      x: '(iw-iw/zoom)/2',
      y: '(ih-ih/zoom)/2',
    });
  });

  it('pans left and right across a zoomed picture', () => {
    expect(motionExpressions('pan-right', 11).x).toBe('(iw-iw/zoom)*(on/10)');
    expect(motionExpressions('pan-left', 11).x).toBe('(iw-iw/zoom)*(1-(on/10))');
    expect(motionExpressions('static', 11)).toEqual({ z: '1', x: '0', y: '0' });
  });

  it('makes an H.264 yuv420p MP4 with faststart of exactly the frame count', () => {
    const args = animateImageArgs('/i/in.png', '/o/out.mp4', {
      durationSeconds: 4,
      width: 1280,
      height: 720,
      motion: 'zoom-out',
    });
    expect(after(args, '-frames:v')).toBe('96');
    expect(after(args, '-r')).toBe('24');
    expect(after(args, '-filter_complex')).toContain('zoompan=');
    expect(after(args, '-filter_complex')).toContain(':d=96:s=1280x720:fps=24,format=yuv420p[vout]');
    expect(args).toEqual(expect.arrayContaining(['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '+faststart']));
    expect(args).not.toContain('lavfi');
  });

  it('adds a silent AAC track of the same length on request', () => {
    const args = animateImageArgs('/i/in.png', '/o/out.mp4', {
      durationSeconds: 2,
      width: 64,
      height: 64,
      fps: 25,
      motion: 'static',
      silentAudio: true,
    });
    expect(args).toEqual(expect.arrayContaining(['-f', 'lavfi', '-t', '2', '-map', '1:a:0', '-c:a', 'aac']));
  });

  it('rejects odd sizes and unknown motions', () => {
    badRequest(
      () => animateImageArgs('/i', '/o.mp4', { durationSeconds: 1, width: 65, height: 64, motion: 'static' }),
      /width must be an even/,
    );
    badRequest(() => motionExpressions('spin' as never, 10), /unknown motion/);
  });
});
