import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { bucketCorsRule, bucketCorsXml } from './bucket-cors.js';
import { checkPresignedRequest } from './presigned-signature.js';

/** s3rver is a Koa application; its typings do not say so. */
interface KoaContext {
  method: string;
  originalUrl: string;
  querystring: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  type: string;
  body: unknown;
}
interface KoaApp {
  middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>;
}

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
    /** CORS_ORIGINS: who may PUT uploads and GET videos from a browser (unset: any origin). */
    corsOrigins?: string[];
  }): Promise<EmbeddedS3Server> {
    await mkdir(options.directory, { recursive: true });
    const server = new S3rver({
      address: '127.0.0.1',
      port: options.port,
      directory: options.directory,
      silent: true,
      // Applied at every start, replacing the last one: the page PUTs uploads and plays videos straight from here.
      configureBuckets: [
        { name: options.bucket, configs: [bucketCorsXml(bucketCorsRule(options.corsOrigins))] },
      ],
    });
    // s3rver does not check Signature V4 at all; S3 does. Check presigned URLs as S3 would, so a browser
    // upload with another content type or size is refused here too (and the tests can show it).
    (server as unknown as KoaApp).middleware.unshift(async (ctx, next) => {
      // A CORS preflight carries the presigned query string but is never signed itself (S3 answers it from
      // the bucket's CORS rule alone).
      if (ctx.method === 'OPTIONS' || !ctx.querystring.includes('X-Amz-Signature=')) return next();
      const check = checkPresignedRequest(
        { method: ctx.method, url: ctx.originalUrl, headers: ctx.headers },
        EmbeddedS3Server.secretAccessKey,
      );
      if (check.ok) return next();
      ctx.status = 403;
      ctx.type = 'application/xml';
      ctx.body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>' +
        `<Message>The request signature does not match: ${check.reason}</Message></Error>`;
    });
    const address = (await server.run()) as AddressInfo;
    return new EmbeddedS3Server(server, `http://127.0.0.1:${address.port}`);
  }

  async stop(): Promise<void> {
    await this.server.close();
  }
}
