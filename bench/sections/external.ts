import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Figure } from '../lib/report.js';
import { ratio, round, spread, type Spread } from '../lib/stats.js';

/** Runs `npm run <script>` in this project, its output passed through with a prefix. */
function npmRun(script: string, env: Record<string, string> = {}): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', '--silent', script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (line.trim()) process.stdout.write(`  [${script}] ${line}\n`);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.once('error', fail);
    child.once('exit', (code) =>
      code === 0 ? done() : fail(new Error(`npm run ${script} exited with ${code}`)),
    );
  });
}

const readJson = async <T>(path: string): Promise<T> =>
  JSON.parse(await readFile(resolve(path), 'utf8')) as T;

interface CreditsResults {
  reservationsPerRun: number;
  scenarios: Array<{
    name: string;
    reservations: { perSecond: number; runs: number[] };
    baseline: { perSecond: number; runs: number[] };
  }>;
}

/** The credits figures (issue 3): `npm run bench:credits`, run now, read from bench/results/credits.json. */
export async function benchCredits(): Promise<{ figures: Figure[]; details: unknown }> {
  await npmRun('bench:credits');
  const results = await readJson<CreditsResults>('bench/results/credits.json');
  const figures = results.scenarios.map((scenario): Figure => {
    const value = spread(scenario.reservations.runs, 0);
    const base = spread(scenario.baseline.runs, 0);
    return {
      section: 'credits',
      name: `credit reservations, ${scenario.name}`,
      unit: 'reservations/s',
      value,
      baseline: { name: 'same transaction without the reservation', value: base },
      ratio: ratio(value.median, base.median),
      better: 'higher',
    };
  });
  return { figures, details: results };
}

interface Timing {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}
interface MediaResults {
  extractLastFrame: { short4s: Timing; long60s: Timing; ratio: number; met: boolean };
  concat3x12s: { streamCopy: Timing; reencode: Timing; speedup: number; met: boolean };
}

const asSpread = (timing: Timing): Spread => ({
  runs: timing.runs,
  median: round(timing.medianMs, 0),
  min: round(timing.minMs, 0),
  max: round(timing.maxMs, 0),
});

/** The media figures (issue 7): `npm run bench:media`, run now, read from bench/results/media.json. */
export async function benchMedia(): Promise<{ figures: Figure[]; details: unknown }> {
  await npmRun('bench:media');
  const results = await readJson<MediaResults>('bench/results/media.json');
  const { extractLastFrame: last, concat3x12s: concat } = results;
  return {
    figures: [
      {
        section: 'media',
        name: 'extractLastFrame, 60 s 720p video',
        unit: 'ms',
        value: asSpread(last.long60s),
        baseline: { name: 'the same on a 4 s video', value: asSpread(last.short4s) },
        ratio: last.ratio,
        better: 'lower',
        target: 'ratio <= 1.5',
        met: last.met,
      },
      {
        section: 'media',
        name: 'concat 3 x 12 s 720p, stream copy',
        unit: 'ms',
        value: asSpread(concat.streamCopy),
        baseline: { name: 're-encoding the same', value: asSpread(concat.reencode) },
        ratio: ratio(concat.streamCopy.medianMs, concat.reencode.medianMs),
        better: 'lower',
        target: `re-encode / copy >= 20 (measured ${concat.speedup})`,
        met: concat.met,
      },
    ],
    details: results,
  };
}
