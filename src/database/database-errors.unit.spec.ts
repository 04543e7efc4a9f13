import { isDatabaseUnavailable } from './database-errors.js';

describe('isDatabaseUnavailable', () => {
  const withCode = (code: string) => Object.assign(new Error('x'), { code });

  it('recognises a database that is restarting, unreachable or out of connections', () => {
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('57P01'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('P1001'))).toBe(true);
    expect(
      isDatabaseUnavailable(
        new Error('Transaction API error: Unable to start a transaction in the given time.'),
      ),
    ).toBe(true);
  });

  it('looks through causes and Prisma driver-adapter details', () => {
    expect(isDatabaseUnavailable(new Error('outer', { cause: withCode('ECONNRESET') }))).toBe(true);
    expect(
      isDatabaseUnavailable(
        Object.assign(new Error('P1000'), {
          code: 'P2010',
          meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } },
        }),
      ),
    ).toBe(true);
    const cycle: Error & { cause?: unknown } = new Error('loop');
    cycle.cause = cycle;
    expect(isDatabaseUnavailable(cycle)).toBe(false);
  });

  it('leaves ordinary query and constraint errors alone', () => {
    expect(isDatabaseUnavailable(withCode('P2002'))).toBe(false);
    expect(isDatabaseUnavailable(withCode('23505'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('syntax error at or near "SELEC"'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('Connection terminated unexpectedly')).toBe(false);
  });
});
