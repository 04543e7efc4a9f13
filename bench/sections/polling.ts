import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figure } from '../lib/report.js';
import { WorkerRig } from '../lib/rig.js';
import { sleep } from '../lib/processes.js';
import { percentile, ratio, round, spread, type Spread } from '../lib/stats.js';
import { makeTinyVideo } from '../lib/videos.js';

export interface PollingOptions {
  generations: number;
  queueMs: number;
  runMs: number;
  /** Settings of the one worker process (PROVIDER_CONCURRENCY_FAL, poll intervals...). */
  workerEnv: Record<string, string>;
  /** How long after the last submission + one job cycle to keep watching. */
  graceMs: number;
  /** Longest the whole watch may take. */
  maxWatchMs: number;
  /** The staleness target, seconds. */
  targetSeconds: number;
}

const pct = (values: number[]): Spread & { p50: number; p99: number } => ({
  ...spread(values),
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
});

/**
 * Polling at scale: `generations` accepted at once, all handled by ONE worker process, each a job at the
 * simulated fal queue that waits `queueMs` and runs `runMs` (by the simulator's clock). The simulator timestamps
 * every request it receives, so for each job we know when its status really changed (queued -> running at
 * accept + queueMs, running -> done at + runMs) and when the worker next asked: that gap is how stale the
 * service's view of that job was. Measured until every job has been seen done (or a time limit).
 */
