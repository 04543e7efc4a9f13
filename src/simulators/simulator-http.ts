import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as a simulator received it, for contract tests. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased names, as Node gives them. */
  headers: Record<string, string>;
  body: Buffer;
  /** Parsed when the body is JSON. */
  json?: unknown;
  /** Parsed when the body is multipart/form-data. */
  form?: ParsedForm;
}

export interface FormFile {
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export interface ParsedForm {
  fields: Record<string, string>;
  files: FormFile[];
}

export type RouteHandler = (request: RecordedRequest, res: ServerResponse) => Promise<void> | void;

/** A real HTTP server (loopback and a random port by default), that can be closed even with requests left hanging. */
export class LoopbackServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(
    handler: RouteHandler,
    onError: (error: unknown) => void,
    at: { port?: number; host?: string } = {},
  ): Promise<LoopbackServer> {
    const server = createServer((req, res) => {
      readRequest(req)
        .then((recorded) => handler(recorded, res))
        .catch((error: unknown) => {
          onError(error);
          if (!res.headersSent) sendJson(res, 500, { error: { message: 'simulator error' } });
          else res.destroy();
        });
    });
    server.keepAliveTimeout = 1_000;
    const host = at.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port ?? 0, host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return new LoopbackServer(server, `http://${reachable}:${port}`);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function readRequest(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const url = new URL(req.url ?? '/', 'http://simulator');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const recorded: RecordedRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
  };
  const contentType = headers['content-type'] ?? '';
  if (contentType.includes('application/json') && body.length > 0) {
    try {
      recorded.json = JSON.parse(body.toString('utf8'));
    } catch {
      // Left unparsed: the route answers the malformed body as the real service would.
    }
  } else if (contentType.startsWith('multipart/form-data')) {
    recorded.form = await parseMultipart(contentType, body);
  }
  return recorded;
}

/** Multipart parsing with the platform's own parser (undici's Request.formData), no extra dependency. */
export async function parseMultipart(contentType: string, body: Buffer): Promise<ParsedForm> {
  const form = await new Request('http://simulator/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Uint8Array(body),
  }).formData();
  const parsed: ParsedForm = { fields: {}, files: [] };
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') parsed.fields[field] = value;
    else {
      parsed.files.push({
        field,
        filename: value.name,
        contentType: value.type,
        bytes: Buffer.from(await value.arrayBuffer()),
      });
    }
  }
  return parsed;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendMalformedJson(res: ServerResponse, status = 200): void {
  const text = '{"status": "IN_QUEUE", "request_id": ';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends `bytes` as `contentType`, or a fault: half of them then a cut connection, or an HTML page instead. */
export function sendFile(
  res: ServerResponse,
  bytes: Buffer,
  contentType: string,
  fault?: 'truncated' | 'non-video',
  head = false,
): void {
  if (fault === 'non-video') {
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(html) });
    res.end(head ? undefined : html);
    return;
  }
  res.writeHead(200, { 'content-type': contentType, 'content-length': bytes.length });
  if (head) {
    res.end();
    return;
  }
  if (fault === 'truncated') {
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.destroy());
    return;
  }
  res.end(bytes);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
