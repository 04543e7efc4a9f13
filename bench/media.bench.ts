/**
 * Media benchmark (issue 7): run with `npm run bench:media`. Not a test: it measures, on this machine and in one
 * run, what the speed targets compare against a same-run baseline.
 *   - extractLastFrame on a 4 s and a 60 s 720p video: the 60 s one may take at most 1.5x as long.
 *   - concat of three 12 s 720p segments by stream copy versus re-encoding: copy at least 20x faster.
 * Prints a Markdown table and writes bench/results/media.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadMediaConfig } from '../src/config/app-config.js';
import { runProcess } from '../src/media/ffmpeg.runner.js';
import { MediaService } from '../src/media/media.service.js';

const FPS = 24;
/** Keyframe every 2 s, as streaming-ready encoders (and model outputs) commonly use; x264's default is 10 s. */
const GOP_FRAMES = 48;

interface Timing {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

function summarise(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    runs: sorted.length,
    medianMs: round(median),
    minMs: round(sorted[0]),
    maxMs: round(sorted[sorted.length - 1]),
  };
}

/**
 * Times several operations round-robin (one run of each per round, the order rotating), so that whatever else the
 * machine is doing weighs on every side of a comparison alike.
 */
async function timeInterleaved<K extends string>(
  rounds: number,
  warmups: number,
  works: Record<K, (run: number) => Promise<unknown>>,
): Promise<Record<K, Timing>> {
  const names = Object.keys(works) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let round = -warmups; round < rounds; round += 1) {
    const order = names.map((_, index) => names[(index + Math.max(round, 0)) % names.length]);
    for (const name of order) {
      const started = performance.now();
      await works[name](round);
      if (round >= 0) samples[name].push(performance.now() - started);
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarise(samples[name])])) as Record<K, Timing>;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

