import { type Failure, failureOf, isClassified } from './classified.js';
import { NETWORK_CODES } from './network-errors.js';

/**
 * The one answer to "is this failure retried, refunded or shown, and as what?". Walks the `cause` chain (and
 * Prisma's driver-adapter details); the nearest error that says what it is wins, so a wrapper can overrule
 * what it wraps. Pure.
 */
export function classifyFailure(error: unknown): Failure {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const found = classifyOne(current, error);
    if (found) return found;
    const { cause, meta } = current as { cause?: unknown; meta?: { driverAdapterError?: unknown } };
    pending.push(cause, meta?.driverAdapterError);
  }
  return {
    class: 'permanent',
    code: 'INTERNAL',
    message: (error as Error | undefined)?.message ?? String(error),
    known: false,
  };
}

/** `top`: the error as thrown, whose message a failure recognised only by a code deeper down keeps. */
function classifyOne(error: object, top: unknown): Failure | undefined {
  // Our own errors, and the features', say what they are (see classified.ts).
  if (isClassified(error)) return { ...error[failureOf](), known: true };
  const { code, kind, message } = error as { code?: unknown; kind?: unknown; message?: unknown };
  const text = (top as Error | undefined)?.message ?? String(top);
  if (
    (typeof code === 'string' && (NETWORK_CODES.has(code) || DATABASE_UNAVAILABLE_CODES.has(code))) ||
    (typeof kind === 'string' && DATABASE_UNAVAILABLE_KINDS.has(kind)) ||
    (typeof message === 'string' && DATABASE_UNAVAILABLE_MESSAGES.test(message))
  ) {
    // The bucket and the providers wrap their own network failures (StorageUnavailableError, ProviderError):
    // a bare one, or a driver's, is the database's.
    return {
      class: 'retryable',
      code: 'RETRIES_EXHAUSTED',
      message: text,
      unavailable: 'database',
      known: true,
    };
  }
  if (typeof code === 'string' && DATABASE_CONFLICT_CODES.has(code)) {
    return { class: 'retryable', code: 'RETRIES_EXHAUSTED', message: text, known: true };
  }
  return undefined;
}

/** PostgreSQL and Prisma codes of a database that is restarting, failing over or out of connections. */
const DATABASE_UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '08000', // connection_exception
  '08001',
  '08003',
  '08004',
  '08006',
  'P1001', // Prisma: can't reach database server
  'P1002', // Prisma: database server timed out
  'P1008', // Prisma: operations timed out
  'P1017', // Prisma: server closed the connection
  'P2024', // Prisma: timed out fetching a connection from the pool
]);

/** Prisma driver-adapter error kinds. */
const DATABASE_UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/** node-postgres reports a dropped or unobtainable connection by message only. */
const DATABASE_UNAVAILABLE_MESSAGES =
  /Connection terminated unexpectedly|Connection terminated due to connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Unable to start a transaction in the given time|Can't reach database server/i;

/** A transaction that lost a race with another one: running it again normally works. */
const DATABASE_CONFLICT_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  'P2034', // Prisma: transaction write conflict or deadlock
]);
