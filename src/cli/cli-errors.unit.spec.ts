import {
  ApiError,
  describeError,
  describeUnsuccessful,
  errorMessagesFromBody,
  isRetryableCreateFailure,
  MissingTokenError,
  networkErrorCode,
  ServiceUnreachableError,
} from './cli-errors.js';
import type { GenerationView } from './service-types.js';

const URL = 'http://localhost:3000';

describe('describeError', () => {
  it('says how to get a token when none is set', () => {
    expect(describeError(new MissingTokenError(URL))).toEqual([
      'VIDEO_GEN_TOKEN is not set; the service at http://localhost:3000 needs a bearer token.',
      'For a local development service, run in the project folder:',
      '  export VIDEO_GEN_TOKEN=$(npm run -s token -- --sub me)',
      'For a deployed service, use a token from its identity provider.',
    ]);
  });

  it('names the URL and how to start the service when nothing answers', () => {
    expect(describeError(new ServiceUnreachableError('http://127.0.0.1:9', 'ECONNREFUSED'))).toEqual([
      'cannot reach the video-gen service at http://127.0.0.1:9 (connection refused).',
      'Start it in the project folder with `npm start` (or `npm run start:sim` for simulated providers),',
      'or set VIDEO_GEN_URL to the address where it runs.',
    ]);
    expect(describeError(new ServiceUnreachableError('https://video.example', 'ENOTFOUND'))[0]).toBe(
      'cannot reach the video-gen service at https://video.example (unknown host).',
    );
    expect(describeError(new ServiceUnreachableError(URL, undefined))[0]).toMatch(/\(no answer\)\.$/);
  });

  it('prints every message of a refused request with its status', () => {
    const validation = new ApiError(
      400,
      'Bad Request',
      ['duration must be one of the following values: 5s, 8s, 10s', 'prompt should not be empty'],
      'POST /video-gen/generations',
    );
    expect(describeError(validation)).toEqual([
      'the service refused POST /video-gen/generations (400 Bad Request):',
      '  - duration must be one of the following values: 5s, 8s, 10s',
      '  - prompt should not be empty',
    ]);
    const poor = new ApiError(
      400,
      'Bad Request',
      ['Insufficient credits. Required: 750, Available: 100.0'],
      'POST /video-gen/generations',
    );
    expect(describeError(poor).at(-1)).toBe(
      'Nothing was charged. See your balance with `video-gen credits`.',
    );
    expect(describeError(new ApiError(429, 'Too Many Requests', [], 'POST /x')).at(-1)).toBe(
      'Wait a moment and try again.',
    );
  });

  it('tells a refused token apart, and gives the error id of a server failure', () => {
    expect(
      describeError(new ApiError(401, 'Unauthorized', ['Token expired'], 'GET /credits/balance')),
    ).toEqual([
      'the service refused the token (401 Unauthorized: Token expired).',
      'It may have expired or come from another service. Get a new one:',
      '  For a local development service, run in the project folder:',
      '    export VIDEO_GEN_TOKEN=$(npm run -s token -- --sub me)',
      '  For a deployed service, use a token from its identity provider.',
    ]);
    expect(
      describeError(new ApiError(500, 'Internal Server Error', ['Internal server error'], 'GET /x', 'e-42')),
    ).toEqual([
      'the service failed on GET /x (500 Internal Server Error, error id e-42):',
      '  - Internal server error',
      'Try again; if it keeps failing, give the error id to whoever runs the service.',
    ]);
  });
});

