// `npm run bench:credits`: reservations per second on PostgreSQL (not a test; nothing here passes or fails).
//
// Runs the compiled service from dist/ (npm run bench:credits builds it first) against a fresh database that it
// creates on BENCH_DATABASE_URL (default: TEST_DATABASE_URL, then postgresql://postgres@127.0.0.1:5432/postgres)
// and drops afterwards. Each operation is what the pipeline does: one interactive transaction that inserts a
// Generation row and reserves its credits (GenerationCredits.reserve: lock the row, ledger, record). The same-run baseline is that transaction
// without the reservation, so the table shows what the ledger adds on this machine.
//
// Scenarios: 1, 10 and 100 concurrent users (each user one request at a time, own account), and 100 concurrent
// requests on one account (the hot row). One warm-up run, then the median of BENCH_RUNS (default 5) runs of
// BENCH_RESERVATIONS (default 1000) reservations each. Results: bench/results/credits.json and a Markdown table.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { AppModule } from '../dist/app.module.js';
import { loadConfig } from '../dist/config/app-config.js';
import { CreditsService } from '../dist/credits/credits.service.js';
import { priceOf } from '../dist/credits/pricing.js';
import { PrismaService } from '../dist/database/prisma.service.js';
import { GenerationCredits } from '../dist/video-gen/generation-credits.service.js';

const adminUrl =
  process.env.BENCH_DATABASE_URL ||
  process.env.TEST_DATABASE_URL ||
  'postgresql://postgres@127.0.0.1:5432/postgres';
const runs = Number(process.env.BENCH_RUNS ?? 5);
const perRun = Number(process.env.BENCH_RESERVATIONS ?? 1000);
const poolSize = process.env.DATABASE_POOL_SIZE ?? '10';
const resultsFile = join(dirname(fileURLToPath(import.meta.url)), 'results', 'credits.json');

const SCENARIOS = [
  { name: '1 user', users: 1, concurrency: 1 },
  { name: '10 concurrent users', users: 10, concurrency: 10 },
  { name: '100 concurrent users', users: 100, concurrency: 100 },
  { name: '100 concurrent requests, one account (hot row)', users: 1, concurrency: 100 },
];

async function admin(sql) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

const dbName = `vg_bench_${randomBytes(5).toString('hex')}`;
const dataDir = await mkdtemp(join(tmpdir(), 'vg-bench-'));
await admin(`CREATE DATABASE "${dbName}"`);
const dbUrl = new URL(adminUrl);
dbUrl.pathname = `/${dbName}`;

const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  DATA_DIR: dataDir,
  DATABASE_URL: dbUrl.toString(),
  DATABASE_POOL_SIZE: poolSize,
  INITIAL_CREDITS: '0',
});
const app = await NestFactory.createApplicationContext(AppModule.register(config), { logger: false });
const credits = app.get(CreditsService);
const money = app.get(GenerationCredits);
const prisma = app.get(PrismaService);
const price = priceOf({ name: 'veo3', price: { credits: 750, per: 'generation' } }, { seconds: 8 }); // the seed's price for veo3

let userSerial = 0;

/** One operation as the pipeline performs it; `reserve: false` is the baseline without the ledger. */
function operation(userId, reserve) {
  return prisma.$transaction(async (tx) => {
    const generation = await tx.generation.create({
      data: { userId, kind: 'IMAGE_TO_VIDEO', model: 'veo3', prompt: 'bench', params: {} },
    });
    if (reserve) {
      await money.reserve(tx, generation.id, { userId, amount: price, reason: 'bench' });
    }
  });
}

/** `total` operations spread over `concurrency` workers; each worker uses its user (users < concurrency: shared). */
async function runOnce(scenario, reserve) {
  const users = Array.from({ length: scenario.users }, () => `bench-${++userSerial}`);
  for (const userId of users) {
    await credits.grant(userId, price.times(perRun), 'bench budget'); // enough whatever the spread
  }
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: scenario.concurrency }, async (_, worker) => {
      const userId = users[worker % users.length];
      while (next < perRun) {
        next++;
        const t0 = performance.now();
        await operation(userId, reserve);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: perRun / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

async function measure(scenario, reserve) {
  await runOnce(scenario, reserve); // warm-up: connections, prepared plans, JIT
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await runOnce(scenario, reserve));
  return {
    perSecond: Math.round(median(results.map((r) => r.perSecond))),
    p50Ms: Number(median(results.map((r) => r.p50)).toFixed(1)),
    p95Ms: Number(median(results.map((r) => r.p95)).toFixed(1)),
    runs: results.map((r) => Math.round(r.perSecond)),
  };
}

try {
  const [{ version }] = await admin("SELECT current_setting('server_version') AS version");
  const loadBefore = loadavg()[0];
  const rows = [];
  for (const scenario of SCENARIOS) {
    const reservations = await measure(scenario, true);
    const baseline = await measure(scenario, false);
    rows.push({ ...scenario, reservations, baseline });
    process.stderr.write(
      `${scenario.name}: ${reservations.perSecond}/s (baseline ${baseline.perSecond}/s)\n`,
    );
  }

  // The figures only count if the ledger stayed right under load.
  const [{ mismatched }] = await prisma.$queryRaw`
    SELECT COUNT(*)::int AS mismatched FROM "CreditAccount" a
     WHERE a.balance <> (SELECT COALESCE(SUM(amount), 0) FROM "CreditEntry" e WHERE e."userId" = a."userId")
        OR a.balance < 0`;
  if (mismatched !== 0) throw new Error(`${mismatched} account(s) disagree with their ledger`);

  const result = {
    benchmark: 'credits reservations (Generation insert + GenerationCredits.reserve in one transaction)',
    date: new Date().toISOString(),
    node: process.version,
    postgres: version,
    cpus: cpus().length,
    // Other processes on the machine slow every figure alike; the baseline column is measured under the same load.
    loadAverage1m: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
    poolSize: Number(poolSize),
    reservationsPerRun: perRun,
    runs,
    statistic: 'median of runs after one warm-up run',
    scenarios: rows,
  };
  await mkdir(dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);

  const table = [
    `PostgreSQL ${version}, Node ${process.version}, ${cpus().length} CPUs (1-min load ${result.loadAverage1m.before} → ${result.loadAverage1m.after}), ` +
      `pool ${poolSize} connections, ${perRun} reservations per run, median of ${runs} runs after a warm-up`,
    '',
    '| Scenario | Reservations/s | p50 ms | p95 ms | Baseline tx/s (no reservation) | Reservation cost |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.reservations.perSecond} | ${r.reservations.p50Ms} | ${r.reservations.p95Ms} | ${r.baseline.perSecond} | ${Math.round((1 - r.reservations.perSecond / r.baseline.perSecond) * 100)}% |`,
    ),
  ].join('\n');
  console.log(table);
  console.log(`\nwritten to ${resultsFile}`);
} finally {
  await app.close();
  await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await rm(dataDir, { recursive: true, force: true });
}
