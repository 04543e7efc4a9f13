import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaFixtures } from '../../test/support/media-fixtures.js';
import { loadMediaConfig } from '../config/app-config.js';
import { loadClientConfig } from '../config/client-config.js';
import { MediaService } from '../media/media.service.js';
import { runCli } from './video-gen.js';

const media = new MediaService({ media: loadMediaConfig({}) });
const fixtures = new MediaFixtures(media);
let dir: string;

async function cli(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    mediaConfig: () => loadMediaConfig(env),
    clientConfig: () => loadClientConfig(env),
  });
  return { code, out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vg-cli-spec-'));
  await fixtures.indexedVideo(join(dir, 'clip.mp4'), { frames: 30, width: 96, height: 64 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('video-gen extract-last-frame', () => {
  it('writes the last frame where -o says', async () => {
    const output = join(dir, 'frame.png');
    const result = await cli(['extract-last-frame', join(dir, 'clip.mp4'), '-o', output]);
    expect(result).toEqual({ code: 0, out: `${output} (96x64)\n`, err: '' });
    const expected = ((MediaFixtures.greyLevel(29) - 16) * 255) / 219;
    expect(await fixtures.meanLuma(output)).toBeCloseTo(expected, -0.7);
  });

  it('defaults to <video>.last.jpg beside the video', async () => {
    const result = await cli(['extract-last-frame', join(dir, 'clip.mp4')]);
    expect(result.code).toBe(0);
    expect(await media.imageInfo(join(dir, 'clip.last.jpg'))).toEqual({
      width: 96,
      height: 64,
      format: 'jpeg',
    });
  });

  it('explains a missing file, a bad setting and bad usage', async () => {
    const missing = await cli(['extract-last-frame', join(dir, 'nope.mp4'), '-o', join(dir, 'x.jpg')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^video-gen: .*nope\.mp4.*No such file or directory/);

    const badSetting = await cli(['extract-last-frame', join(dir, 'clip.mp4')], {
      FFMPEG_TIMEOUT_MS: 'soon',
    });
    expect(badSetting.code).toBe(1);
    expect(badSetting.err).toMatch(/FFMPEG_TIMEOUT_MS/);

    expect((await cli(['extract-last-frame'])).code).toBe(2);
    expect((await cli(['extract-last-frame', 'a.mp4', '--frame', '3'])).err).toMatch(
      /Unknown option '--frame'/,
    );
    const unknown = await cli(['dance']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command "dance"/);
    expect((await cli(['--help'])).out).toMatch(/Usage: video-gen/);
  });
});
