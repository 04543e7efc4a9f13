import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signAccessToken } from '../../src/auth/token-signer.js';
import { EmbeddedS3Server } from '../../src/storage/embedded-s3.server.js';
import { S3ObjectStorage } from '../../src/storage/s3-object-storage.js';

export const BUCKET = 'video-gen';

/**
 * An S3 server outside the processes under measurement (the embedded s3rver, run by the benchmark), as a real
 * deployment's bucket is outside the service.
 */
export class BenchStorage {
  private constructor(
    private readonly server: EmbeddedS3Server,
    readonly directory: string,
    readonly storage: S3ObjectStorage,
  ) {}

  static async start(): Promise<BenchStorage> {
    const directory = await mkdtemp(join(tmpdir(), 'vg-bench-s3-'));
    const server = await EmbeddedS3Server.start({ directory, port: 0, bucket: BUCKET });
    const storage = new S3ObjectStorage({
      bucket: BUCKET,
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: EmbeddedS3Server.accessKeyId,
      secretAccessKey: EmbeddedS3Server.secretAccessKey,
      presignTtlSeconds: 900,
    });
    return new BenchStorage(server, directory, storage);
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  /** Service settings for this bucket (optionally through another endpoint, e.g. a fault proxy). */
  env(endpoint = this.endpoint): Record<string, string> {
    return {
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: EmbeddedS3Server.accessKeyId,
      S3_SECRET_ACCESS_KEY: EmbeddedS3Server.secretAccessKey,
    };
  }

  async stop(): Promise<void> {
    this.storage.destroy();
    await this.server.stop();
    await rm(this.directory, { recursive: true, force: true });
  }
}

/** A JWT secret shared by the benchmark and the services it starts, so it can sign users' tokens. */
export const JWT_SECRET = randomBytes(32).toString('hex');

export async function bearer(userId: string): Promise<string> {
  return `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId, ttl: '2h' })}`;
}

/** Settings every service process of the benchmark gets. */
export function baseEnv(databaseUrl: string, dataDir: string): Record<string, string> {
  return {
    NODE_ENV: 'development',
    // Request logs on stdout would be parsed and piped for every request; the figures are about the work.
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    JWT_SECRET,
    // The throughput runs send thousands of requests per minute per user; the limiter still runs.
    THROTTLE_LIMIT: '100000000',
    INITIAL_CREDITS: '100000000',
  };
}

/** A source image, uploaded through the service as a user would (`POST /uploads/images`); returns its key. */
export async function uploadImage(baseUrl: string, userId: string): Promise<string> {
  const png = await readFile(resolve('test/fixtures/images/photo-320x180.png'));
  const form = new FormData();
  form.append('file', new Blob([png], { type: 'image/png' }), 'photo.png');
  const res = await fetch(`${baseUrl}/uploads/images`, {
    method: 'POST',
    headers: { authorization: await bearer(userId) },
    body: form,
  });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}
