import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { formatBytes } from '../src/cli/progress.js';
import { runCli, type CliIo } from '../src/cli/video-gen.js';
import { loadMediaConfig } from '../src/config/app-config.js';
import { loadClientConfig } from '../src/config/client-config.js';
import { MediaService } from '../src/media/index.js';
import { ProviderSimulators } from '../src/simulators/provider-simulators.js';
import { controlsOf } from './support/simulator-controls.js';
import { bearerFor, tokenFor } from './support/auth.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { databaseBackend } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

const SIMULATED = {
  PROVIDERS_MODE: 'simulated',
  SIMULATOR_QUEUE_MS: '100',
  SIMULATOR_RUN_MS: '200',
  PROVIDER_POLL_INTERVAL_MS: '100',
};
const PHOTO = fileURLToPath(new URL('./fixtures/images/photo-320x180.jpg', import.meta.url));

interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** The CLI in-process, as main.ts runs it, with the environment and terminal the test chooses. */
async function runAgainst(
  env: Record<string, string | undefined>,
  argv: string[],
  terminal: Partial<CliIo> & { onErr?: (text: string, all: string) => void } = {},
): Promise<CliRun> {
  let out = '';
  let err = '';
  const { onErr, ...rest } = terminal;
  const code = await runCli(argv, {
    out: (text) => (out += text),
    err: (text) => {
      err += text;
      onErr?.(text, err);
    },
    mediaConfig: () => loadMediaConfig({}),
    clientConfig: () => loadClientConfig(env),
    ...rest,
  });
  return { code, out, err };
}

