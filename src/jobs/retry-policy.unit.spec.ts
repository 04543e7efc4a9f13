import fc from 'fast-check';
import { PermanentJobError, TransientJobError } from './job-errors.js';
import { classifyError, retryDecision, type RetryPolicy } from './retry-policy.js';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 };
const noJitter = () => 1; // jitter factor 1: the full exponential delay
const fullJitter = () => 0; // jitter factor 0.5

describe('retryDecision', () => {
  it('never retries a PermanentJobError, on any attempt', () => {
    expect(retryDecision(new PermanentJobError('refused'), 1, policy)).toEqual({
      retry: false,
      reason: 'permanent',
    });
  });

  it('does not retry an error nobody classified', () => {
    expect(retryDecision(new Error('bug'), 1, policy)).toEqual({ retry: false, reason: 'unclassified' });
    expect(retryDecision('a string', 1, policy)).toEqual({ retry: false, reason: 'unclassified' });
    expect(retryDecision(undefined, 1, policy)).toEqual({ retry: false, reason: 'unclassified' });
  });

  it('retries a TransientJobError with exponential backoff until maxAttempts attempts have run', () => {
    const delays = [1, 2, 3, 4].map((attempt) =>
      retryDecision(new TransientJobError('busy'), attempt, policy, noJitter),
    );
    expect(delays).toEqual([
      { retry: true, delayMs: 1000 },
      { retry: true, delayMs: 2000 },
      { retry: true, delayMs: 4000 },
      { retry: true, delayMs: 8000 },
    ]);
    expect(retryDecision(new TransientJobError('busy'), 5, policy)).toEqual({
      retry: false,
      reason: 'exhausted',
    });
  });

  it('jitters the backoff down to half, never below', () => {
    expect(retryDecision(new TransientJobError('busy'), 3, policy, fullJitter)).toEqual({
      retry: true,
      delayMs: 2000,
    });
  });

  it('waits at least the retryAfterMs the other side asked for, capped at maxDelayMs', () => {
    const busy = (retryAfterMs: number) => new TransientJobError('429', { retryAfterMs });
    expect(retryDecision(busy(7000), 1, policy, noJitter)).toEqual({ retry: true, delayMs: 7000 });
    expect(retryDecision(busy(10), 2, policy, noJitter)).toEqual({ retry: true, delayMs: 2000 });
    expect(retryDecision(busy(3_600_000), 1, policy, noJitter)).toEqual({ retry: true, delayMs: 60_000 });
  });

  it('caps the backoff at maxDelayMs', () => {
    const long = { maxAttempts: 50, baseDelayMs: 1000, maxDelayMs: 30_000 };
    expect(retryDecision(new TransientJobError('busy'), 40, long, noJitter)).toEqual({
      retry: true,
      delayMs: 30_000,
    });
  });

  it('keeps every delay within [half the backoff or retryAfterMs, maxDelayMs]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, retryAfterMs, random) => {
          const decision = retryDecision(
            new TransientJobError('x', { retryAfterMs }),
            attempt,
            policy,
            () => random,
          );
          if (attempt >= policy.maxAttempts)
            return expect(decision).toEqual({ retry: false, reason: 'exhausted' });
          if (!decision.retry) throw new Error('expected a retry');
          const floor = Math.min(
            policy.maxDelayMs,
            Math.max(retryAfterMs, (policy.baseDelayMs * 2 ** (attempt - 1)) / 2),
          );
          expect(decision.delayMs).toBeGreaterThanOrEqual(Math.floor(floor));
          expect(decision.delayMs).toBeLessThanOrEqual(policy.maxDelayMs);
        },
      ),
    );
  });
});

describe('classifyError', () => {
  it('treats network and database connection trouble as transient', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    expect(classifyError(reset)).toBe('transient');
    expect(classifyError(deadlock)).toBe('transient');
  });

  it('follows the cause chain; the nearest explicit classification wins', () => {
    const network = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifyError(new Error('upload failed', { cause: network }))).toBe('transient');
    expect(classifyError(new PermanentJobError('bad image', { cause: network }))).toBe('permanent');
    expect(classifyError(new Error('wrapped', { cause: new TransientJobError('busy') }))).toBe('transient');
  });

  it('survives a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(classifyError(a)).toBe('unclassified');
  });
});
