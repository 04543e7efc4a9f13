import fc from 'fast-check';
import {
  ProviderAmbiguousSubmitError,
  ProviderRateLimitedError,
  ProviderRejectedError,
} from '../providers/provider-errors.js';
import { PermanentJobError, TransientJobError } from './job-errors.js';
import { retryDecision, type RetryPolicy } from './retry-policy.js';

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

  it('retries what the failure classifier calls retryable, with the Retry-After it carries', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(retryDecision(reset, 1, policy, noJitter)).toEqual({ retry: true, delayMs: 1000 });
    expect(retryDecision(new Error('wrapped', { cause: reset }), 1, policy, noJitter)).toEqual({
      retry: true,
      delayMs: 1000,
    });
    expect(retryDecision(new ProviderRateLimitedError('fal', '429', 9000), 1, policy, noJitter)).toEqual({
      retry: true,
      delayMs: 9000,
    });
  });

  it('never retries a refusal or an ambiguous submit', () => {
    expect(retryDecision(new ProviderRejectedError('fal', 'moderation', 'refused'), 1, policy)).toEqual({
      retry: false,
      reason: 'permanent',
    });
    expect(retryDecision(new ProviderAmbiguousSubmitError('fal', 'timeout', new Date()), 1, policy)).toEqual({
      retry: false,
      reason: 'permanent',
    });
    expect(
      retryDecision(new PermanentJobError('bad image', { cause: new TransientJobError('busy') }), 1, policy),
    ).toEqual({ retry: false, reason: 'permanent' });
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
