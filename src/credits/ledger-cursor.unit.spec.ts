import { decodeLedgerCursor, encodeLedgerCursor } from './ledger-cursor.js';

describe('ledger cursor', () => {
  it('round-trips a position as an opaque URL-safe string', () => {
    const position = {
      createdAt: new Date('2026-11-21T10:00:00.123Z'),
      id: '0193a4b2-1c2d-7e3f-8a4b-5c6d7e8f9a0b',
    };
    const cursor = encodeLedgerCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeLedgerCursor(cursor)).toEqual(position);
  });

  it.each([
    'not base64!',
    Buffer.from('garbage').toString('base64url'),
    Buffer.from('2026-11-21T10:00:00.123Z|not-a-uuid').toString('base64url'),
    Buffer.from('yesterday|0193a4b2-1c2d-7e3f-8a4b-5c6d7e8f9a0b').toString('base64url'),
    Buffer.from('2026-11-21T10:00:00.123Z|0193a4b2-1c2d-7e3f-8a4b-5c6d7e8f9a0b|x').toString('base64url'),
    'a'.repeat(300),
  ])('rejects %p with a 400', (cursor) => {
    expect(() => decodeLedgerCursor(cursor)).toThrow(
      expect.objectContaining({
        kind: 'invalid-request',
        detail: [expect.stringMatching(/^cursor is invalid/)],
      }),
    );
  });
});
