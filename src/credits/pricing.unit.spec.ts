import { InvalidPriceError, priceFor } from './pricing.js';

describe('priceFor', () => {
  it('reads a catalog price as Decimal credits', () => {
    expect(priceFor({ id: 'veo3', priceCredits: 750 }).toString()).toBe('750');
    expect(priceFor({ id: 'veo3', priceCredits: '750' }).toString()).toBe('750');
    expect(priceFor({ priceCredits: '12.5' }).toString()).toBe('12.5');
  });

  it('treats zero as free', () => {
    expect(priceFor({ id: 'local-motion', priceCredits: 0 }).isZero()).toBe(true);
  });

  it.each([-1, '7.25', 'free', Number.NaN])(
    'rejects a malformed price %p as a configuration error',
    (price) => {
      expect(() => priceFor({ id: 'veo3', priceCredits: price })).toThrow(InvalidPriceError);
      expect(() => priceFor({ id: 'veo3', priceCredits: price })).toThrow('price of model veo3 must be');
    },
  );
});