describe('errorMessagesFromBody', () => {
  it('reads NestJS bodies with one message or a list, and anything else as text', () => {
    expect(
      errorMessagesFromBody('{"statusCode":409,"message":"Already finished","error":"Conflict"}'),
    ).toEqual({
      messages: ['Already finished'],
    });
    expect(errorMessagesFromBody('{"statusCode":400,"message":["a","b"],"error":"Bad Request"}')).toEqual({
      messages: ['a', 'b'],
    });
    expect(errorMessagesFromBody('{"statusCode":500,"message":"x","errorId":"e1"}')).toEqual({
      messages: ['x'],
      errorId: 'e1',
    });
    expect(errorMessagesFromBody('<html>Bad gateway</html>')).toEqual({
      messages: ['<html>Bad gateway</html>'],
    });
    expect(errorMessagesFromBody('')).toEqual({ messages: [] });
    expect(errorMessagesFromBody('null')).toEqual({ messages: [] });
    expect(errorMessagesFromBody('x'.repeat(400)).messages[0]).toHaveLength(303);
  });
});

describe('networkErrorCode', () => {
  it('finds the code under fetch’s TypeError, also inside an AggregateError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(networkErrorCode(new TypeError('fetch failed', { cause: refused }))).toBe('ECONNREFUSED');
    const both = Object.assign(new AggregateError([refused, refused]), { code: undefined });
    expect(networkErrorCode(new TypeError('fetch failed', { cause: both }))).toBe('ECONNREFUSED');
    const closed = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(networkErrorCode(new TypeError('fetch failed', { cause: closed }))).toBe('UND_ERR_SOCKET');
    expect(networkErrorCode(new TypeError('fetch failed'))).toBeUndefined();
    expect(networkErrorCode(Object.assign(new Error('x'), { code: 'ERR_INVALID_URL' }))).toBeUndefined();
  });
});

describe('isRetryableCreateFailure', () => {
  it('retries only what may have reached the service or failed at a proxy', () => {
    expect(isRetryableCreateFailure(new ServiceUnreachableError(URL, 'ECONNRESET'))).toBe(true);
    expect(isRetryableCreateFailure(new ServiceUnreachableError(URL, 'UND_ERR_SOCKET'))).toBe(true);
    expect(isRetryableCreateFailure(new ApiError(503, 'Service Unavailable', [], 'POST /x'))).toBe(true);
    expect(isRetryableCreateFailure(new ServiceUnreachableError(URL, 'ECONNREFUSED'))).toBe(false);
    expect(isRetryableCreateFailure(new ServiceUnreachableError(URL, 'ENOTFOUND'))).toBe(false);
    expect(isRetryableCreateFailure(new ApiError(400, 'Bad Request', [], 'POST /x'))).toBe(false);
    expect(isRetryableCreateFailure(new ApiError(500, 'Internal Server Error', [], 'POST /x'))).toBe(false);
  });
});

describe('describeUnsuccessful', () => {
  const base: GenerationView = {
    id: 'g-1',
    kind: 'image-to-video',
    model: 'veo3',
    simulated: false,
    status: 'failed',
    prompt: 'p',
    duration: '8s',
    segments: [],
    credits: { reserved: 750, used: 0, refunded: 750 },
    createdAt: '2025-01-01T00:00:00.000Z',
  };

  it('gives the error and the refund as the view shows them', () => {
    expect(
      describeUnsuccessful({
        ...base,
        error: 'The provider refused the prompt',
        errorCode: 'MODERATION',
      }),
    ).toEqual([
      'generation g-1 failed: The provider refused the prompt [MODERATION]',
      '750 of the 750 reserved credits were refunded.',
    ]);
    expect(
      describeUnsuccessful({
        ...base,
        kind: 'chain',
        error: 'segment 3 failed',
        credits: { reserved: 3000, used: 2000, refunded: 1000 },
      })[1],
    ).toBe('1000 of the 3000 reserved credits were refunded; 2000 were charged for what was delivered.');
    expect(describeUnsuccessful({ ...base, credits: { reserved: 750, used: 0, refunded: 0 } })).toEqual([
      'generation g-1 failed: no reason given',
      'No refund shows yet (reserved 750, used 0); check with `video-gen status g-1`.',
    ]);
    expect(describeUnsuccessful({ ...base, status: 'cancelled' })[0]).toBe('generation g-1 was cancelled.');
  });
});
