import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * A UUIDv7 (RFC 9562) for ledger entries: 48-bit millisecond time, then a 12-bit sequence that increases for
 * ids made in the same millisecond by this process, then random bits. The ledger is ordered by
 * (createdAt, id), so entries written within one millisecond (a capture and its remainder refund, quick
 * successive grants) still list in the order they were made.
 */
export function newLedgerEntryId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else if (++sequence > 0xfff) {
    lastMs += 1; // more than 4096 ids in one millisecond: borrow the next one rather than go backwards
    sequence = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
