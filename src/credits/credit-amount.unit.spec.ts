import fc from 'fast-check';
import { Prisma } from '../generated/prisma/client.js';
import {
  creditsToJson,
  formatCredits,
  insufficientCreditsMessage,
  MAX_CREDITS,
  parseCredits,
} from './credit-amount.js';

describe('parseCredits', () => {
  it.each([
    [750, '750'],
    ['750', '750'],
    ['750.0', '750'],
    [' 12.5 ', '12.5'],
    [0.1, '0.1'],
    ['.5', '0.5'],
    [new Prisma.Decimal('99.9'), '99.9'],
    ['9999999999999.9', '9999999999999.9'],
  ])('accepts %p', (input, expected) => {
    expect(parseCredits(input).toString()).toBe(expected);
  });

  it.each([0, '0', -1, '-0.5', '1.25', 0.05, 'abc', '', '1e3', Number.NaN, Number.POSITIVE_INFINITY, '0x10'])(
    'rejects %p with a message naming the field',
    (input) => {
      expect(() => parseCredits(input, { field: 'amount' })).toThrow(
        'amount must be a positive number of credits with at most one decimal place',
      );
    },
  );

  it('accepts zero only when asked (prices)', () => {
    expect(parseCredits(0, { allowZero: true }).toString()).toBe('0');
    expect(() => parseCredits(-1, { allowZero: true, field: 'price' })).toThrow(
      'price must be a non-negative number of credits with at most one decimal place',
    );
  });

  it('rounds half up to one decimal place when asked (computed refunds)', () => {
    expect(parseCredits('250.05', { round: true }).toString()).toBe('250.1');
    expect(parseCredits(new Prisma.Decimal(750).dividedBy(3), { round: true }).toString()).toBe('250');
    expect(parseCredits('0.04', { round: true, allowZero: true }).toString()).toBe('0');
    expect(() => parseCredits('-0.04', { round: true, allowZero: true })).toThrow('must be a non-negative');
  });

  it('rejects amounts a Decimal(14,1) column cannot hold', () => {
    expect(() => parseCredits(MAX_CREDITS.plus('0.1'))).toThrow('amount must not exceed 9999999999999.9');
  });

  it('adds tenths exactly, where floats drift', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 99_999 }), { minLength: 1, maxLength: 50 }),
        (tenths) => {
          const sum = tenths.reduce(
            (total, n) => total.plus(parseCredits((n / 10).toString())),
            new Prisma.Decimal(0),
          );
          const expected = tenths.reduce((total, n) => total + n, 0);
          expect(sum.times(10).toString()).toBe(String(expected));
        },
      ),
    );
  });
});

describe('formatting credits', () => {
  it('shows balances with one decimal place', () => {
    expect(formatCredits(new Prisma.Decimal(150))).toBe('150.0');
    expect(formatCredits(new Prisma.Decimal('0.5'))).toBe('0.5');
  });

  it('writes the seed’s insufficient-credits message exactly', () => {
    expect(insufficientCreditsMessage(new Prisma.Decimal(750), new Prisma.Decimal(100))).toBe(
      'Insufficient credits. Required: 750, Available: 100.0',
    );
    expect(insufficientCreditsMessage(new Prisma.Decimal('12.5'), new Prisma.Decimal('3.2'))).toBe(
      'Insufficient credits. Required: 12.5, Available: 3.2',
    );
  });

  it('turns every Decimal(14,1) value into a JSON number that prints back exactly', () => {
    expect(creditsToJson(new Prisma.Decimal('150.0'))).toBe(150);
    expect(creditsToJson('93.75')).toBe(93.75);
    expect(creditsToJson('750')).toBe(750);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 99_999_999_999_999n }), (tenths) => {
        const amount = new Prisma.Decimal(tenths.toString()).dividedBy(10);
        expect(new Prisma.Decimal(JSON.stringify(creditsToJson(amount))).equals(amount)).toBe(true);
      }),
    );
  });
});
