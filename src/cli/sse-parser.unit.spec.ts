import fc from 'fast-check';
import { ServerSentEvent, SseParser } from './sse-parser.js';

const encoder = new TextEncoder();

function parseChunks(chunks: Array<Uint8Array | string>): ServerSentEvent[] {
  const parser = new SseParser();
  return [...chunks.flatMap((chunk) => parser.push(chunk)), ...parser.end()];
}

/** Splits bytes at the given offsets (sorted, deduplicated, inside the array). */
function splitAt(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const cuts = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let previous = 0;
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(bytes.subarray(previous, cut));
    previous = cut;
  }
  return pieces;
}

const view = (status: string, extra: object = {}) => JSON.stringify({ id: 'g1', status, ...extra });

/** What the service sends for one generation: keep-alives, status changes, the end. */
const SERVICE_STREAM =
  ': keep-alive\n\n' +
  `event: status\nid: 1\ndata: ${view('queued', { queuePosition: 2 })}\n\n` +
  `event: status\nid: 2\ndata: ${view('running', { progress: 40, prompt: 'Ünïcødé wåves 🌊' })}\n\n` +
  ': keep-alive\n\n' +
  `event: status\nid: 3\ndata: ${view('succeeded')}\n\n` +
  'event: end\ndata: {}\n\n';

const SERVICE_EVENTS: ServerSentEvent[] = [
  { event: 'status', data: view('queued', { queuePosition: 2 }), lastEventId: '1' },
  { event: 'status', data: view('running', { progress: 40, prompt: 'Ünïcødé wåves 🌊' }), lastEventId: '2' },
  { event: 'status', data: view('succeeded'), lastEventId: '3' },
  { event: 'end', data: '{}', lastEventId: '3' },
];

describe('SseParser', () => {
  it('reads the service stream in one piece', () => {
    expect(parseChunks([SERVICE_STREAM])).toEqual(SERVICE_EVENTS);
  });

  it('gives the same events however the bytes are split (inside lines, fields and UTF-8 characters)', () => {
    const bytes = encoder.encode(SERVICE_STREAM);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (offsets) => {
        expect(parseChunks(splitAt(bytes, offsets))).toEqual(SERVICE_EVENTS);
      }),
    );
    // Every single split point, including between the 4 bytes of the emoji.
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(parseChunks(splitAt(bytes, [cut]))).toEqual(SERVICE_EVENTS);
    }
    // One byte at a time.
    expect(parseChunks(splitAt(bytes, [...bytes.keys()]))).toEqual(SERVICE_EVENTS);
  });

  it('accepts CRLF and CR line endings, also when a chunk ends between \\r and \\n', () => {
    const crlf = 'event: status\r\ndata: a\r\n\r\n';
    expect(parseChunks(['event: status\r', '\ndata: a\r', '\n\r', '\n'])).toEqual([
      { event: 'status', data: 'a', lastEventId: '' },
    ]);
    expect(parseChunks([crlf, 'data: b\r\rdata: c\r\r'])).toEqual([
      { event: 'status', data: 'a', lastEventId: '' },
      { event: 'message', data: 'b', lastEventId: '' },
      { event: 'message', data: 'c', lastEventId: '' },
    ]);
    // A lone "\r" at the end of one chunk followed by a new line in the next: two line ends, not one.
    expect(parseChunks(['data: x\r', '\rdata: y\n\n'])).toEqual([
      { event: 'message', data: 'x', lastEventId: '' },
      { event: 'message', data: 'y', lastEventId: '' },
    ]);
  });

  it('emits each event as soon as its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('event: status\ndata: {"a":')).toEqual([]);
    expect(parser.push('1}\n')).toEqual([]);
    expect(parser.push('\n: keep')).toEqual([{ event: 'status', data: '{"a":1}', lastEventId: '' }]);
    expect(parser.push('-alive\n\n')).toEqual([]);
  });

  it('follows the field rules: multi-line data, one optional space, no-colon fields, unknown fields', () => {
    expect(
      parseChunks([
        'data:first\ndata:  second\ndata\nfoo: bar\n\n',
        'event:named\ndata:x\n\n',
        'id: 7\n\n', // no data: not dispatched, but the id is kept
        'data: after id\n\n',
      ]),
    ).toEqual([
      { event: 'message', data: 'first\n second\n', lastEventId: '' },
      { event: 'named', data: 'x', lastEventId: '' },
      { event: 'message', data: 'after id', lastEventId: '7' },
    ]);
  });

  it('does not carry an event type into the next event, and ignores ids containing NUL', () => {
    expect(parseChunks(['event: end\n\n', 'data: plain\n\n', 'id: a\0b\ndata: z\n\n'])).toEqual([
      { event: 'message', data: 'plain', lastEventId: '' },
      { event: 'message', data: 'z', lastEventId: '' },
    ]);
  });

  it('keeps the retry advice and ignores a non-numeric one', () => {
    const parser = new SseParser();
    parser.push('retry: 3000\n\n');
    expect(parser.reconnectionDelayMs).toBe(3000);
    parser.push('retry: soon\n\n');
    expect(parser.reconnectionDelayMs).toBe(3000);
  });

  it('drops a byte-order mark and an unterminated last event', () => {
    expect(
      parseChunks([new Uint8Array([0xef, 0xbb]), new Uint8Array([0xbf]), 'data: a\n\ndata: cut']),
    ).toEqual([{ event: 'message', data: 'a', lastEventId: '' }]);
    expect(parseChunks(['\uFEFFdata: b\n\n'])).toEqual([{ event: 'message', data: 'b', lastEventId: '' }]);
  });
});