async function listenOnLoopback(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.http.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** An address where nothing listens: a port the system just gave out and took back. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe(`video-gen CLI against a running service (${databaseBackend})`, () => {
  let t: TestApp;
  let env: Record<string, string>;
  let dir: string;
  let media: MediaService;
  const cli = (argv: string[], terminal?: Parameters<typeof runAgainst>[2]) =>
    runAgainst(env, argv, terminal);

  const viewOf = async (id: string) =>
    (
      await request(t.http)
        .get(`/video-gen/generations/${id}`)
        .set('Authorization', `Bearer ${env.VIDEO_GEN_TOKEN}`)
        .expect(200)
    ).body;
  const balanceOf = async (user: string): Promise<number> =>
    (
      await request(t.http)
        .get('/credits/balance')
        .set('Authorization', await bearerFor(t, user))
        .expect(200)
    ).body.balance;

  beforeAll(async () => {
    t = await startTestApp(SIMULATED);
    env = { VIDEO_GEN_URL: await listenOnLoopback(t), VIDEO_GEN_TOKEN: await tokenFor(t, 'cli-user') };
    dir = await mkdtemp(join(tmpdir(), 'vg-cli-e2e-'));
    media = t.app.get(MediaService);
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    const simulators = t.app.get(ProviderSimulators);
    controlsOf(simulators.fal).faults.clear();
    controlsOf(simulators.azure).faults.clear();
  });

  it('generate with an image: uploads, follows, downloads a real MP4 and prints the summary', async () => {
    const before = await balanceOf('cli-user');
    const output = join(dir, 'animated_beach.mp4');
    const run = await cli(['generate', 'Ocean waves crashing', '--input-image', PHOTO, '-o', output]);

    expect(run.err).not.toMatch(/video-gen:/);
    expect(run.code).toBe(0);
    const id = /^generation (\S+) succeeded/m.exec(run.out)?.[1];
    expect(id).toBeDefined();

    const video = await media.probe(output);
    expect(video.durationSeconds).toBeGreaterThan(0);
    expect(video.videoCodec).toBe('h264');
    const view = await viewOf(id!);
    expect(view).toMatchObject({ status: 'succeeded', kind: 'image-to-video', bytes: video.bytes });

    const after = await balanceOf('cli-user');
    expect(before - after).toBe(view.credits.used);
    expect(run.out).toBe(
      `generation ${id} succeeded (${view.model}, image-to-video, ${Number.isInteger(view.durationSeconds) ? view.durationSeconds : view.durationSeconds.toFixed(1)} s, ${view.width}x${view.height})\n` +
        `credits used: ${view.credits.used}, balance ${after}\n` +
        `saved ${output} (${formatBytes(video.bytes)})\n`,
    );
    // stderr is not a terminal here: one plain line per change, ending with success.
    expect(run.err).toMatch(/^uploaded photo-320x180\.jpg \(320x180 image\/jpeg, /);
    expect(run.err).toMatch(new RegExp(`^\\[\\d+:\\d\\d\\] ${id} queued`, 'm'));
    expect(run.err).toMatch(new RegExp(`^\\[\\d+:\\d\\d\\] ${id} succeeded$`, 'm'));
    expect(run.err).not.toMatch(/\r/);
    // Nothing but the video is left in the folder (the download went through a temporary name).
    expect(await readdir(dir)).toEqual(['animated_beach.mp4']);
  });

  it('draws a live bar on a terminal; text-to-video without an image', async () => {
    const output = join(dir, 'journey.mp4');
    const run = await cli(['generate', 'A journey through the mountains', '-d', '5s', '-o', output], {
      stderrIsTTY: true,
      columns: () => 60,
    });
    expect(run.code).toBe(0);
    // Redrawn in place: carriage return, the line, erase to its end; never as wide as the terminal.
    const redraws = run.err.split('\r').slice(1);
    expect(redraws.length).toBeGreaterThan(1);
    const last = redraws.at(-1)!.split('\n')[0];
    expect(last.startsWith('succeeded  ')).toBe(true);
    expect(last.endsWith('\u001b[K')).toBe(true);
    expect(last).toContain('100%');
    for (const redraw of redraws) {
      expect(redraw.replace('\u001b[K', '').replace(/\n.*$/s, '').length).toBeLessThan(60);
    }
    expect((await media.probe(output)).durationSeconds).toBeGreaterThan(0);
    expect(run.out).toMatch(/text-to-video/);
  });

  it('credits prints the balance', async () => {
    const balance = await balanceOf('cli-user');
    expect(await cli(['credits'])).toEqual({ code: 0, out: `balance: ${balance} credits\n`, err: '' });
    const json = await cli(['credits', '--json']);
    expect(JSON.parse(json.out)).toEqual({ balance });
  });

  it('status shows a generation and downloads its video with -o', async () => {
    const first = await cli([
      'generate',
      'A bird flying through the forest',
      '-o',
      join(dir, 'segment1.mp4'),
    ]);
    const id = /^generation (\S+) succeeded/m.exec(first.out)![1];
    const shown = await cli(['status', id]);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(new RegExp(`^id {8}${id}$`, 'm'));
    expect(shown.out).toMatch(/^status {4}succeeded$/m);
    const again = join(dir, 'again.mp4');
    const saved = await cli(['status', id, '-o', again]);
    expect(saved.code).toBe(0);
    expect((await media.probe(again)).bytes).toBe((await media.probe(join(dir, 'segment1.mp4'))).bytes);

    const finished = await cli(['cancel', id]);
    expect(finished.code).toBe(1);
    expect(finished.err).toMatch(
      new RegExp(
        `^video-gen: the service refused POST /video-gen/generations/${id}/cancel \\(409 Conflict\\):\\n  - `,
      ),
    );
  });

  it('extend continues a finished video from its last frame (seed 000), billing only the new part', async () => {
    const first = await cli([
      'generate',
      'A bird flying through the forest',
      '-i',
      PHOTO,
      '-m',
      'sora-2',
      '-d',
      '8s',
      '-o',
      join(dir, 'bird.mp4'),
    ]);
    expect(first.code).toBe(0);
    const originalId = /^generation (\S+) succeeded/m.exec(first.out)![1];
    const before = await balanceOf('cli-user');

    const output = join(dir, 'bird-longer.mp4');
    const run = await cli(['extend', originalId, 'The bird continues flying', '-d', '8s', '-o', output]);
    expect(run.err).not.toMatch(/video-gen:/);
    expect(run.code).toBe(0);
    const id = /^generation (\S+) succeeded \(sora-2, extend, /m.exec(run.out)![1];
    expect(id).not.toBe(originalId);
    const view = await viewOf(id);
    expect(view).toMatchObject({ kind: 'extend', status: 'succeeded' });
    expect(view.segments).toHaveLength(2);
    expect(before - (await balanceOf('cli-user'))).toBe(view.credits.used);
    const original = await media.probe(join(dir, 'bird.mp4'));
    const extended = await media.probe(output);
    expect(extended.durationSeconds).toBeCloseTo(original.durationSeconds + 8, 0);
    expect(extended.bytes).toBe(view.bytes);
  });

  it('chain "A journey through the mountains" --duration 36 makes a 36 s video of three Sora-2 segments', async () => {
    const output = join(dir, 'long_video.mp4');
    const run = await cli([
      'chain',
      'A journey through the mountains',
      '--duration',
      '36',
      '--model',
      'sora-2',
      '-o',
      output,
    ]);
    expect(run.err).not.toMatch(/video-gen:/);
    expect(run.code).toBe(0);
    const id = /^generation (\S+) succeeded \(sora-2, chain, 36 s/m.exec(run.out)![1];
    expect(run.err).toMatch(new RegExp(`^\\[\\d+:\\d\\d\\] ${id} running, segment 3/3`, 'm'));
    const video = await media.probe(output);
    expect(Math.abs(video.durationSeconds - 36)).toBeLessThanOrEqual(1 / video.fps + 1e-3);
    const view = await viewOf(id);
    expect(view.segments.map((s: { durationSeconds: number }) => s.durationSeconds)).toEqual([12, 12, 12]);
    expect(run.out).toContain(`credits used: ${view.credits.used}, balance `);
  });

  it('chain with an image and one prompt per segment delivers a partial result when a segment fails', async () => {
    const simulators = t.app.get(ProviderSimulators);
    const output = join(dir, 'partial.mp4');
    let faulted = false;
    const run = await cli(
      ['chain', 'One', 'Two', 'Three', '-d', '36', '-m', 'sora-2', '--image', PHOTO, '-o', output],
      {
        // Once the first segment is done, the next submission to the provider is refused for good.
        onErr: (text) => {
          if (!faulted && / segment 2\/3/.test(text)) {
            faulted = true;
            controlsOf(simulators.azure).faults.add({
              on: 'submit',
              fault: { kind: 'moderation' },
              times: 1,
            });
          }
        },
      },
    );
    expect(faulted).toBe(true);
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/^uploaded photo-320x180\.jpg/);
    const id = /^generation (\S+) succeeded/m.exec(run.out)![1];
    const view = await viewOf(id);
    expect(view).toMatchObject({ status: 'succeeded', errorCode: 'PARTIAL_RESULT' });
    expect(view.credits.refunded).toBeGreaterThan(0);
    expect(run.out).toContain(`partial result: ${view.error}\n`);
    expect(run.out).toContain(`credits used: ${view.credits.used} (refunded ${view.credits.refunded})`);
    expect((await media.probe(output)).durationSeconds).toBeCloseTo(view.durationSeconds, 1);
  });

  it('a refused request prints the server’s messages and status, and charges nothing', async () => {
    const before = await balanceOf('cli-user');
    const run = await cli(['generate', 'p', '--duration', '7.5s', '-o', join(dir, 'never.mp4')]);
    expect(run).toEqual({
      code: 1,
      out: '',
      err:
        'video-gen: the service refused POST /video-gen/generations (400 Bad Request):\n' +
        '  - duration must be whole seconds such as 5s, 8s or 10s\n',
    });
    expect(await balanceOf('cli-user')).toBe(before);

    const missing = await cli(['status', 'no-such-generation']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(
      /^video-gen: the service refused GET \/video-gen\/generations\/no-such-generation \(404 Not Found\):/,
    );
  });

  it('a generation that fails says why and shows the refund', async () => {
    const before = await balanceOf('cli-user');
    controlsOf(t.app.get(ProviderSimulators).fal).faults.add({
      on: 'submit',
      fault: { kind: 'moderation' },
      times: 1,
    });
    const run = await cli([
      'generate',
      'Something the provider refuses',
      '-i',
      PHOTO,
      '-m',
      'veo3',
      '-o',
      join(dir, 'refused.mp4'),
    ]);
    expect(run.code).toBe(1);
    expect(run.out).toBe('');
    expect(run.err).toMatch(
      /^video-gen: generation \S+ failed: .+\n\d+ of the \d+ reserved credits were refunded\.\n$/m,
    );
    expect(await balanceOf('cli-user')).toBe(before);
  });

  it('a missing token says how to get one, before any request', async () => {
    const run = await runAgainst({ VIDEO_GEN_URL: env.VIDEO_GEN_URL }, ['credits']);
    expect(run).toEqual({
      code: 1,
      out: '',
      err:
        `video-gen: VIDEO_GEN_TOKEN is not set; the service at ${env.VIDEO_GEN_URL} needs a bearer token.\n` +
        'For a local development service, run in the project folder:\n' +
        '  export VIDEO_GEN_TOKEN=$(npm run -s token -- --sub me)\n' +
        'For a deployed service, use a token from its identity provider.\n',
    });
    const bad = await runAgainst({ ...env, VIDEO_GEN_TOKEN: 'not-a-jwt' }, ['credits']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^video-gen: the service refused the token \(401 Unauthorized/);
  });

  it('a service that is down: says which URL and how to start it', async () => {
    const url = await closedPortUrl();
    const run = await runAgainst({ ...env, VIDEO_GEN_URL: url }, [
      'generate',
      'p',
      '-i',
      PHOTO,
      '-o',
      join(dir, 'x.mp4'),
    ]);
    expect(run).toEqual({
      code: 1,
      out: '',
      err:
        `video-gen: cannot reach the video-gen service at ${url} (connection refused).\n` +
        'Start it in the project folder with `npm start` (or `npm run start:sim` for simulated providers),\n' +
        'or set VIDEO_GEN_URL to the address where it runs.\n',
    });
  });

  it('refuses to start a paid generation it could not save', async () => {
    const before = await balanceOf('cli-user');
    const run = await cli(['generate', 'p', '-o', join(dir, 'no-such-folder', 'x.mp4')]);
    expect(run.code).toBe(1);
    expect(run.err).toBe(
      `video-gen: cannot save the video in ${join(dir, 'no-such-folder')}: no such folder. Nothing was started.\n`,
    );
    expect(await balanceOf('cli-user')).toBe(before);
  });
});

describe(`video-gen CLI: Ctrl-C during a generation (${databaseBackend})`, () => {
  let t: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    // Jobs stay queued at the simulated provider, so the interrupt always lands mid-generation.
    t = await startTestApp({ ...SIMULATED, SIMULATOR_QUEUE_MS: '600000' });
    env = { VIDEO_GEN_URL: await listenOnLoopback(t), VIDEO_GEN_TOKEN: await tokenFor(t, 'impatient') };
  });
  afterAll(() => t?.close());

  /** Presses Ctrl-C once the generation's first line is on stderr. */
  function interruptWhenStarted() {
    let press: (() => void) | undefined;
    return {
      onInterrupt: (handler: () => void) => {
        press = handler;
        return () => (press = undefined);
      },
      onErr: (text: string) => {
        if (/^generation \S+ \(/.test(text)) setImmediate(() => press?.());
      },
    };
  }

  const viewOf = async (id: string) =>
    (
      await request(t.http)
        .get(`/video-gen/generations/${id}`)
        .set('Authorization', `Bearer ${env.VIDEO_GEN_TOKEN}`)
    ).body;

  it('asks on a terminal, cancels at the service when told yes, and exits 130', async () => {
    const questions: string[] = [];
    const run = await runAgainst(env, ['generate', 'Waiting forever', '-o', join(tmpdir(), 'never.mp4')], {
      ...interruptWhenStarted(),
      stdinIsTTY: true,
      confirm: async (question) => {
        questions.push(question);
        return true;
      },
    });
    const id = /^generation (\S+) \(/m.exec(run.err)![1];
    expect(run.code).toBe(130);
    expect(questions).toEqual([`Cancel generation ${id} at the service? [y/N] `]);
    expect(run.err).toMatch(new RegExp(`^cancelled generation ${id}`, 'm'));
    const view = await waitFor(
      async () => {
        const current = await viewOf(id);
        return (
          current.status === 'cancelled' && current.credits.refunded === current.credits.reserved && current
        );
      },
      { what: 'the cancelled generation to be refunded' },
    );
    expect(view.credits.used).toBe(0);
  });

  it('leaves it running when stdin is not a terminal, and says how to follow or cancel it', async () => {
    const run = await runAgainst(env, ['generate', 'Waiting forever', '-o', join(tmpdir(), 'never.mp4')], {
      ...interruptWhenStarted(),
      stdinIsTTY: false,
      confirm: async () => {
        throw new Error('must not ask without a terminal');
      },
    });
    const id = /^generation (\S+) \(/m.exec(run.err)![1];
    expect(run.code).toBe(130);
    expect(run.err).toContain(
      `generation ${id} keeps running at the service.\n` +
        `  follow it:   video-gen status ${id}\n` +
        `  download it: video-gen status ${id} -o ${join(tmpdir(), 'never.mp4')}\n` +
        `  cancel it:   video-gen cancel ${id}\n`,
    );
    expect((await viewOf(id)).status).toMatch(/^(queued|running)$/);

    const cancelled = await runAgainst(env, ['cancel', id]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.out).toMatch(new RegExp(`^cancelled generation ${id}`));
  });
});
