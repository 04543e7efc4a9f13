import {
  createServer,
  request as forward,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the proxy does to a request it matches: `refuse` answers 503 SlowDown as S3 does when overloaded;
 * `drop` reads part of the body, then cuts the connection without an answer (a network failure mid-upload).
 */
export type ProxyFault = 'refuse' | 'drop';

export interface ProxyFaultRule {
  fault: ProxyFault;
  /** Which requests: default, uploads (PUT and POST: single puts, multipart parts and completions). */
  match?: (method: string, url: string) => boolean;
  /** Until when (epoch ms); default: until cleared. */
  until?: number;
}

const isUpload = (method: string) => method === 'PUT' || method === 'POST';

/**
 * An HTTP proxy in front of an S3 endpoint (the embedded s3rver) that passes everything through except what
 * the current fault rule matches. Counts what it refused and dropped.
 */
export class FaultyProxy {
  private rule?: ProxyFaultRule;
  private readonly sockets = new Set<Socket>();
  readonly counts = { passed: 0, refused: 0, dropped: 0 };

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
    readonly endpoint: string,
  ) {}

  static async start(targetEndpoint: string): Promise<FaultyProxy> {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const proxy = new FaultyProxy(server, new URL(targetEndpoint), `http://127.0.0.1:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => proxy.handle(req, res));
    server.on('connection', (socket: Socket) => {
      proxy.sockets.add(socket);
      socket.once('close', () => proxy.sockets.delete(socket));
    });
    return proxy;
  }

  /** Applies `rule` from now on (replacing any other); `clear()` or its `until` ends it. */
  inject(rule: ProxyFaultRule): void {
    this.rule = rule;
  }

  clear(): void {
    this.rule = undefined;
  }

  private activeFault(req: IncomingMessage): ProxyFault | undefined {
    const rule = this.rule;
    if (!rule) return undefined;
    if (rule.until !== undefined && Date.now() >= rule.until) {
      this.rule = undefined;
      return undefined;
    }
    const match = rule.match ?? ((method: string) => isUpload(method));
    return match(req.method ?? 'GET', req.url ?? '/') ? rule.fault : undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const fault = this.activeFault(req);
    if (fault === 'refuse') {
      this.counts.refused += 1;
      req.resume();
      req.once('end', () => {
        res
          .writeHead(503, { 'content-type': 'application/xml', connection: 'close' })
          .end(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>' +
              '<Message>Please reduce your request rate.</Message></Error>',
          );
      });
      return;
    }
    if (fault === 'drop') {
      this.counts.dropped += 1;
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 16 * 1024) req.socket.destroy();
      });
      req.once('end', () => req.socket.destroy());
      return;
    }
    this.counts.passed += 1;
    const upstream = forward(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.once('error', () => res.destroy());
    req.pipe(upstream);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
