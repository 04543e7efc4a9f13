import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listeningUrl } from './listen-address.js';

describe('listeningUrl', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function listen(host: string): Promise<Server> {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return server;
  }

  it('names the address a real server bound, loopback or every interface', async () => {
    const loopback = await listen('127.0.0.1');
    const port = (loopback.address() as AddressInfo).port;
    expect(listeningUrl(loopback.address())).toBe(`http://127.0.0.1:${port}`);

    const everywhere = await listen('0.0.0.0');
    const everywherePort = (everywhere.address() as AddressInfo).port;
    expect(listeningUrl(everywhere.address())).toBe(`http://0.0.0.0:${everywherePort}`);
  });

  it('brackets IPv6 addresses and names sockets and unbound servers', () => {
    expect(listeningUrl({ address: '::', family: 'IPv6', port: 3000 })).toBe('http://[::]:3000');
    expect(listeningUrl({ address: '::1', family: 'IPv6', port: 80 })).toBe('http://[::1]:80');
    expect(listeningUrl('/tmp/api.sock')).toBe('unix:/tmp/api.sock');
    expect(listeningUrl(null)).toBe('nowhere (the server is not listening)');
  });
});