async function main(): Promise<void> {
  const media = new MediaService({ media: loadMediaConfig() });
  const loadBefore = loadavg();
  const tools = await media.tools();
  const ffmpeg = async (args: string[]) => {
    await runProcess(tools.ffmpeg.path, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], {
      timeoutMs: 600_000,
    });
  };
  const dir = await mkdtemp(join(tmpdir(), 'vg-media-bench-'));
  const at = (name: string) => join(dir, name);

  /** A 720p H.264 + AAC video like a model's output (testsrc2 moves in every frame, so nothing is trivially cheap). */
  const makeVideo = (path: string, seconds: number, hue: number, gop: number) =>
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=1280x720:rate=${FPS}`,
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-t',
      String(seconds),
      '-vf',
      `hue=h=${hue}`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      String(gop),
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-movflags',
      '+faststart',
      path,
    ]);

  try {
    process.stdout.write('preparing 720p test videos...\n');
    await Promise.all([
      makeVideo(at('short.mp4'), 4, 0, GOP_FRAMES),
      makeVideo(at('long.mp4'), 60, 0, GOP_FRAMES),
      makeVideo(at('long-default-gop.mp4'), 60, 0, 250),
      makeVideo(at('short-default-gop.mp4'), 4, 0, 250),
    ]);
    await Promise.all(
      [0, 1, 2].map((index) => makeVideo(at(`segment-${index}.mp4`), 12, index * 90, GOP_FRAMES)),
    );

    process.stdout.write('timing extractLastFrame...\n');
    const lastFrame = (video: string) => (run: number) =>
      media.extractLastFrame(at(video), at(`last-${video}-${run}.jpg`));
    const {
      short,
      long,
      short10sGop: shortDefaultGop,
      long10sGop: longDefaultGop,
    } = await timeInterleaved(15, 2, {
      short: lastFrame('short.mp4'),
      long: lastFrame('long.mp4'),
      short10sGop: lastFrame('short-default-gop.mp4'),
      long10sGop: lastFrame('long-default-gop.mp4'),
    });
    // The naive way, for scale: decode the whole 60 s video and keep its last frame.
    const { whole: wholeDecode } = await timeInterleaved(1, 0, {
      whole: (run) => ffmpeg(['-i', at('long.mp4'), '-map', '0:v:0', '-update', '1', at(`whole-${run}.jpg`)]),
    });

    process.stdout.write('timing concat of three 12 s segments...\n');
    const segments = [0, 1, 2].map((index) => at(`segment-${index}.mp4`));
    const methods = new Set<string>();
    const { copy, reencode } = await timeInterleaved(5, 1, {
      copy: async (run) => methods.add((await media.concat(segments, at(`copy-${run}.mp4`))).method),
      reencode: (run) => media.concat(segments, at(`reencode-${run}.mp4`), { reencode: true }),
    });
    if (methods.size !== 1 || !methods.has('copy')) {
      throw new Error(`expected the segments to be stream-copied, got ${[...methods].join(', ')}`);
    }

    const lastFrameRatio = Math.round((long.medianMs / short.medianMs) * 100) / 100;
    const defaultGopRatio = Math.round((longDefaultGop.medianMs / shortDefaultGop.medianMs) * 100) / 100;
    const concatSpeedup = Math.round((reencode.medianMs / copy.medianMs) * 10) / 10;
    const results = {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        // Other work on the machine stretches wall-clock times; both sides of each ratio ran under it.
        loadAverage1m: { before: round2(loadBefore[0]), after: round2(loadavg()[0]) },
      },
      ffmpeg: { version: tools.ffmpeg.version, source: tools.ffmpeg.source },
      video: {
        size: '1280x720',
        fps: FPS,
        codec: 'h264 veryfast + aac',
        keyframeEverySeconds: GOP_FRAMES / FPS,
      },
      extractLastFrame: {
        short4s: short,
        long60s: long,
        ratio: lastFrameRatio,
        target: '<= 1.5',
        met: lastFrameRatio <= 1.5,
        withX264DefaultGop: { short4s: shortDefaultGop, long60s: longDefaultGop, ratio: defaultGopRatio },
        wholeDecode60sBaseline: wholeDecode,
      },
      concat3x12s: {
        streamCopy: copy,
        reencode,
        speedup: concatSpeedup,
        target: '>= 20',
        met: concatSpeedup >= 20,
      },
    };

    const row = (name: string, timing: Timing) =>
      `| ${name} | ${timing.medianMs} | ${timing.minMs} | ${timing.maxMs} | ${timing.runs} |`;
    const table = [
      `ffmpeg ${tools.ffmpeg.version}, ${cpus().length} CPUs (${results.machine.cpuModel}), Node ${process.version}, ` +
        `load average ${results.machine.loadAverage1m.before} -> ${results.machine.loadAverage1m.after}`,
      '',
      '| operation (1280x720, 24 fps) | median ms | min ms | max ms | runs |',
      '| --- | ---: | ---: | ---: | ---: |',
      row('extractLastFrame, 4 s video', short),
      row('extractLastFrame, 60 s video', long),
      row('extractLastFrame, 4 s, x264 default GOP (10 s)', shortDefaultGop),
      row('extractLastFrame, 60 s, x264 default GOP (10 s)', longDefaultGop),
      row('baseline: decode all of the 60 s video', wholeDecode),
      row('concat 3 x 12 s, stream copy', copy),
      row('concat 3 x 12 s, re-encode', reencode),
      '',
      `- extractLastFrame 60 s / 4 s: **${lastFrameRatio}x** (target <= 1.5x: ${results.extractLastFrame.met ? 'met' : 'NOT met'}); ` +
        `with 10 s keyframe intervals: ${defaultGopRatio}x`,
      `- concat stream copy vs re-encode: **${concatSpeedup}x faster** (target >= 20x: ${results.concat3x12s.met ? 'met' : 'NOT met'})`,
    ].join('\n');
    process.stdout.write(`\n${table}\n`);

    const resultsDir = resolve('bench/results');
    await mkdir(resultsDir, { recursive: true });
    await writeFile(join(resultsDir, 'media.json'), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\nwrote ${join(resultsDir, 'media.json')}\n`);
    if (!results.extractLastFrame.met || !results.concat3x12s.met) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
