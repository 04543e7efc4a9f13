import { PermanentJobError, TransientJobError } from '../../jobs/job-errors.js';
import { MediaError } from '../../media/media.error.js';
import {
  MODERATION_MESSAGE,
  ProviderAmbiguousSubmitError,
  ProviderFailedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderTransientError,
} from '../../providers/provider-errors.js';
import { StorageUnavailableError } from '../../storage/object-storage.js';
import { type Classified, type Failure, failureOf, type OwnFailure } from './classified.js';
import { FAILURE_CODES } from './failure-code.js';
import { classifyFailure } from './failure.classifier.js';
import { GenerationFailure } from './generation-failure.js';
import { errorCodeOf, isNetworkFailure, neverReachedServer } from './network-errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

type Expected = Pick<Failure, 'class'> & Partial<Failure>;

const table: Array<[string, unknown, Expected]> = [
  // Our own wrappers say what they are.
  [
    'a GenerationFailure',
    new GenerationFailure('CHAIN_BROKEN', 'no frame'),
    { class: 'permanent', code: 'CHAIN_BROKEN', message: 'no frame' },
  ],
  [
    'a GenerationFailure for moderation',
    new GenerationFailure('MODERATION', 'refused'),
    { class: 'moderation', code: 'MODERATION' },
  ],
  [
    'a GenerationFailure for an ambiguous submit',
    new GenerationFailure('SUBMIT_AMBIGUOUS', 'unsure'),
    { class: 'ambiguous', code: 'SUBMIT_AMBIGUOUS' },
  ],
  [
    'a PermanentJobError',
    new PermanentJobError('bad'),
    { class: 'permanent', code: 'INTERNAL', known: true },
  ],
  [
    'a TransientJobError alone',
    new TransientJobError('worker stopping'),
    { class: 'retryable', code: 'RETRIES_EXHAUSTED', message: 'worker stopping' },
  ],
  [
    'a TransientJobError with Retry-After',
    new TransientJobError('busy', { retryAfterMs: 1500 }),
    { class: 'retryable', code: 'RETRIES_EXHAUSTED', retryAfterMs: 1500 },
  ],
  [
    'a TransientJobError around a provider error: retried, shown as the provider error',
    new TransientJobError('busy', { cause: new ProviderRateLimitedError('fal', 'slow down', 4000) }),
    { class: 'retryable', code: 'PROVIDER_ERROR', message: 'slow down', retryAfterMs: 4000 },
  ],
  [
    'a TransientJobError around an unknown error',
    new TransientJobError('outer', { cause: new Error('inner') }),
    { class: 'retryable', code: 'RETRIES_EXHAUSTED', message: 'inner' },
  ],
  // Providers.
  [
    'a moderation refusal',
    new ProviderRejectedError('fal', 'moderation', MODERATION_MESSAGE, 'nsfw'),
    { class: 'moderation', code: 'MODERATION', message: MODERATION_MESSAGE },
  ],
  [
    'an invalid-input refusal',
    new ProviderRejectedError('azure', 'invalid_input', 'Use 4 to 12 seconds'),
    { class: 'permanent', code: 'INVALID_INPUT', message: 'Use 4 to 12 seconds' },
  ],
  [
    'a failed generation',
    new ProviderFailedError('fal', 'generation_failed', 'boom'),
    { class: 'permanent', code: 'PROVIDER_GENERATION_FAILED', message: 'boom' },
  ],
  [
    'a result gone',
    new ProviderFailedError('fal', 'result_unavailable', 'gone'),
    { class: 'permanent', code: 'PROVIDER_RESULT_UNAVAILABLE' },
  ],
  [
    'bad provider keys',
    new ProviderFailedError('azure', 'unauthorized', '401'),
    { class: 'permanent', code: 'PROVIDER_UNAUTHORIZED' },
  ],
  [
    'a job unknown to the provider',
    new ProviderFailedError('fal', 'not_found', '404'),
    { class: 'permanent', code: 'PROVIDER_NOT_FOUND' },
  ],
  [
    'a misconfigured deployment',
    new ProviderFailedError('azure', 'misconfigured', 'no deployment'),
    { class: 'permanent', code: 'PROVIDER_MISCONFIGURED' },
  ],
  [
    'a job cancelled at the provider',
    new ProviderFailedError('fal', 'cancelled', 'cancelled'),
    { class: 'permanent', code: 'PROVIDER_CANCELLED' },
  ],
  [
    'a rate limit',
    new ProviderRateLimitedError('fal', '429', 7000),
    { class: 'retryable', code: 'PROVIDER_ERROR', retryAfterMs: 7000 },
  ],
  [
    'a rate limit without Retry-After',
    new ProviderRateLimitedError('fal', '429'),
    { class: 'retryable', code: 'PROVIDER_ERROR', retryAfterMs: undefined },
  ],
  [
    'a provider 5xx',
    new ProviderTransientError('azure', '503'),
    { class: 'retryable', code: 'PROVIDER_ERROR', message: '503' },
  ],
  [
    'an ambiguous submit',
    new ProviderAmbiguousSubmitError('fal', 'no answer', new Date()),
    { class: 'ambiguous', code: 'SUBMIT_AMBIGUOUS' },
  ],
  // The bucket and ffmpeg.
  [
    'the bucket away',
    new StorageUnavailableError('upload', 'videos/u/g.mp4', { cause: new Error('SlowDown') }),
    { class: 'retryable', code: 'RETRIES_EXHAUSTED', unavailable: 'storage' },
  ],
  [
    'the bucket away over a reset connection: the bucket, not the database',
    new StorageUnavailableError('get', 'k', { cause: withCode('ECONNRESET') }),
    { class: 'retryable', unavailable: 'storage', code: 'RETRIES_EXHAUSTED' },
  ],
  [
    'ffmpeg refusing the input',
    new MediaError('INVALID_INPUT', 'moov atom not found'),
    { class: 'permanent', code: 'INVALID_INPUT', message: expect.stringContaining('upload another image') },
  ],
  [
    'ffmpeg failing otherwise',
    new MediaError('FAILED', 'exit 1'),
    { class: 'permanent', code: 'INTERNAL', known: true },
  ],
  // The database and the network, by code, kind or message.
  [
    'a dropped connection',
    new Error('Connection terminated unexpectedly'),
    { class: 'retryable', unavailable: 'database', code: 'RETRIES_EXHAUSTED' },
  ],
  [
    'a pool timeout',
    new Error('timeout exceeded when trying to connect'),
    { class: 'retryable', unavailable: 'database' },
  ],
  [
    'no transaction in time',
    new Error('Transaction API error: Unable to start a transaction in the given time.'),
    { class: 'retryable', unavailable: 'database' },
  ],
  ['a refused connection', withCode('ECONNREFUSED'), { class: 'retryable', unavailable: 'database' }],
  [
    'a reset connection',
    withCode('ECONNRESET', 'socket hang up'),
    { class: 'retryable', unavailable: 'database', message: 'socket hang up' },
  ],
  ['an undici socket error', withCode('UND_ERR_SOCKET'), { class: 'retryable' }],
  ['PostgreSQL shutting down', withCode('57P01'), { class: 'retryable', unavailable: 'database' }],
  ['Prisma cannot reach the server', withCode('P1001'), { class: 'retryable', unavailable: 'database' }],
  ['Prisma pool timeout', withCode('P2024'), { class: 'retryable', unavailable: 'database' }],
  [
    'a serialization failure',
    withCode('40001'),
    { class: 'retryable', unavailable: undefined, code: 'RETRIES_EXHAUSTED' },
  ],
  ['a deadlock', withCode('40P01'), { class: 'retryable', unavailable: undefined }],
  ['a Prisma write conflict', withCode('P2034'), { class: 'retryable', unavailable: undefined }],
  [
    'a network code deeper in the chain, keeping the outer message',
    new Error('upload failed', { cause: withCode('ECONNREFUSED', 'connect ECONNREFUSED') }),
    { class: 'retryable', message: 'upload failed' },
  ],
  [
    "Prisma's driver-adapter details",
    Object.assign(new Error('P1000'), {
      code: 'P2010',
      meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } },
    }),
    { class: 'retryable', unavailable: 'database' },
  ],
  // The nearest explicit classification wins.
  [
    'a permanent wrapper over a network error',
    new PermanentJobError('bad image', { cause: withCode('ECONNREFUSED') }),
    { class: 'permanent', code: 'INTERNAL' },
  ],
  [
    'a plain wrapper over a transient one',
    new Error('wrapped', { cause: new TransientJobError('busy') }),
    { class: 'retryable' },
  ],
  [
    'a plain wrapper over a provider refusal',
    new Error('wrapped', { cause: new ProviderRejectedError('fal', 'moderation', MODERATION_MESSAGE) }),
    { class: 'moderation', code: 'MODERATION' },
  ],
  // Nobody said: permanent and unknown (retrying would repeat side effects).
  [
    'a bug',
    new TypeError('x is undefined'),
    { class: 'permanent', code: 'INTERNAL', message: 'x is undefined', known: false },
  ],
  ['a unique violation', withCode('P2002'), { class: 'permanent', code: 'INTERNAL', known: false }],
  ['a constraint violation', withCode('23505'), { class: 'permanent', code: 'INTERNAL', known: false }],
  ['a SQL syntax error', new Error('syntax error at or near "SELEC"'), { class: 'permanent', known: false }],
  [
    'a string',
    'Connection terminated unexpectedly',
    { class: 'permanent', code: 'INTERNAL', message: 'Connection terminated unexpectedly', known: false },
  ],
  ['undefined', undefined, { class: 'permanent', code: 'INTERNAL', message: 'undefined', known: false }],
];

