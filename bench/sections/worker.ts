import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Figure } from '../lib/report.js';
import { WorkerRig } from '../lib/rig.js';
import { sleep } from '../lib/processes.js';
import { interleaved, median, ratio, round, spread } from '../lib/stats.js';
import { makeLargeVideo, makePaddedVideo, makeSmallVideo } from '../lib/videos.js';

const MB = 1024 * 1024;
/**
 * Measured too, for comparison: a 1 MB young generation, as workers were once deployed to keep memory down.
 * Workers now run with Node's defaults; the target is judged on those.
 */
const TUNED_NODE_OPTIONS = '--max-semi-space-size=1';
/** Worker overhead at most this many times the plain stream copy (issue 14). */
const OVERHEAD_TARGET_RATIO = 1.3;

export interface WorkerOptions {
  overheadMb: number;
  overheadRounds: number;
  memoryMb: number;
  memoryRuns: number;
}

/**
 * Two worker figures on one rig (bench/lib/rig.ts), the provider answering "done" at the first status poll:
 *  - overhead per generation for a large result, from the provider's first "done" answer to the generation's
 *    completedAt, against a plain stream copy of the same bytes from the simulator into S3 (same client);
 *  - peak RSS of the worker process while it handles a very large result, against its idle RSS.
 */
export async function benchWorker(options: WorkerOptions): Promise<{ figures: Figure[]; details: unknown }> {
  const small = join(tmpdir(), `vg-bench-small-${process.pid}.mp4`);
  const medium = join(tmpdir(), `vg-bench-medium-${process.pid}.mp4`);
  const large = join(tmpdir(), `vg-bench-large-${process.pid}.mp4`);
  const rig = await WorkerRig.start({ timing: { queuePolls: 0, runPolls: 0 } });
  try {
    process.stdout.write('making the result videos...\n');
    await makeSmallVideo(small);
    const mediumBytes = await makeLargeVideo(medium, options.overheadMb * MB);
    const videos = { small: await readFile(small), medium: await readFile(medium) };

    // Warm-up: the first generation loads what a worker loads lazily (clients, ffmpeg paths).
    rig.provider.setVideo(videos.small);
    await rig.succeeded(await rig.create());

    process.stdout.write(`timing a ${round(mediumBytes / MB)} MB result against a stream copy...\n`);
    rig.provider.setVideo(videos.medium);
    let lastResultUrl = '';
    const samples = await interleaved(options.overheadRounds, 1, {
      generation: async () => {
        const done = await rig.succeeded(await rig.create(), 300_000, 20);
        const saidDone = rig.firstStatusAt(done.requestId!);
        if (!saidDone || !done.completedAt) throw new Error(`no timing for generation ${done.id}`);
        lastResultUrl = `${rig.provider.baseUrl}/files/${done.requestId}.mp4`;
        return done.completedAt.getTime() - saidDone;
      },
      streamCopy: async (round) => {
        const started = performance.now();
        const res = await fetch(lastResultUrl);
        if (!res.ok || !res.body) throw new Error(`simulator answered ${res.status} for ${lastResultUrl}`);
        await rig.storage.storage.upload(
          `bench/copy-${round}.mp4`,
          Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
          'video/mp4',
        );
        return performance.now() - started;
      },
    });
    const overhead = spread(samples.generation, 0);
    const copy = spread(samples.streamCopy, 0);
    const overheadRatio = ratio(overhead.median, copy.median);
    const figures: Figure[] = [
      {
        section: 'worker',
        name: `worker overhead per generation, ${round(mediumBytes / MB)} MB result (provider done -> succeeded)`,
        unit: 'ms',
        value: overhead,
        baseline: { name: 'stream copy of the same bytes, simulator -> S3', value: copy },
        ratio: overheadRatio,
        better: 'lower',
        target: `ratio <= ${OVERHEAD_TARGET_RATIO} (median over median)`,
        met: typeof overheadRatio === 'number' && overheadRatio <= OVERHEAD_TARGET_RATIO,
      },
    ];

    process.stdout.write(`making a ${options.memoryMb} MB result...\n`);
    const largeBytes = await makePaddedVideo(large, options.memoryMb * MB);
    const largeVideo = await readFile(large);
    const measureMemory = async (nodeOptions: string | undefined) => {
      const idle: number[] = [];
      const peaks: number[] = [];
      const timeline: Array<Array<[number, number]>> = [];
      for (let run = 0; run < options.memoryRuns; run += 1) {
        process.stdout.write(
          `worker RSS with a ${round(largeBytes / MB)} MB result${nodeOptions ? ` (${nodeOptions})` : ''}, run ${run + 1}...\n`,
        );
        // A fresh worker each run, warmed up by one ordinary generation: memory a process has used stays in
        // its RSS, so idle must be measured before it ever handled a large result.
        await rig.worker?.stop();
        const worker = await rig.startWorker(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {});
        rig.provider.setVideo(videos.small);
        await rig.succeeded(await rig.create());
        rig.provider.setVideo(largeVideo);
        await sleep(1500);
        const resting: number[] = [];
        for (let i = 0; i < 10; i += 1) {
          resting.push((await worker.memory()).rss);
          await sleep(100);
        }
        const idleRss = median(resting);
        await worker.resetPeak();
        const id = await rig.create();
        const samplesOfRun: Array<[number, number]> = [];
        const started = Date.now();
        let sampledPeak = 0;
        const sampler = setInterval(() => {
          worker.memory().then(
            ({ rss }) => {
              sampledPeak = Math.max(sampledPeak, rss);
              samplesOfRun.push([Date.now() - started, round(rss / MB)]);
            },
            () => undefined,
          );
        }, 25);
        try {
          await rig.succeeded(id, 600_000, 100);
        } finally {
          clearInterval(sampler);
        }
        const peak = Math.max((await worker.memory()).peak, sampledPeak);
        idle.push(idleRss / MB);
        peaks.push(peak / MB);
        timeline.push(samplesOfRun.filter((_, index) => index % 20 === 0));
      }
      return { idle, peaks, timeline, growth: peaks.map((peak, index) => peak - idle[index]) };
    };
    // With Node's default young generation, read buffers already written would wait for V8's external-memory
    // limit; the worker collects them as a result moves (src/video-gen/worker/gc-pacer.ts).
    const defaults = await measureMemory(undefined);
    const tuned = await measureMemory(TUNED_NODE_OPTIONS);
    for (const [measured, setting] of [
      [defaults, 'default Node settings, as workers are deployed'],
      [tuned, `NODE_OPTIONS=${TUNED_NODE_OPTIONS}, for comparison`],
    ] as const) {
      const growthSpread = spread(measured.growth);
      figures.push({
        section: 'worker',
        name: `worker peak RSS above idle, ${round(largeBytes / MB)} MB result, ${setting}`,
        unit: 'MB',
        value: spread(measured.peaks),
        baseline: { name: 'same worker idle', value: spread(measured.idle) },
        ratio: ratio(median(measured.peaks), median(measured.idle)),
        better: 'lower',
        target: `peak - idle < 64 MB (measured ${growthSpread.median}, ${growthSpread.min}-${growthSpread.max})`,
        met: growthSpread.max < 64,
      });
    }
    const growth = defaults.growth;
    const timeline = defaults.timeline;
    return {
      figures,
      details: {
        overheadResultBytes: mediumBytes,
        memoryResultBytes: largeBytes,
        rssGrowthMb: growth.map((value) => round(value)),
        rssGrowthTunedNodeMb: tuned.growth.map((value) => round(value)),
        rssTimelineMb: timeline,
      },
    };
  } finally {
    await rig.stop();
    for (const file of [small, medium, large]) await rm(file, { force: true });
  }
}
