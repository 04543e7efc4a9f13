import { MediaError } from './media.error.js';
import {
  parseCapabilities,
  parseImageInfo,
  parseRate,
  parseVersion,
  parseVideoProbe,
} from './media.parsers.js';

const stream = {
  codec_type: 'video',
  codec_name: 'h264',
  profile: 'High',
  width: 1280,
  height: 720,
  pix_fmt: 'yuv420p',
  avg_frame_rate: '24/1',
  r_frame_rate: '24/1',
  time_base: '1/12288',
  duration: '8.000000',
  extradata_hash: 'MD5:aaa',
};
const audio = { codec_type: 'audio', codec_name: 'aac', sample_rate: '48000', channels: 2, duration: '8.1' };
const probe = (streams: object[], format: object = { duration: '8.1', size: '12345' }) =>
  JSON.stringify({ streams, format });

describe('parseVideoProbe', () => {
  it("maps ffprobe's JSON to VideoInfo, taking the video stream's own duration", () => {
    expect(parseVideoProbe(probe([stream, audio]), 'a.mp4').info).toEqual({
      durationSeconds: 8,
      width: 1280,
      height: 720,
      fps: 24,
      videoCodec: 'h264',
      pixelFormat: 'yuv420p',
      audioCodec: 'aac',
      hasAudio: true,
      bytes: 12345,
    });
  });

  it('falls back to the container duration and the file size from disk', () => {
    const { info } = parseVideoProbe(
      probe([{ ...stream, duration: undefined, avg_frame_rate: '0/0', r_frame_rate: '30000/1001' }], {
        duration: '4.5',
      }),
      'a.webm',
      999,
    );
    expect(info).toMatchObject({ durationSeconds: 4.5, fps: 29.97, bytes: 999, hasAudio: false });
    expect(info.audioCodec).toBeUndefined();
  });

  it('gives equal copy signatures only when every stream-copy parameter matches', () => {
    const signature = (streams: object[]) => parseVideoProbe(probe(streams), 'x').copySignature;
    const base = signature([stream, audio]);
    expect(
      signature([
        { ...stream, duration: '4' },
        { ...audio, duration: '4' },
      ]),
    ).toBe(base);
    expect(signature([{ ...stream, extradata_hash: 'MD5:bbb' }, audio])).not.toBe(base);
    expect(signature([{ ...stream, width: 1920 }, audio])).not.toBe(base);
    expect(signature([stream])).not.toBe(base);
    expect(signature([stream, { ...audio, sample_rate: '44100' }])).not.toBe(base);
  });

  it('ignores cover art and rejects files without a picture or a duration', () => {
    const cover = { ...stream, disposition: { attached_pic: 1 } };
    expect(() => parseVideoProbe(probe([audio, cover]), 'song.m4a')).toThrow(/song\.m4a has no video stream/);
    expect(() => parseVideoProbe(probe([{ ...stream, duration: undefined }], {}), 'p.png')).toThrow(
      /no readable duration/,
    );
    expect(() => parseVideoProbe('not json', 'x')).toThrow(MediaError);
  });
});

describe('other parsers', () => {
  it('reads frame rates', () => {
    expect(parseRate('25/1')).toBe(25);
    expect(parseRate('24000/1001')).toBe(23.976);
    expect(parseRate('0/0')).toBe(0);
    expect(parseRate(undefined)).toBe(0);
  });

  it('normalises image formats', () => {
    const info = (codec_name: string) =>
      parseImageInfo(JSON.stringify({ streams: [{ codec_name, width: 4, height: 2 }] }), 'i');
    expect(info('mjpeg')).toEqual({ width: 4, height: 2, format: 'jpeg' });
    expect(info('png').format).toBe('png');
    expect(info('webp').format).toBe('webp');
    expect(() => parseImageInfo(JSON.stringify({ streams: [] }), 'upload.bin')).toThrow(
      /upload\.bin is not a readable image/,
    );
  });

  it('detects xfade and -fps_mode from help output', () => {
    const filters =
      ' ... xbr               V->V       Scale the input using xBR algorithm.\n' +
      ' .S. xfade             VV->V      Cross fade one video with another video.\n';
    const help =
      '-vsync              set video sync method globally\n-fps_mode           set framerate mode\n';
    expect(parseCapabilities(filters, help)).toEqual({ xfade: true, fpsMode: true });
    expect(parseCapabilities(' ... xfade_opencl      VV->V      x\n', '-vsync  video sync method\n')).toEqual(
      {
        xfade: false,
        fpsMode: false,
      },
    );
  });

  it('reads versions of distribution and static builds', () => {
    expect(parseVersion('ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026')).toBe('5.1.9-0+deb12u1');
    expect(parseVersion('ffmpeg version N-47683-g0e8eb07980-static https://')).toBe(
      'N-47683-g0e8eb07980-static',
    );
  });
});
