import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import S3rver from 's3rver';
import { bucketCorsRule, bucketCorsXml } from './bucket-cors.js';
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

  /**
   * Starts on `port` when one is given (0: any free port). Without one, on the port stored in `portFile` by
   * the last start, so presigned URLs handed out before a restart still work; a first start, or a stored port
   * now taken by something else, gets a free port, which is stored for next time.
   */
  static async start(options: {
    directory: string;
    port?: number;
    portFile?: string;
    bucket: string;
    /** CORS_ORIGINS: who may PUT uploads and GET videos from a browser (unset: any origin). */
    corsOrigins?: string[];
  }): Promise<EmbeddedS3Server> {
    if (options.port !== undefined || !options.portFile) {
      return EmbeddedS3Server.listen({ ...options, port: options.port ?? 0 });
    }
    const remembered = await readPort(options.portFile);
    const port = remembered !== undefined && (await isPortFree(remembered)) ? remembered : 0;
    const server = await EmbeddedS3Server.listen({ ...options, port });
    if (server.port !== remembered) {
      await mkdir(dirname(options.portFile), { recursive: true });
      await writeFile(options.portFile, `${server.port}\n`);
    }
    return server;
  }

  get port(): number {
    return Number(new URL(this.endpoint).port);
  }

  private static async listen(options: {
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

async function readPort(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const port = Number(text?.trim());
  return Number.isInteger(port) && port > 0 && port <= 65535 ? port : undefined;
}

/** Whether loopback `port` can be listened on now (s3rver itself would crash on a taken port, not reject). */
function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
