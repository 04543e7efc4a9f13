import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';

/**
 * The zero-configuration object store: an S3-compatible server (s3rver) on loopback with its files in
 * DATA_DIR, so development and tests use the same S3 client code as production.
 */
export class EmbeddedS3Server {
  static readonly accessKeyId = 'S3RVER';
  static readonly secretAccessKey = 'S3RVER';

  private constructor(
    private readonly server: S3rver,
    readonly endpoint: string,
  ) {}

  static async start(options: {
    directory: string;
    port: number;
    bucket: string;
  }): Promise<EmbeddedS3Server> {
    await mkdir(options.directory, { recursive: true });
    const server = new S3rver({
      address: '127.0.0.1',
      port: options.port,
      directory: options.directory,
      silent: true,
      configureBuckets: [{ name: options.bucket, configs: [] }],
    });
    const address = (await server.run()) as AddressInfo;
    return new EmbeddedS3Server(server, `http://127.0.0.1:${address.port}`);
  }

  async stop(): Promise<void> {
    await this.server.close();
  }
}
