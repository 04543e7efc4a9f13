import http from 'node:http';
import { SseParser, type ServerSentEvent } from '../../src/cli/sse-parser.js';

export interface SseConnection {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Every event dispatched so far. */
  events: ServerSentEvent[];
  /** When each event arrived (ms since epoch), index for index with `events`. */
  arrivals: number[];
  /** The raw text received so far (comments and `retry:` included). */
  text(): string;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/**
 * Opens an event stream the way a browser's EventSource does: a plain GET with no Authorization header unless
 * one is given, parsed with the same SSE parser the CLI uses.
 */
export function openSse(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      new URL(path, baseUrl),
      { headers: { accept: 'text/event-stream', ...headers } },
      (res) => {
        const parser = new SseParser();
        const events: ServerSentEvent[] = [];
        const arrivals: number[] = [];
        let raw = '';
        const ended = new Promise<void>((done) => {
          res.on('end', done);
          res.on('close', done);
        });
        res.on('data', (chunk: Buffer) => {
          raw += chunk.toString();
          const now = Date.now();
          for (const event of parser.push(chunk)) {
            events.push(event);
            arrivals.push(now);
          }
        });
        res.on('error', () => undefined);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          events,
          arrivals,
          text: () => raw,
          ended,
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
  });
}
