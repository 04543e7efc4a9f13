import type { AddressInfo } from 'node:net';

/**
 * The URL a server is really reachable at, from `server.address()` after listen: what it bound, not what
 * was asked for, so the start-up log cannot claim loopback while the socket listens on every interface.
 */
export function listeningUrl(address: AddressInfo | string | null): string {
  if (address === null) return 'nowhere (the server is not listening)';
  if (typeof address === 'string') return `unix:${address}`;
  const host =
    address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
