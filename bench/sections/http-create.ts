import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { createDatabase } from '../lib/database.js';
import { baseEnv, bearer, BenchStorage, uploadImage } from '../lib/environment.js';
import { freePort, ServiceProcess } from '../lib/processes.js';
import type { Figure } from '../lib/report.js';
import { interleaved, ratio, spread } from '../lib/stats.js';

interface Run {
  requestsPerSecond: number;
  p50: number;
  p99: number;
}

const ENDPOINTS = {
  create: '/video-gen/generations',
  constant: '/bench/constant',
  rawPg: '/bench/raw-pg',
} as const;
type Endpoint = keyof typeof ENDPOINTS;

export interface HttpCreateOptions {
  connections: number[];
  seconds: number;
  rounds: number;
  users: number;
}

/**
 * Create-generation throughput and latency under load (autocannon on loopback) on PostgreSQL, against two
 * same-run baselines served by the same process through the same middleware stack: an endpoint that
 * validates the same body and returns a constant, and one that does the create's database writes by hand
 * with `pg`. The service runs as APP_ROLE=api (no workers), its S3 outside it.
 */
export async function benchHttpCreate(options: HttpCreateOptions): Promise<Figure[]> {
  const database = await createDatabase();
  const storage = await BenchStorage.start();
  const dataDir = await mkdtemp(join(tmpdir(), 'vg-bench-http-'));
  let service: ServiceProcess | undefined;
  try {
    service = await ServiceProcess.start(
      { ...baseEnv(database.url, dataDir), ...storage.env(), APP_ROLE: 'api', PROVIDERS_MODE: 'simulated' },
      { port: await freePort(), script: resolve('.bench/bench/http/bench-app.main.js') },
    );
    // Many users, each with an image and an account (opened by a first request), as in real traffic.
    const users = await Promise.all(
      Array.from({ length: options.users }, async (_, index) => {
        const userId = `bench-user-${index}`;
        return { authorization: await bearer(userId), image: await uploadImage(service!.baseUrl, userId) };
      }),
    );
    const figures: Figure[] = [];
    for (const connections of options.connections) {
      const run = (endpoint: Endpoint) => () =>
        load(service!.baseUrl, endpoint, connections, options.seconds, users);
      const samples = await interleaved<Endpoint, Run>(options.rounds, 1, {
        create: run('create'),
        constant: run('constant'),
        rawPg: run('rawPg'),
      }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${service!.log}`);
      });
      const metric = (name: string, unit: string, pick: (run: Run) => number, better: Figure['better']) => {
        const value = spread(samples.create.map(pick));
        for (const [baseline, label] of [
          ['constant', 'constant endpoint, same stack'],
          ['rawPg', 'hand-written pg transaction, same writes'],
        ] as const) {
          const base = spread(samples[baseline].map(pick));
          figures.push({
            section: 'create-generation',
            name: `POST /video-gen/generations, ${connections} conn: ${name}`,
            unit,
            value,
            baseline: { name: label, value: base },
            ratio: ratio(value.median, base.median),
            better,
          });
        }
      };
      metric('throughput', 'req/s', (run) => run.requestsPerSecond, 'higher');
      metric('p50 latency', 'ms', (run) => run.p50, 'lower');
      metric('p99 latency', 'ms', (run) => run.p99, 'lower');
    }
    return figures;
  } finally {
    await service?.stop();
    await storage.stop();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function load(
  baseUrl: string,
  endpoint: Endpoint,
  connections: number,
  seconds: number,
  users: Array<{ authorization: string; image: string }>,
): Promise<Run> {
  let next = 0;
  const result = await autocannon({
    url: `${baseUrl}${ENDPOINTS[endpoint]}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const user = users[next++ % users.length];
          return {
            ...request,
            headers: { 'content-type': 'application/json', authorization: user.authorization },
            body: JSON.stringify({ kind: 'image-to-video', id: user.image, prompt: 'A calm lake at dawn' }),
          };
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `${endpoint} at ${connections} connections: ${result.non2xx} non-2xx answers, ${result.errors} errors`,
    );
  }
  return {
    requestsPerSecond: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}
