import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server (PostgreSQL in the reliability harness) that can play a restart: `down()`
 * drops every open connection and refuses new ones until `up()`, as a database restart or failover does to
 * its clients.
 */
export class TcpProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private available = true;
  readonly counts = { accepted: 0, refused: 0, dropped: 0 };

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client: Socket) => proxy.accept(client, targetHost, targetPort));
    return proxy;
  }

  private accept(client: Socket, host: string, port: number): void {
    if (!this.available) {
      this.counts.refused += 1;
      client.destroy();
      return;
    }
    this.counts.accepted += 1;
    const upstream = connect(port, host);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Drops every connection and refuses new ones. */
  down(): void {
    this.available = false;
    for (const [client, upstream] of this.pairs) {
      this.counts.dropped += 1;
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  up(): void {
    this.available = true;
  }

  /** `url` with its host and port replaced by this proxy's. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  async stop(): Promise<void> {
    this.down();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
