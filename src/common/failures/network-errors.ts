/** The first `code` string along the cause chain (Node's network codes sit on a wrapped cause). */
export function errorCodeOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current && typeof current === 'object' && !seen.has(current);) {
    seen.add(current);
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    current = cause;
  }
  return undefined;
}

/** A connection that failed, dropped or timed out: the same request may work a moment later. */
export function isNetworkFailure(error: unknown): boolean {
  const code = errorCodeOf(error);
  return code !== undefined && NETWORK_CODES.has(code);
}

/**
 * The request certainly never reached the other side (refused, no such host, no route): it cannot have been
 * acted on, so sending it again cannot do the work twice. Any other transport failure leaves a submit
 * ambiguous.
 */
export function neverReachedServer(error: unknown): boolean {
  const code = errorCodeOf(error);
  return code !== undefined && NEVER_SENT_CODES.has(code);
}

/** Node (and undici, axios) network errors. */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
