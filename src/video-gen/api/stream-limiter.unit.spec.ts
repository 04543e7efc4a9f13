import { StreamLimiter } from './stream-limiter.js';

describe('StreamLimiter', () => {
  it('refuses a user beyond their cap while others still get streams, and frees places on release', () => {
    const limiter = new StreamLimiter({ maxStreamsPerUser: 2, maxStreams: 10 });
    const a1 = limiter.acquire('a');
    const a2 = limiter.acquire('a');
    expect(limiter.acquire('a')).toEqual({ refused: 'user' });
    expect('release' in limiter.acquire('b')).toBe(true);
    if (!('release' in a1) || !('release' in a2)) throw new Error('expected places');
    a1.release();
    a1.release(); // twice is once
    expect(limiter.open).toBe(2);
    expect('release' in limiter.acquire('a')).toBe(true);
    expect(limiter.acquire('a')).toEqual({ refused: 'user' });
  });

  it('refuses everyone beyond the global cap', () => {
    const limiter = new StreamLimiter({ maxStreamsPerUser: 5, maxStreams: 3 });
    for (const user of ['a', 'b', 'c']) expect('release' in limiter.acquire(user)).toBe(true);
    expect(limiter.acquire('d')).toEqual({ refused: 'global' });
  });
});
