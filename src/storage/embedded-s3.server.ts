import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { checkSignedRequest } from './presigned-signature.js';

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
  }): Promise<EmbeddedS3Server> {
    await mkdir(options.directory, { recursive: true });
    const server = new S3rver({
      address: '127.0.0.1',
      port: options.port,
      directory: options.directory,
      silent: true,
      configureBuckets: [{ name: options.bucket, configs: [] }],
    });
    // s3rver lets unsigned requests through and never checks a Signature V4 (only the access key id); S3
    // refuses both. Check every request as S3 would, so the store on loopback is not open to anyone who can
    // reach the port, and a browser upload with another content type or size is refused here too. A CORS
    // preflight (OPTIONS) carries no credentials by design, so it is left to s3rver's CORS handling.
    (server as unknown as KoaApp).middleware.unshift(async (ctx, next) => {
      if (ctx.method === 'OPTIONS') return next();
      const check = checkSignedRequest(
        { method: ctx.method, url: ctx.originalUrl, headers: ctx.headers },
        EmbeddedS3Server.secretAccessKey,
      );
      if (check.ok) return next();
      const unsigned =
        ctx.headers['authorization'] === undefined && !ctx.querystring.includes('X-Amz-Signature=');
      ctx.status = 403;
      ctx.type = 'application/xml';
      ctx.body =
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${unsigned ? 'AccessDenied' : 'SignatureDoesNotMatch'}</Code>` +
        `<Message>${unsigned ? 'Access Denied' : 'The request signature does not match'}: ${check.reason}</Message></Error>`;
    });
    const address = (await server.run()) as AddressInfo;
    return new EmbeddedS3Server(server, `http://127.0.0.1:${address.port}`);
  }

  async stop(): Promise<void> {
    await this.server.close();
  }
}
