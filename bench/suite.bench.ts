/**
 * `npm run bench`: the whole benchmark suite (issue 8), with simulated providers, on PostgreSQL. Every figure
 * is the median of several runs after a warm-up, with min and max, beside a baseline measured in the same run
 * on the same machine, and their ratio. Writes bench/results/latest.json and bench/results/latest.md and
 * prints the table. `npm run bench -- --only http,worker` runs some sections; BENCH_QUICK=1 shortens them
 * (for trying the suite out, not for figures). bench/README.md says how each figure is measured.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { serverVersion } from './lib/database.js';
import { markdownTable, type Figure } from './lib/report.js';
import { round } from './lib/stats.js';
import { benchEvents } from './sections/events.js';
import { benchCredits, benchMedia } from './sections/external.js';
import { benchHttpCreate } from './sections/http-create.js';
import { benchPolling } from './sections/polling.js';
import { benchWorker } from './sections/worker.js';

const quick = process.env.BENCH_QUICK === '1';
const onlyArg = process.argv.find((arg) => arg.startsWith('--only'));
const only = onlyArg
  ? new Set(
      (onlyArg.includes('=') ? onlyArg.split('=')[1] : process.argv[process.argv.indexOf(onlyArg) + 1]).split(
        ',',
      ),
    )
  : undefined;

type Section = { name: string; run: () => Promise<{ figures: Figure[]; details?: unknown }> };

const SECTIONS: Section[] = [
  {
    name: 'http',
    run: async () => ({
      figures: await benchHttpCreate(
        quick
          ? { connections: [1, 50], seconds: 2, rounds: 1, users: 5 }
          : { connections: [1, 50], seconds: 4, rounds: 3, users: 50 },
      ),
    }),
  },
  {
    name: 'worker',
    run: () =>
      benchWorker(
        quick
          ? { overheadMb: 10, overheadRounds: 1, memoryMb: 100, memoryRuns: 1 }
          : { overheadMb: 50, overheadRounds: 5, memoryMb: 500, memoryRuns: 3 },
      ),
  },
  {
    name: 'polling',
    run: () =>
      benchPolling({
        generations: quick ? 100 : 1000,
        // Veo 3 takes minutes; a long run lets one worker (submitting at its own pace on two shared cores)
        // have all 1,000 at the provider at once.
        queueMs: quick ? 10_000 : 15_000,
        runMs: quick ? 20_000 : 150_000,
        // The worker's batched poller watches every submitted segment; job slots only submit and receive,
        // 8 at once to submit 1,000 quickly.
        workerEnv: { PROVIDER_CONCURRENCY_FAL: '8' },
        graceMs: 30_000,
        maxWatchMs: quick ? 120_000 : 420_000,
        targetSeconds: 10,
      }),
  },
  {
    name: 'events',
    run: () =>
      benchEvents(
        quick
          ? { watchers: 100, windowSeconds: 3, rounds: 1, changes: 10, successes: 3 }
          : { watchers: 400, windowSeconds: 15, rounds: 3, changes: 40, successes: 10 },
      ),
  },
  { name: 'credits', run: benchCredits },
  { name: 'media', run: benchMedia },
];

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = loadavg();
  const results: Record<string, { seconds: number; figures: Figure[]; details?: unknown; error?: string }> =
    {};
  for (const section of SECTIONS) {
    if (only && !only.has(section.name)) continue;
    process.stdout.write(`\n== ${section.name} ==\n`);
    const sectionStart = Date.now();
    try {
      const { figures, details } = await section.run();
      results[section.name] = { seconds: round((Date.now() - sectionStart) / 1000), figures, details };
      process.stdout.write(`${markdownTable(figures)}\n`);
    } catch (error) {
      results[section.name] = {
        seconds: round((Date.now() - sectionStart) / 1000),
        figures: [],
        error: (error as Error).stack ?? String(error),
      };
      process.stdout.write(`section ${section.name} failed: ${(error as Error).message}\n`);
      process.exitCode = 1;
    }
  }
  const figures = Object.values(results).flatMap((result) => result.figures);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: await serverVersion(),
    // Other work on a shared machine stretches every time; each ratio's two sides ran under it alike.
    loadAverage1m: { before: round(loadBefore[0], 2), after: round(loadavg()[0], 2) },
  };
  const table = markdownTable(figures);
  const header =
    `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB, Node ${machine.node}, ` +
    `PostgreSQL ${machine.postgres}, load average ${machine.loadAverage1m.before} -> ${machine.loadAverage1m.after}; ` +
    `\`npm run bench\` took ${round((Date.now() - started) / 60_000)} min${quick ? ' (BENCH_QUICK: not for figures)' : ''}`;
  const dir = resolve('bench/results');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'latest.json'),
    `${JSON.stringify({ date: new Date().toISOString(), quick, machine, sections: results }, null, 2)}\n`,
  );
  await writeFile(join(dir, 'latest.md'), `${header}\n\n${table}\n`);
  process.stdout.write(`\n${header}\n\n${table}\n\nwrote bench/results/latest.json and latest.md\n`);
}

await main();