export async function benchPolling(
  options: PollingOptions,
): Promise<{ figures: Figure[]; details: unknown }> {
  const tiny = join(tmpdir(), `vg-bench-tiny-${process.pid}.mp4`);
  const rig = await WorkerRig.start({
    timing: { queueMs: options.queueMs, runMs: options.runMs },
    workerEnv: options.workerEnv,
  });
  try {
    await makeTinyVideo(tiny);
    rig.provider.setVideo(await readFile(tiny));
    // Warm-up, then a clean slate.
    rig.provider.setTiming({ queuePolls: 0, runPolls: 0 });
    await rig.succeeded(await rig.create());
    rig.provider.setTiming({ queueMs: options.queueMs, runMs: options.runMs });
    await rig.provider.reset();

    process.stdout.write(`accepting ${options.generations} generations...\n`);
    const acceptStart = Date.now();
    let sent = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < options.generations) {
          sent += 1;
          await rig.create(`generation ${sent}`);
        }
      }),
    );
    const acceptSeconds = (Date.now() - acceptStart) / 1000;

    const cycle = options.queueMs + options.runMs;
    // Watch until every job has been seen done, but at most one cycle and the grace after the last job
    // reached the provider (the worker submits at its own pace), and never past a hard cap. What is not
    // seen by then is reported as not seen, counted as stale until the end.
    const hardStop = Date.now() + options.maxWatchMs;
    const deadline = () => {
      const submitted = [...rig.provider.jobCreatedAt().values()];
      const lastSubmit = submitted.length ? Math.max(...submitted) : Date.now();
      return Math.min(hardStop, lastSubmit + cycle + options.graceMs);
    };
    let progressAt = 0;
    let scanned = 0;
    const seenDone = new Set<string>();
    for (;;) {
      const accepted = rig.provider.jobCreatedAt();
      const timed = rig.provider.timed;
      for (; scanned < timed.length; scanned += 1) {
        const id = statusRequestId(timed[scanned]);
        const at = id === undefined ? undefined : accepted.get(id);
        if (at !== undefined && timed[scanned].at >= at + cycle) seenDone.add(id!);
      }
      if (Date.now() - progressAt > 15_000) {
        process.stdout.write(`  ${accepted.size} submitted, ${seenDone.size} seen done\n`);
        progressAt = Date.now();
      }
      if (seenDone.size >= options.generations || Date.now() > deadline()) break;
      await sleep(1000);
    }

    const outcomes = await rig.db.query<{ status: string; count: number }>(
      `SELECT status::text, count(*)::int FROM "Generation" GROUP BY status ORDER BY status`,
    );
    const workerProblems = rig.worker?.problemSummary() ?? [];
    const created = rig.provider.jobCreatedAt();
    const polls = statusPolls(rig);
    const staleness: number[] = [];
    const gaps: number[] = [];
    let missed = 0;
    const stoppedAt = Date.now();
    for (const [id, acceptedAt] of created) {
      const times = polls.get(id) ?? [];
      for (const changedAt of [acceptedAt + options.queueMs, acceptedAt + cycle]) {
        if (changedAt > stoppedAt) continue;
        const seen = times.find((at) => at >= changedAt);
        if (seen !== undefined) {
          staleness.push((seen - changedAt) / 1000);
        } else {
          // Not seen when the measurement stopped: at least this stale (counted, so percentiles are not flattered).
          missed += 1;
          staleness.push((stoppedAt - changedAt) / 1000);
        }
      }
      for (let i = 1; i < times.length; i += 1) gaps.push((times[i] - times[i - 1]) / 1000);
    }
    // In flight: submitted and not yet done at the provider. Requests per second over the window when every
    // job was in flight at once (the last submit to the first completion), or the busiest minute otherwise.
    const submittedAt = [...created.values()].sort((a, b) => a - b);
    const allInFlightFrom = submittedAt[submittedAt.length - 1];
    const firstDone = submittedAt[0] + cycle;
    const maxInFlight = maxConcurrent(submittedAt, cycle);
    const windowStart = allInFlightFrom < firstDone ? allInFlightFrom : submittedAt[0] + options.queueMs;
    const windowEnd = allInFlightFrom < firstDone ? firstDone : windowStart + 60_000;
    const inWindow = rig.provider.timed.filter((r) => r.at >= windowStart && r.at < windowEnd);
    const windowSeconds = (windowEnd - windowStart) / 1000;
    const requestsPerSecond = round(inWindow.length / windowSeconds);
    const statusPerSecond = round(inWindow.filter((r) => r.path.endsWith('/status')).length / windowSeconds);

    const stale = pct(staleness);
    // Baseline: a perfect round-robin poller spending the same status requests per second on the same jobs
    // would see each change at most N / rate seconds late, N / (2 rate) on average.
    const roundRobinMax = maxInFlight / statusPerSecond;
    const neededRate = maxInFlight / options.targetSeconds;
    const figures: Figure[] = [
      {
        section: 'polling',
        name: `status staleness, ${maxInFlight} in flight, one worker: p99 (max ${stale.max} s)`,
        unit: 's',
        value: { ...stale, median: stale.p99 },
        baseline: {
          name: `round-robin poller at the same ${statusPerSecond} status req/s (N / rate)`,
          value: {
            runs: 1,
            median: round(roundRobinMax),
            min: round(roundRobinMax / 2),
            max: round(roundRobinMax),
          },
        },
        ratio: ratio(stale.p99, roundRobinMax),
        better: 'lower',
        target: `every status < ${options.targetSeconds} s (max ${stale.max} s, p50 ${stale.p50} s${missed ? `, ${missed} changes not yet seen at the end, counted as stale until then` : ''})`,
        met: missed === 0 && stale.max < options.targetSeconds,
      },
      {
        section: 'polling',
        name: `provider requests while ${maxInFlight} are in flight`,
        unit: 'req/s',
        value: { runs: 1, median: requestsPerSecond, min: requestsPerSecond, max: requestsPerSecond },
        baseline: {
          name: `rate that polls each of ${maxInFlight} once per ${options.targetSeconds} s`,
          value: { runs: 1, median: round(neededRate), min: round(neededRate), max: round(neededRate) },
        },
        ratio: ratio(requestsPerSecond, neededRate),
        better: 'lower',
      },
    ];
    return {
      figures,
      details: {
        generations: options.generations,
        acceptSeconds: round(acceptSeconds),
        submitted: created.size,
        maxInFlight,
        queueMs: options.queueMs,
        runMs: options.runMs,
        workerEnv: options.workerEnv,
        stalenessSeconds: stale,
        pollGapSeconds: pct(gaps),
        changesNeverSeen: missed,
        window: { seconds: round(windowSeconds), requestsPerSecond, statusPerSecond },
        submitSpreadSeconds: round((submittedAt[submittedAt.length - 1] - submittedAt[0]) / 1000),
        generationsByStatus: Object.fromEntries(outcomes.rows.map((row) => [row.status, row.count])),
        workerWarningsAndErrors: workerProblems,
      },
    };
  } finally {
    await rig.stop();
    await rm(tiny, { force: true });
  }
}

function statusRequestId(request: { method: string; path: string }): string | undefined {
  if (request.method !== 'GET') return undefined;
  return /\/requests\/([^/]+)\/status$/.exec(request.path)?.[1];
}

function statusPolls(rig: WorkerRig): Map<string, number[]> {
  const polls = new Map<string, number[]>();
  for (const request of rig.provider.timed) {
    const id = statusRequestId(request);
    if (id === undefined) continue;
    const list = polls.get(id) ?? [];
    list.push(request.at);
    polls.set(id, list);
  }
  return polls;
}

/** The most jobs at the provider at once, each there from its submission for `cycle` ms. */
function maxConcurrent(submitted: number[], cycle: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < submitted.length; end += 1) {
    while (submitted[end] - submitted[start] >= cycle) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
