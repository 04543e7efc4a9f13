import { nextWebhookAttempt, WEBHOOK_RETRY_WINDOW_MS } from './webhook-schedule.js';

describe('nextWebhookAttempt', () => {
  const created = new Date('2026-12-01T00:00:00Z');
  const at = (ms: number) => new Date(created.getTime() + ms);

  it('waits the base delay first, then doubles, capped at six hours', () => {
    expect(nextWebhookAttempt(1, created, at(0), 1000)).toEqual(at(1000));
    expect(nextWebhookAttempt(2, created, at(1000), 1000)).toEqual(at(3000));
    expect(nextWebhookAttempt(3, created, at(3000), 1000)).toEqual(at(7000));
    expect(nextWebhookAttempt(40, created, at(10_000), 1000)).toEqual(at(10_000 + 6 * 3600_000));
  });

  it('keeps retrying for 24 hours, then gives up', () => {
    let now = created;
    let attempts = 0;
    for (;;) {
      attempts++;
      const next = nextWebhookAttempt(attempts, created, now, 5000);
      if (next === 'dead') break;
      now = next;
    }
    expect(now.getTime() - created.getTime()).toBeGreaterThanOrEqual(WEBHOOK_RETRY_WINDOW_MS);
    expect(attempts).toBeGreaterThan(10);
  });
});
