import type { GenerationView } from './service-types.js';

/** Wrong command line: exit code 2, with the command's usage. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export class MissingTokenError extends Error {
  constructor(readonly serviceUrl: string) {
    super('VIDEO_GEN_TOKEN is not set');
    this.name = 'MissingTokenError';
  }
}

/** The request never got an HTTP answer: nothing listening, unknown host, connection dropped. */
export class ServiceUnreachableError extends Error {
  constructor(
    readonly serviceUrl: string,
    /** ECONNREFUSED, ENOTFOUND, ECONNRESET, ... when Node gave one. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach ${serviceUrl}${code ? ` (${code})` : ''}`, options);
    this.name = 'ServiceUnreachableError';
  }
}

/** The service answered with an error status; `messages` is NestJS's `message` (a string or a list). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly messages: string[],
    readonly request: string,
    readonly errorId?: string,
  ) {
    super(`${request}: ${status} ${statusText}${messages.length ? `: ${messages.join('; ')}` : ''}`);
    this.name = 'ApiError';
  }
}

/** A finished-but-unsuccessful generation, or a video that could not be saved. */
export class CommandFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailedError';
  }
}

/** Reads NestJS's error body `{ statusCode, message, error, errorId? }`; tolerates anything else. */
export function errorMessagesFromBody(body: string): { messages: string[]; errorId?: string } {
  let parsed: { message?: unknown; errorId?: unknown } | null;
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    const text = body.trim();
    return { messages: text ? [text.length > 300 ? `${text.slice(0, 300)}...` : text] : [] };
  }
  if (!parsed || typeof parsed !== 'object') return { messages: [] };
  const { message, errorId } = parsed;
  const messages = Array.isArray(message)
    ? message.map(String)
    : typeof message === 'string'
      ? [message]
      : [];
  return { messages, ...(typeof errorId === 'string' ? { errorId } : {}) };
}

/** The `code` Node puts on a failed fetch's cause (possibly inside an AggregateError for several addresses). */
export function networkErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    queue.push(cause, ...(Array.isArray(errors) ? errors : []));
  }
  return undefined;
}

const TOKEN_HOWTO = [
  'For a local development service, run in the project folder:',
  '  export VIDEO_GEN_TOKEN=$(npm run -s token -- --sub me)',
  'For a deployed service, use a token from its identity provider.',
];

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/** The text to show for an error, first line first, without the `video-gen: ` prefix. */
export function describeError(error: unknown): string[] {
  if (error instanceof MissingTokenError) {
    return [
      `VIDEO_GEN_TOKEN is not set; the service at ${error.serviceUrl} needs a bearer token.`,
      ...TOKEN_HOWTO,
    ];
  }
  if (error instanceof ServiceUnreachableError) {
    const reason = (error.code && NETWORK_REASONS[error.code]) ?? error.code ?? 'no answer';
    return [
      `cannot reach the video-gen service at ${error.serviceUrl} (${reason}).`,
      'Start it in the project folder with `npm start` (or `npm run start:sim` for simulated providers),',
      'or set VIDEO_GEN_URL to the address where it runs.',
    ];
  }
  if (error instanceof ApiError) return describeApiError(error);
  if (error instanceof Error) return [error.message];
  return [String(error)];
}

function describeApiError(error: ApiError): string[] {
  const status = `${error.status}${error.statusText ? ` ${error.statusText}` : ''}`;
  const details = error.messages.map((message) => `  - ${message}`);
  if (error.status === 401) {
    return [
      `the service refused the token (${status}${error.messages.length ? `: ${error.messages.join('; ')}` : ''}).`,
      'It may have expired or come from another service. Get a new one:',
      ...TOKEN_HOWTO.map((line) => `  ${line}`),
    ];
  }
  if (error.status >= 500) {
    return [
      `the service failed on ${error.request} (${status}${error.errorId ? `, error id ${error.errorId}` : ''}):`,
      ...details,
      'Try again; if it keeps failing, give the error id to whoever runs the service.',
    ];
  }
  const lines = [`the service refused ${error.request} (${status}):`, ...details];
  if (error.status === 429) lines.push('Wait a moment and try again.');
  if (error.messages.some((message) => /insufficient credits/i.test(message))) {
    lines.push('Nothing was charged. See your balance with `video-gen credits`.');
  }
  return lines;
}

/** Why a generation ended without a video, and what happened to its credits (as the service reports them). */
export function describeUnsuccessful(view: GenerationView): string[] {
  const { credits } = view;
  const headline =
    view.status === 'cancelled'
      ? `generation ${view.id} was cancelled${view.error ? `: ${view.error}` : '.'}`
      : `generation ${view.id} failed: ${view.error ?? 'no reason given'}${view.errorCode ? ` [${view.errorCode}]` : ''}`;
  const refund =
    credits.refunded > 0
      ? `${credits.refunded} of the ${credits.reserved} reserved credits were refunded` +
        (credits.used > 0 ? `; ${credits.used} were charged for what was delivered.` : '.')
      : credits.reserved > 0
        ? `No refund shows yet (reserved ${credits.reserved}, used ${credits.used}); check with \`video-gen status ${view.id}\`.`
        : 'No credits were charged.';
  return [headline, refund];
}

/** The Ctrl-C reason: the command stops what it is doing and says what was left running. */
export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/**
 * Whether a failed create may be sent again (with the same Idempotency-Key, so the service charges once): the
 * request may have reached the service (connection dropped, timed out) or a proxy failed for now. A refused
 * connection or unknown host never reached it: report at once.
 */
export function isRetryableCreateFailure(error: unknown): boolean {
  if (error instanceof ServiceUnreachableError) {
    return !['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(error.code ?? '');
  }
  return error instanceof ApiError && [502, 503, 504].includes(error.status);
}