describe('classifyFailure', () => {
  it.each(table)('classifies %s', (_name, error, expected) => {
    // An absent field reads as undefined, so a row can say "no Retry-After" or "nothing unavailable".
    const failure = { retryAfterMs: undefined, unavailable: undefined, ...classifyFailure(error) };
    expect(failure).toMatchObject(expected);
  });

  it('survives a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(classifyFailure(a)).toMatchObject({ class: 'permanent', code: 'INTERNAL', known: false });
  });

  it('never gives a retryable failure the INTERNAL code, so running out of retries always says why', () => {
    for (const [, error] of table) {
      const failure = classifyFailure(error);
      if (failure.class === 'retryable') expect(failure.code).not.toBe('INTERNAL');
    }
  });

  it('only ever answers with a code the API documents', () => {
    for (const [, error] of table) expect(FAILURE_CODES).toContain(classifyFailure(error).code);
  });
});

describe('an error that says what it is', () => {
  // Any module's error can answer for itself: the classifier imports none of them.
  class QuotaError extends Error implements Classified {
    [failureOf](): OwnFailure {
      return { class: 'retryable', code: 'PROVIDER_ERROR', message: 'quota', retryAfterMs: 60_000 };
    }
  }

  it('is believed, and marked known', () => {
    expect(classifyFailure(new QuotaError('x'))).toEqual({
      class: 'retryable',
      code: 'PROVIDER_ERROR',
      message: 'quota',
      retryAfterMs: 60_000,
      known: true,
    });
  });

  it('overrules the network code it wraps, and is found under a plain wrapper', () => {
    const own = Object.assign(new QuotaError('x'), { cause: withCode('ECONNRESET') });
    const failure = classifyFailure(new Error('outer', { cause: own }));
    expect(failure).toMatchObject({ class: 'retryable', code: 'PROVIDER_ERROR', message: 'quota' });
    expect(failure.unavailable).toBeUndefined();
  });

  it('is not mistaken for an object with a method of an ordinary name', () => {
    const lookalike = Object.assign(new Error('bug'), { failureOf: () => ({ class: 'retryable' }) });
    expect(classifyFailure(lookalike)).toMatchObject({ class: 'permanent', known: false });
  });
});

describe('network helpers', () => {
  it.each([
    ['ECONNREFUSED', true, true],
    ['ENOTFOUND', true, true],
    ['EAI_AGAIN', true, true],
    ['EHOSTUNREACH', true, true],
    ['ENETUNREACH', true, true],
    ['ECONNRESET', true, false],
    ['ETIMEDOUT', true, false],
    ['ECONNABORTED', true, false],
    ['EPIPE', true, false],
    ['ERR_BAD_REQUEST', false, false],
  ])('%s: network failure %s, never reached the server %s', (code, network, neverSent) => {
    const wrapped = new Error('fetch failed', { cause: withCode(code) });
    expect(isNetworkFailure(wrapped)).toBe(network);
    expect(neverReachedServer(wrapped)).toBe(neverSent);
  });

  it('finds the first code along the cause chain', () => {
    expect(errorCodeOf(new Error('a', { cause: withCode('EPIPE') }))).toBe('EPIPE');
    expect(errorCodeOf(new Error('no code'))).toBeUndefined();
    expect(errorCodeOf(undefined)).toBeUndefined();
  });
});
