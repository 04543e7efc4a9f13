import { newLedgerEntryId } from './ledger-id.js';

describe('newLedgerEntryId', () => {
  it('makes version-7 UUIDs carrying the time', () => {
    const id = newLedgerEntryId(Date.UTC(2030, 0, 1));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2030, 0, 1));
  });

  it('increases strictly for ids made in the same millisecond, even past 4096 of them', () => {
    const now = Date.UTC(2031, 0, 1);
    const ids = Array.from({ length: 5000 }, () => newLedgerEntryId(now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('never goes backwards when the clock does', () => {
    const first = newLedgerEntryId(Date.UTC(2032, 0, 1));
    const second = newLedgerEntryId(Date.UTC(2031, 6, 1));
    expect(second > first).toBe(true);
  });
});
