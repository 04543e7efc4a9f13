import fc from 'fast-check';
import {
  describeState,
  formatBytes,
  formatElapsed,
  formatPlainLine,
  formatProgressBar,
  formatStatus,
  formatSummary,
  overallProgress,
} from './progress.js';
import type { GenerationView, SegmentView } from './service-types.js';

function view(overrides: Partial<GenerationView> = {}): GenerationView {
  return {
    id: 'g-1',
    kind: 'image-to-video',
    model: 'veo3',
    simulated: false,
    status: 'running',
    prompt: 'Ocean waves crashing',
    duration: '8s',
    segments: [{ index: 0, status: 'running', durationSeconds: 8 }],
    credits: { reserved: 750, used: 0, refunded: 0 },
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const chainSegments = (statuses: string[], extra: Partial<SegmentView> = {}): SegmentView[] =>
  statuses.map((status, index) => ({ index, status, durationSeconds: 12, ...extra }));

describe('describeState', () => {
  it('says status, segment i/n, queue position and percent as they apply', () => {
    expect(describeState(view({ status: 'queued', queuePosition: 3 }))).toBe('queued, queue position 3');
    expect(describeState(view({ progress: 52.7 }))).toBe('running, 52%');
    expect(describeState(view())).toBe('running');
    expect(
      describeState(
        view({ kind: 'chain', progress: 40, segments: chainSegments(['succeeded', 'running', 'queued']) }),
      ),
    ).toBe('running, segment 2/3, 40%');
    expect(
      describeState(
        view({
          status: 'queued',
          segments: [
            { index: 0, status: 'succeeded', durationSeconds: 12 },
            { index: 1, status: 'queued', durationSeconds: 12, queuePosition: 4 },
          ],
        }),
      ),
    ).toBe('queued, segment 2/2, queue position 4');
    expect(describeState(view({ status: 'succeeded', progress: 100 }))).toBe('succeeded');
  });
});

describe('overallProgress', () => {
  it('uses the service’s figure, else what the segments say, else nothing', () => {
    expect(overallProgress(view({ progress: 130 }))).toBe(100);
    expect(overallProgress(view({ status: 'succeeded' }))).toBe(100);
    expect(overallProgress(view())).toBeUndefined();
    const segments = chainSegments(['succeeded', 'running', 'queued']);
    segments[1].progress = 50;
    expect(overallProgress(view({ segments }))).toBe(50);
  });
});

describe('formatProgressBar', () => {
  it('draws status, details, bar, percent and elapsed time', () => {
    expect(
      formatProgressBar(view({ progress: 50, segments: chainSegments(['succeeded', 'running', 'queued']) }), {
        columns: 80,
        elapsedMs: 41_000,
      }),
    ).toBe(`running    segment 2/3  [${'█'.repeat(15)}${'░'.repeat(15)}]   50%  0:41`);
    expect(
      formatProgressBar(view({ status: 'queued', queuePosition: 2 }), { columns: 80, elapsedMs: 0 }),
    ).toBe(`queued     queue position 2  [${'░'.repeat(30)}]   --%  0:00`);
  });

  it('never reaches the last column, dropping the bar first on a narrow terminal', () => {
    const narrow = formatProgressBar(view({ progress: 7 }), { columns: 30, elapsedMs: 5_000 });
    expect(narrow).toBe('running      7%  0:05');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.nat({ max: 10_000_000 }),
        fc.option(fc.double({ min: -10, max: 200, noNaN: true })),
        fc.constantFrom('queued', 'running', 'succeeded', 'failed', 'cancelled' as const),
        fc.integer({ min: 0, max: 12 }),
        (columns, elapsedMs, progress, status, segmentCount) => {
          const line = formatProgressBar(
            view({
              status,
              progress: progress ?? undefined,
              queuePosition: 12,
              segments: chainSegments(Array(segmentCount).fill('running')),
            }),
            { columns, elapsedMs },
          );
          expect(line.length).toBeLessThanOrEqual(Math.max(0, columns - 1));
          expect(line).not.toMatch(/[\r\n]/);
        },
      ),
    );
  });
});

describe('plain lines and times', () => {
  it('prefixes the elapsed time and the id', () => {
    expect(formatPlainLine(view({ progress: 12 }), 72_500)).toBe('[1:12] g-1 running, 12%');
    expect(formatPlainLine(view({ progress: 19.9 }), 0, 10)).toBe('[0:00] g-1 running, 10%');
    expect(describeState(view({ progress: 99 }), { percentStep: 10 })).toBe('running, 90%');
    expect(formatElapsed(3_725_000)).toBe('1:02:05');
    expect(formatElapsed(-5)).toBe('0:00');
  });

  it('formats sizes in decimal units', () => {
    expect([96, 999, 1000, 812_345, 1_400_000, 123_456_789, 5e12].map(formatBytes)).toEqual([
      '96 B',
      '999 B',
      '1.0 kB',
      '812 kB',
      '1.4 MB',
      '123 MB',
      '5.0 TB',
    ]);
  });
});

describe('formatSummary', () => {
  it('gives id, credits used, balance and path', () => {
    const done = view({
      status: 'succeeded',
      durationSeconds: 8,
      width: 1280,
      height: 720,
      credits: { reserved: 750, used: 750, refunded: 0 },
    });
    expect(formatSummary({ view: done, path: '/tmp/out.mp4', bytes: 1_400_000, balance: 9250 })).toBe(
      'generation g-1 succeeded (veo3, image-to-video, 8 s, 1280x720)\n' +
        'credits used: 750, balance 9250\n' +
        'saved /tmp/out.mp4 (1.4 MB)\n',
    );
    const partial = view({
      status: 'succeeded',
      kind: 'chain',
      model: 'sora-2',
      duration: '36s',
      durationSeconds: 24.04,
      credits: { reserved: 3000, used: 2000, refunded: 1000 },
      errorCode: 'PARTIAL_RESULT',
      error: 'Segment 3 of 3 failed: moderation',
    });
    expect(formatSummary({ view: partial, path: 'long.mp4', bytes: 10 })).toBe(
      'generation g-1 succeeded (sora-2, chain, 24.0 s)\n' +
        'partial result: Segment 3 of 3 failed: moderation\n' +
        'credits used: 2000 (refunded 1000)\n' +
        'saved long.mp4 (10 B)\n',
    );
  });
});

describe('formatStatus', () => {
  it('lists the fields that are present', () => {
    const failed = view({
      kind: 'chain',
      status: 'failed',
      error: 'Provider refused the prompt',
      errorCode: 'MODERATION',
      segments: chainSegments(['succeeded', 'failed']),
      credits: { reserved: 1000, used: 0, refunded: 1000 },
      completedAt: '2025-01-01T00:01:00.000Z',
    });
    expect(formatStatus(failed)).toBe(
      [
        'id        g-1',
        'kind      chain',
        'model     veo3',
        'status    failed',
        'prompt    Ocean waves crashing',
        'duration  8s',
        'segments  1:succeeded 2:failed',
        'credits   reserved 1000, used 0, refunded 1000',
        'error     Provider refused the prompt [MODERATION]',
        'created   2025-01-01T00:00:00.000Z',
        'completed 2025-01-01T00:01:00.000Z',
        '',
      ].join('\n'),
    );
  });
});
