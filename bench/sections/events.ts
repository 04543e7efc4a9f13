import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openSse, type SseConnection } from '../../test/support/sse-client.js';
import type { Figure } from '../lib/report.js';
import { WorkerRig } from '../lib/rig.js';
import { sleep } from '../lib/processes.js';
import { makeTinyVideo } from '../lib/videos.js';
import { interleaved, percentile, ratio, round, spread } from '../lib/stats.js';

export interface EventsOptions {
  watchers: number;
  windowSeconds: number;
  rounds: number;
  /** Cancels timed for the state change -> SSE event latency. */
  changes: number;
  /** Generations run to success for the "answer after success" figures. */
  successes: number;
}

/** Transactions committed in the rig's database so far (pg_stat_database, every backend). */
async function commits(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * The change feed (issue 15): what watching costs the database, and how fast a change reaches watchers.
 * One API process and one worker on PostgreSQL, the fal simulator as fal.
 * - Database transactions per second with 0 and with `watchers` open SSE streams, over `windowSeconds`
 *   windows, interleaved (pg_stat_database.xact_commit deltas; stats reach the view within about a second, so
 *   windows are long). Watched generations sit queued (no worker yet): nothing changes, so all extra cost is the
 *   watchers'. The per-watcher cost is the difference divided by `watchers`.
 * - State change -> SSE event: with the watchers still open, `changes` watched generations are cancelled one
 *   at a time; latency from the change (the generation's completedAt, set just before the cancelling
 *   transaction commits) until the `cancelled` event arrives on the stream. Baseline: the cancel request's
 *   own answer, measured from the same instant.
 * - Answer after success: generations run to success; from the generation's completedAt (set just before the
 *   committing transaction) to the sync `POST /video-gen/image-to-video` answer arriving. Baseline: a client
 *   reading GET /video-gen/generations/:id every 250 ms (the service's old sync loop) sees the success after.
 */
export async function benchEvents(options: EventsOptions): Promise<{ figures: Figure[]; details: unknown }> {
  const rig = await WorkerRig.start({
    timing: { queueMs: 200, runMs: 600 },
    startWorker: false,
    apiEnv: { SSE_MAX_STREAMS_PER_USER: String(options.watchers + 10), SSE_MAX_STREAMS: '100000' },
  });
  const streams: SseConnection[] = [];
  const tiny = join(tmpdir(), `vg-bench-events-${process.pid}.mp4`);
  try {
    await makeTinyVideo(tiny);
    rig.provider.setVideo(await readFile(tiny));
    const headers = { authorization: rig.user.authorization };
    const watched: string[] = [];
    for (let i = 0; i < Math.max(options.changes, 20); i++) watched.push(await rig.create(`watched ${i}`));
    const open = async (count: number) => {
      while (streams.length < count) {
        const id = watched[streams.length % watched.length]!;
        const stream = await openSse(rig.api.baseUrl, `/video-gen/generations/${id}/events`, headers);
        if (stream.status !== 200) throw new Error(`stream answered ${stream.status}: ${stream.text()}`);
        streams.push(stream);
      }
    };
    const closeAll = async () => {
      for (const stream of streams.splice(0)) stream.close();
      await sleep(500);
    };
    const window = async () => {
      await sleep(1500); // stats of the previous phase reach the view
      const before = await commits(rig.db);
      await sleep(options.windowSeconds * 1000);
      return ((await commits(rig.db)) - before) / options.windowSeconds;
    };
    const samples = await interleaved(options.rounds, 1, {
      none: async () => {
        await closeAll();
        return window();
      },
      watched: async () => {
        await open(options.watchers);
        return window();
      },
    });
    const perWatcher = samples.watched.map((tx, i) => (tx - samples.none[i]!) / options.watchers);

    // State change -> SSE event, with every watcher open.
    await open(options.watchers);
    const eventMs: number[] = [];
    const answerMs: number[] = [];
    for (const id of watched.slice(0, options.changes)) {
      const stream = streams.find((s) => s.events.length > 0 && JSON.parse(s.events[0]!.data).id === id)!;
      const res = await fetch(`${rig.api.baseUrl}/video-gen/generations/${id}/cancel`, {
        method: 'POST',
        headers,
      });
      const answered = Date.now();
      const view = (await res.json()) as { completedAt: string };
      if (res.status !== 200) throw new Error(`cancel answered ${res.status}`);
      // The change's own time: completedAt is set just before the cancelling transaction commits.
      const changedAt = Date.parse(view.completedAt);
      const deadline = Date.now() + 10_000;
      let index = -1;
      while (index < 0) {
        index = stream.events.findIndex(
          (e) => e.event === 'status' && JSON.parse(e.data).type === 'cancelled',
        );
        if (Date.now() > deadline) throw new Error(`no cancelled event for ${id}`);
        if (index < 0) await sleep(1);
      }
      eventMs.push(stream.arrivals[index]! - changedAt);
      answerMs.push(answered - changedAt);
    }
    await closeAll();
    // The rest of the watched generations would only queue behind the ones timed next.
    for (const id of watched.slice(options.changes)) {
      await fetch(`${rig.api.baseUrl}/video-gen/generations/${id}/cancel`, { method: 'POST', headers });
    }

    // Answers after success: the sync endpoint, and a 250 ms GET poller on async generations.
    await rig.startWorker();
    const syncMs: number[] = [];
    const pollMs: number[] = [];
    for (let i = 0; i < options.successes; i++) {
      const res = await fetch(`${rig.api.baseUrl}/video-gen/image-to-video`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ id: rig.user.image, prompt: `sync ${i}` }),
      });
      const arrived = Date.now();
      const body = (await res.json()) as { id: string; success: boolean };
      if (!body.success) throw new Error(`sync answered ${res.status}: ${JSON.stringify(body)}`);
      syncMs.push(arrived - (await rig.generation(body.id)).completedAt!.getTime());

      const id = await rig.create(`polled ${i}`);
      let seen: number | undefined;
      while (seen === undefined) {
        await sleep(250);
        const view = (await (
          await fetch(`${rig.api.baseUrl}/video-gen/generations/${id}`, { headers })
        ).json()) as { status: string };
        if (view.status === 'succeeded') seen = Date.now();
        else if (view.status !== 'queued' && view.status !== 'running')
          throw new Error(`polled ${view.status}`);
      }
      pollMs.push(seen - (await rig.generation(id)).completedAt!.getTime());
    }

    const p99 = (values: number[]) => ({ ...spread([percentile(values, 99)]), runs: values.length });
    const eventP99 = percentile(eventMs, 99);
    const syncMax = Math.max(...syncMs);
    const perWatcherMedian = spread(perWatcher, 3).median;
    const figures: Figure[] = [
      {
        section: 'events',
        name: `database transactions with ${options.watchers} SSE watchers`,
        unit: 'tx/s',
        value: spread(samples.watched),
        baseline: { name: 'no watchers', value: spread(samples.none) },
        ratio: ratio(spread(samples.watched).median, spread(samples.none).median),
        better: 'lower',
      },
      {
        section: 'events',
        name: 'database cost per SSE watcher',
        unit: 'tx/s',
        value: spread(perWatcher, 3),
        better: 'lower',
        target: '<= 0.05 tx/s at 400 watchers (was 3.7)',
        met: perWatcherMedian <= 0.05,
      },
      {
        section: 'events',
        name: `state change -> SSE event p99, ${options.watchers} watchers`,
        unit: 'ms',
        value: p99(eventMs),
        baseline: { name: 'the cancel request’s own answer after the change, p99', value: p99(answerMs) },
        ratio: ratio(eventP99, percentile(answerMs, 99)),
        better: 'lower',
        target: '< 250 ms',
        met: eventP99 < 250,
      },
      {
        section: 'events',
        name: 'sync image-to-video answer after success',
        unit: 'ms',
        value: spread(syncMs),
        baseline: { name: 'GET every 250 ms (the old wait)', value: spread(pollMs) },
        ratio: ratio(spread(syncMs).median, spread(pollMs).median),
        better: 'lower',
        target: 'within 250 ms (max)',
        met: syncMax < 250,
      },
    ];
    return {
      figures,
      details: {
        txPerSecond: samples,
        perWatcher: perWatcher.map((v) => round(v, 4)),
        eventMs,
        answerMs,
        syncMs,
        pollMs,
      },
    };
  } finally {
    for (const stream of streams) stream.close();
    await rig.stop();
    await rm(tiny, { force: true });
  }
}
