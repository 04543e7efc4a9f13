import { Decimal } from './credit-amount.js';
import { InvalidPriceError, partialCapture, priceOf, priceRuleProblem, quoteFor } from './pricing.js';

const flat = (credits: string | number) => ({ name: 'veo3', price: { credits, per: 'generation' as const } });
const perSecond = (credits: string | number) => ({
  name: 'kling',
  price: { credits, per: 'second' as const },
});

describe('priceOf', () => {
  it('charges a flat price once per provider run, whatever the duration', () => {
    expect(priceOf(flat('750'), { seconds: 8 }).toString()).toBe('750');
    expect(priceOf(flat('750'), { seconds: 5, segments: 1 }).toString()).toBe('750');
    expect(priceOf(flat(750), { seconds: 24, segments: 3 }).toString()).toBe('2250');
    expect(priceOf(flat('12.5'), { seconds: 8, segments: 2 }).toString()).toBe('25');
  });

  it('charges a per-second rate for the requested seconds, not the segments', () => {
    expect(priceOf(perSecond('12.5'), { seconds: 8, segments: 1 }).toString()).toBe('100');
    expect(priceOf(perSecond('12.5'), { seconds: 8, segments: 4 }).toString()).toBe('100');
    expect(priceOf(perSecond('0.1'), { seconds: 3 }).toString()).toBe('0.3');
    expect(priceOf(perSecond(10), { seconds: 5.5 }).toString()).toBe('55');
  });

  it('rounds a per-second price half up to one decimal place, exactly (no float error)', () => {
    // 0.1 * 3 is 0.30000000000000004 in floats; Decimal keeps it exact.
    expect(priceOf(perSecond('0.1'), { seconds: 3 }).equals(new Decimal('0.3'))).toBe(true);
    expect(priceOf(perSecond('93.75'), { seconds: 5 }).toString()).toBe('468.8'); // 468.75 -> 468.8
    expect(priceOf(perSecond('0.0125'), { seconds: 4 }).toString()).toBe('0.1'); // 0.05 -> 0.1
    expect(priceOf(perSecond('0.0124'), { seconds: 4 }).toString()).toBe('0'); // 0.0496 -> 0.0
  });

  it('treats zero as free', () => {
    expect(priceOf(flat(0), { seconds: 8 }).isZero()).toBe(true);
    expect(priceOf(perSecond('0'), { seconds: 8 }).isZero()).toBe(true);
  });

  it.each([
    [flat(-1)],
    [flat('7.25')],
    [flat('free')],
    [flat(Number.NaN)],
    [perSecond('0.00001')],
    [{ name: 'veo3', price: { credits: '750', per: 'minute' as never } }],
  ])('refuses a malformed price as a configuration error: %j', (model) => {
    expect(() => priceOf(model, { seconds: 8 })).toThrow(InvalidPriceError);
  });

  it('refuses a price too large for the ledger', () => {
    expect(() => priceOf(flat('9999999999999'), { seconds: 8, segments: 2 })).toThrow(InvalidPriceError);
  });
});

describe('priceRuleProblem', () => {
  it('accepts flat amounts with one decimal place and rates with up to four', () => {
    expect(priceRuleProblem({ credits: '750', per: 'generation' })).toBeUndefined();
    expect(priceRuleProblem({ credits: 12.5, per: 'generation' })).toBeUndefined();
    expect(priceRuleProblem({ credits: '0.0125', per: 'second' })).toBeUndefined();
  });

  it('says what is wrong', () => {
    expect(priceRuleProblem(undefined)).toMatch(/price.per/);
    expect(priceRuleProblem({ credits: '-1', per: 'generation' })).toMatch(/non-negative decimal/);
    expect(priceRuleProblem({ credits: '7.25', per: 'generation' })).toMatch(/at most 1 decimal/);
    expect(priceRuleProblem({ credits: '0.00001', per: 'second' })).toMatch(/at most 4 decimal/);
  });
});

describe('partialCapture', () => {
  it('charges the delivered share of the reservation, rounded down', () => {
    expect(partialCapture(new Decimal('2250'), 1, 3).toString()).toBe('750');
    expect(partialCapture(new Decimal('100'), 1, 3).toString()).toBe('33.3'); // 33.33.. -> 33.3
    expect(partialCapture(new Decimal('100'), 2, 3).toString()).toBe('66.6'); // 66.66.. -> 66.6, never up
    expect(partialCapture(new Decimal('0.1'), 1, 2).toString()).toBe('0');
  });

  it('charges nothing for nothing and everything for everything', () => {
    expect(partialCapture(new Decimal('900'), 0, 3).isZero()).toBe(true);
    expect(partialCapture(new Decimal('900'), 3, 3).toString()).toBe('900');
  });

  it('never charges more than the reservation for any share', () => {
    const reserved = new Decimal('1000.1');
    for (let total = 1; total <= 10; total++) {
      for (let delivered = 0; delivered <= total; delivered++) {
        const share = partialCapture(reserved, delivered, total);
        expect(share.lte(reserved)).toBe(true);
        expect(share.decimalPlaces()).toBeLessThanOrEqual(1);
      }
    }
  });

  it('refuses a share that is not one', () => {
    expect(() => partialCapture(new Decimal(10), 1, 0)).toThrow(RangeError);
    expect(() => partialCapture(new Decimal(10), -1, 2)).toThrow(RangeError);
    expect(() => partialCapture(new Decimal(10), 0.5, 2)).toThrow(RangeError);
  });
});

describe('quoteFor', () => {
  it('is sufficient when the balance covers the price, exactly included', () => {
    expect(quoteFor(new Decimal(750), new Decimal('750.0'))).toMatchObject({ sufficient: true });
    expect(quoteFor(new Decimal(750), new Decimal('750.0')).shortfall.isZero()).toBe(true);
    expect(quoteFor(new Decimal(0), new Decimal(0)).sufficient).toBe(true);
  });

  it('says how much is missing when it is not', () => {
    const quote = quoteFor(new Decimal(750), new Decimal('100.5'));
    expect(quote.sufficient).toBe(false);
    expect(quote.shortfall.toString()).toBe('649.5');
    expect(quote.price.toString()).toBe('750');
    expect(quote.balance.toString()).toBe('100.5');
  });
});
