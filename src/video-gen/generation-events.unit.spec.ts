import {
  progressWorthAnEvent,
  WEBHOOK_MAX_PAYLOAD_BYTES,
  webhookPayload,
  webhookSubscribed,
} from './generation-events.js';

describe('webhookSubscribed', () => {
  it('sends the end of a generation by default, and progress and segments only to who asked', () => {
    expect(webhookSubscribed([], 'succeeded')).toBe('generation.succeeded');
    expect(webhookSubscribed([], 'failed')).toBe('generation.failed');
    expect(webhookSubscribed([], 'cancelled')).toBe('generation.cancelled');
    expect(webhookSubscribed([], 'progress')).toBeUndefined();
    expect(webhookSubscribed([], 'queued')).toBeUndefined();
    expect(webhookSubscribed(['generation.progress'], 'progress')).toBe('generation.progress');
    expect(webhookSubscribed(['generation.progress'], 'succeeded')).toBeUndefined();
    expect(webhookSubscribed(['generation.segment'], 'segment')).toBe('generation.segment');
  });
});

describe('progressWorthAnEvent', () => {
  const at = (ms: number) => new Date(1_000_000 + ms);
  const last = { type: 'progress', createdAt: at(0), progress: 10 };

  it('records the first progress after another event, and a change at most once a second', () => {
    expect(progressWorthAnEvent(undefined, { progress: 5 }, at(0))).toBe(true);
    expect(progressWorthAnEvent({ type: 'running', createdAt: at(0) }, { progress: 5 }, at(1))).toBe(true);
    expect(progressWorthAnEvent(last, { progress: 20 }, at(500))).toBe(false);
    expect(progressWorthAnEvent(last, { progress: 20 }, at(1000))).toBe(true);
    expect(progressWorthAnEvent(last, { progress: 10 }, at(5000))).toBe(false);
    expect(progressWorthAnEvent(last, { progress: 10, queuePosition: 3 }, at(5000))).toBe(true);
  });
});

describe('webhookPayload', () => {
  it('wraps the view as the Standard Webhooks body, shortening long text to stay within 64 KB', () => {
    const at = new Date('2026-12-01T10:00:00Z');
    expect(webhookPayload('generation.failed', at, { id: 'g', prompt: 'p' })).toEqual({
      type: 'generation.failed',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: { id: 'g', prompt: 'p' },
    });
    const huge = webhookPayload('generation.failed', at, {
      id: 'g',
      prompt: 'p'.repeat(40_000),
      error: 'e'.repeat(40_000),
      segments: [{ index: 0, error: 'x'.repeat(40_000) }],
    });
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeLessThanOrEqual(WEBHOOK_MAX_PAYLOAD_BYTES);
    expect(huge.data.id).toBe('g');
  });
});
