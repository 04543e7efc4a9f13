/** One dispatched Server-Sent Event. */
export interface ServerSentEvent {
  /** The `event:` field, `message` when the event has none. */
  event: string;
  data: string;
  /** The last event id seen on the stream so far (`id:` fields persist across events). */
  lastEventId: string;
}

/**
 * Incremental parser for the `text/event-stream` format (WHATWG HTML, "Parsing an event stream"). Feed it the
 * response body in whatever pieces the network delivers: a chunk may end inside a line, between the `\r` and
 * `\n` of a line ending, or inside a multi-byte UTF-8 character. Comments (`: keep-alive`) are skipped.
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private atStreamStart = true;
  private data = '';
  private eventType = '';
  private lastEventId = '';
  /** The server's `retry:` advice, in milliseconds, when it gave one. */
  reconnectionDelayMs: number | undefined;

  /** Parses a chunk; returns the events it completed, in order. */
  push(chunk: Uint8Array | string): ServerSentEvent[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    return this.drain(false);
  }

  /** The stream ended: an event without its terminating blank line is discarded, as the standard says. */
  end(): ServerSentEvent[] {
    this.buffer += this.decoder.decode();
    const events = this.drain(true);
    this.buffer = '';
    this.resetEvent();
    return events;
  }

  private drain(final: boolean): ServerSentEvent[] {
    if (this.atStreamStart && this.buffer.length > 0) {
      // TextDecoder already drops a byte-order mark from bytes; strings may still carry one.
      if (this.buffer.startsWith('\uFEFF')) this.buffer = this.buffer.slice(1);
      this.atStreamStart = false;
    }
    const events: ServerSentEvent[] = [];
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf('\r', start);
      const lf = this.buffer.indexOf('\n', start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) break;
      // A chunk ending in "\r" may be half of "\r\n": wait for the next chunk before deciding.
      if (end === cr && cr === this.buffer.length - 1 && !final) break;
      const line = this.buffer.slice(start, end);
      start = end + (end === cr && this.buffer[cr + 1] === '\n' ? 2 : 1);
      const event = this.processLine(line);
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private processLine(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data += `${value}\n`;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.reconnectionDelayMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const { data, eventType } = this;
    this.resetEvent();
    // An event with no data line is not dispatched (the standard's rule; the service always sends data).
    if (data === '') return undefined;
    return {
      event: eventType || 'message',
      data: data.slice(0, -1),
      lastEventId: this.lastEventId,
    };
  }

  private resetEvent(): void {
    this.data = '';
    this.eventType = '';
  }
}
