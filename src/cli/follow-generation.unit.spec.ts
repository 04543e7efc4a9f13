import { ApiError, ServiceUnreachableError } from './cli-errors.js';
import { followGeneration, type FollowOptions, type GenerationSource } from './follow-generation.js';
import type { GenerationStatus, GenerationView } from './service-types.js';

function view(status: GenerationStatus, progress?: number): GenerationView {
  return {
    id: 'g-1',
    kind: 'text-to-video',
    model: 'veo3',
    simulated: false,
    status,
    progress,
    prompt: 'p',
    duration: '8s',
    segments: [],
    credits: { reserved: 750, used: status === 'succeeded' ? 750 : 0, refunded: 0 },
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

type Connection = { views: GenerationView[]; then?: 'end' | Error } | Error;

/** A scripted service: each call to events() plays the next connection; each GET answers the next reply. */
class ScriptedSource implements GenerationSource {
  readonly calls: string[] = [];
  constructor(
    private readonly connections: Connection[],
    private readonly gets: Array<GenerationView | Error>,
  ) {}

  async *events(): AsyncIterable<GenerationView> {
    this.calls.push('events');
    const connection = this.connections.shift();
    if (!connection) throw new Error('script: no more connections');
    if (connection instanceof Error) throw connection;
    for (const item of connection.views) yield item;
    if (connection.then instanceof Error) throw connection.then;
  }

  async getGeneration(): Promise<GenerationView> {
    this.calls.push('get');
    const reply = this.gets.shift();
    if (!reply) throw new Error('script: no more GET replies');
    if (reply instanceof Error) throw reply;
    return reply;
  }
}

function options(overrides: Partial<FollowOptions> = {}) {
  const seen: string[] = [];
  const notices: string[] = [];
  const sleeps: number[] = [];
  const opts: FollowOptions = {
    onView: (v) => seen.push(`${v.status}${v.progress === undefined ? '' : ` ${v.progress}`}`),
    onNotice: (message) => notices.push(message),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    reconnectDelaysMs: [10, 20, 40],
    pollIntervalMs: 1000,
    maxGetFailures: 2,
    ...overrides,
  };
  return { opts, seen, notices, sleeps };
}

const dropped = () => new TypeError('terminated');
const refused = () => new ServiceUnreachableError('http://localhost:3000', 'ECONNREFUSED');

describe('followGeneration', () => {
  it('returns the terminal view from one healthy stream', async () => {
    const source = new ScriptedSource(
      [{ views: [view('queued'), view('running', 50), view('succeeded')] }],
      [],
    );
    const { opts, seen, sleeps } = options();
    await expect(followGeneration('g-1', source, opts)).resolves.toMatchObject({ status: 'succeeded' });
    expect(seen).toEqual(['queued', 'running 50', 'succeeded']);
    expect(source.calls).toEqual(['events']);
    expect(sleeps).toEqual([]);
  });

  it('catches up with a GET after a drop, then reconnects', async () => {
    const source = new ScriptedSource(
      [
        { views: [view('queued'), view('running', 10)], then: dropped() },
        { views: [view('running', 80), view('succeeded')] },
      ],
      [view('running', 60)],
    );
    const { opts, seen, notices, sleeps } = options();
    await expect(followGeneration('g-1', source, opts)).resolves.toMatchObject({ status: 'succeeded' });
    expect(seen).toEqual(['queued', 'running 10', 'running 60', 'running 80', 'succeeded']);
    expect(source.calls).toEqual(['events', 'get', 'events']);
    expect(sleeps).toEqual([10]);
    expect(notices).toEqual(['event stream lost (terminated); reconnecting']);
  });

  it('stops when the catch-up GET shows the end it missed', async () => {
    const source = new ScriptedSource([{ views: [view('running', 10)], then: dropped() }], [view('failed')]);
    const { opts } = options();
    await expect(followGeneration('g-1', source, opts)).resolves.toMatchObject({ status: 'failed' });
    expect(source.calls).toEqual(['events', 'get']);
  });

  it('treats a stream closed before the end like a drop, without a warning', async () => {
    const source = new ScriptedSource(
      [{ views: [view('running', 10)] }, { views: [view('succeeded')] }],
      [view('running', 20)],
    );
    const { opts, notices } = options();
    await expect(followGeneration('g-1', source, opts)).resolves.toMatchObject({ status: 'succeeded' });
    expect(notices).toEqual([]);
  });

  it('backs off on consecutive failed connections, then polls GET until the end', async () => {
    const source = new ScriptedSource(
      [new ApiError(404, 'Not Found', ['Cannot GET'], 'GET events'), refused(), refused()],
      [view('queued'), refused(), view('running', 40), view('running', 90), view('succeeded')],
    );
    const { opts, seen, sleeps, notices } = options();
    await expect(followGeneration('g-1', source, opts)).resolves.toMatchObject({ status: 'succeeded' });
    expect(source.calls).toEqual(['events', 'get', 'events', 'get', 'events', 'get', 'get', 'get']);
    // 2 waits between the 3 attempts, then the poll interval; the GET refused while the service restarted is waited out.
    expect(sleeps).toEqual([10, 20, 1000, 1000]);
    expect(seen).toEqual(['queued', 'running 40', 'running 90', 'succeeded']);
    expect(notices.at(-1)).toBe('the event stream keeps failing; checking every 1 s instead');
  });

  it('resets the failure count after a connection that delivered something', async () => {
    const source = new ScriptedSource(
      [
        refused(),
        refused(),
        { views: [view('running', 5)], then: dropped() },
        refused(),
        { views: [view('succeeded')] },
      ],
      [view('running', 1), view('running', 2), view('running', 6), view('running', 7)],
    );
    const { opts, sleeps } = options();
    await expect(followGeneration('g-1', source, opts)).resolves.toMatchObject({ status: 'succeeded' });
    expect(sleeps).toEqual([10, 20, 10, 10]);
  });

  it('gives up on a refused token, a vanished generation, or a service away too long', async () => {
    const unauthorized = new ApiError(401, 'Unauthorized', ['Token expired'], 'GET events');
    await expect(
      followGeneration('g-1', new ScriptedSource([unauthorized], []), options().opts),
    ).rejects.toBe(unauthorized);

    const gone = new ApiError(404, 'Not Found', ['Generation g-1 not found'], 'GET');
    await expect(
      followGeneration('g-1', new ScriptedSource([dropped()], [gone]), options().opts),
    ).rejects.toBe(gone);

    const away = refused();
    const source = new ScriptedSource([refused(), refused(), refused()], [refused(), refused(), away]);
    await expect(followGeneration('g-1', source, options().opts)).rejects.toBe(away);
  });

  it('rejects with the abort reason when the caller aborts', async () => {
    const controller = new AbortController();
    const source = new ScriptedSource(
      [{ views: [view('running', 10)], then: dropped() }],
      [view('running', 11)],
    );
    const { opts } = options({
      signal: controller.signal,
      onView: () => controller.abort(new Error('interrupted')),
    });
    await expect(followGeneration('g-1', source, opts)).rejects.toThrow('interrupted');
    expect(source.calls).toEqual(['events']);
  });
});
