import { AccessDeniedError, NotFoundError } from '../common/domain-errors.js';
import fc from 'fast-check';
import { assertOwnedKey, isOwnedKey, keyProblem, normaliseKey, ownedOr404 } from './ownership.js';

describe('assertOwnedKey', () => {
  it('returns the caller’s own key', () => {
    expect(assertOwnedKey('alice', 'images/alice/cat.png')).toBe('images/alice/cat.png');
    expect(assertOwnedKey({ id: 'alice', roles: [] }, 'images/alice/2026/cat.png')).toBe(
      'images/alice/2026/cat.png',
    );
    expect(assertOwnedKey('alice', 'videos/alice/g.mp4', 'videos')).toBe('videos/alice/g.mp4');
  });

  it('normalises to NFC before checking', () => {
    const decomposed = 'images/alice/cafe\u0301.png';
    expect(assertOwnedKey('alice', decomposed)).toBe('images/alice/caf\u00e9.png');
    expect(normaliseKey(decomposed)).toBe('images/alice/caf\u00e9.png');
  });

  it.each([
    ['another user’s image', 'images/bob/cat.png', 'your own keys'],
    ['a prefix that only starts like the caller’s', 'images/alice2/cat.png', 'your own keys'],
    ['the prefix itself', 'images/alice/', 'empty'],
    ['the other area', 'videos/alice/g.mp4', 'your own keys'],
    ['no prefix', 'cat.png', 'your own keys'],
    ['parent traversal', 'images/alice/../bob/cat.png', '".."'],
    ['traversal at the start', '../images/alice/cat.png', '".."'],
    ['a dot segment', 'images/alice/./cat.png', '"."'],
    ['a double slash', 'images/alice//cat.png', 'empty'],
    ['a leading slash', '/images/alice/cat.png', 'start with "/"'],
    ['an encoded slash', 'images/alice%2F..%2Fbob/cat.png', 'percent-encoding'],
    ['encoded dots', 'images/alice/%2e%2e/bob/cat.png', 'percent-encoding'],
    ['a backslash', 'images/alice\\..\\bob\\cat.png', 'backslashes'],
    ['a NUL byte', 'images/alice/cat.png\u0000.jpg', 'control'],
    ['a newline', 'images/alice/cat\n.png', 'control'],
    ['DEL', 'images/alice/cat\u007f.png', 'control'],
    ['a bidi override', 'images/alice/\u202egnp.tac', 'invisible'],
    ['a zero-width space', 'images/alice\u200b/cat.png', 'invisible'],
    ['an empty key', '', 'empty'],
    ['an over-long key', `images/alice/${'a'.repeat(1100)}`, '1024 bytes'],
  ])('refuses %s with 403', (_name, key, reason) => {
    expect(() => assertOwnedKey('alice', key)).toThrow(AccessDeniedError);
    expect(() => assertOwnedKey('alice', key)).toThrow(
      expect.objectContaining({ message: expect.stringContaining(reason) }),
    );
  });

  it('never accepts a key outside the prefix or with a traversal segment (property)', () => {
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '', 'alice', 'bob', '%2e%2e', 'a\\b', 'images', 'videos'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) => {
        const key = segments.join('/');
        if (!isOwnedKey('alice', key)) return;
        const normalised = normaliseKey(key);
        expect(normalised.startsWith('images/alice/')).toBe(true);
        expect(normalised.split('/')).not.toContain('..');
        expect(keyProblem(normalised)).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ownedOr404', () => {
  it('returns the caller’s record', () => {
    const record = { id: 'g1', userId: 'alice' };
    expect(ownedOr404(record, 'alice')).toBe(record);
  });

  it('answers 404 for another user’s record and for a missing one alike', () => {
    expect(() => ownedOr404({ id: 'g1', userId: 'bob' }, 'alice')).toThrow(NotFoundError);
    expect(() => ownedOr404(null, { id: 'alice', roles: [] })).toThrow(NotFoundError);
    expect(() => ownedOr404(undefined, 'alice', 'Video')).toThrow('Video not found');
  });
});
