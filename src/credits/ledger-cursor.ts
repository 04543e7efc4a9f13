import { invalidCursor } from '../common/cursor.js';

/** Position after which the next page of a newest-first ledger starts. */
export interface LedgerPosition {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opaque to clients: base64url of "<ISO time>|<entry id>". Keyset, so inserts never shift a page. */
export function encodeLedgerCursor(position: LedgerPosition): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`, 'utf8').toString('base64url');
}

export function decodeLedgerCursor(cursor: string): LedgerPosition {
  const invalid = invalidCursor;
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw invalid();
  const [time, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(time);
  if (rest.length > 0 || !id || !UUID.test(id) || Number.isNaN(createdAt.getTime())) throw invalid();
  if (createdAt.toISOString() !== time) throw invalid();
  return { createdAt, id };
}
