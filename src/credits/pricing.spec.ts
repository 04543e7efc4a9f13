import { InvalidPriceError, priceFor } from './pricing.js';

describe('priceFor', () => {
  it('reads the catalog entry’s price as Decimal credits', () => {
    expect(priceFor({ id: 'veo3', priceCredits: 750 }).toString()).toBe('750');
    expect(priceFor({ priceCredits: '12.5' }).toString()).toBe('12.5');
  });

  it('lets configuration override a model’s price without a code change', () => {
    const overrides = { veo3: '800', 'sora-2': '0' };
    expect(priceFor({ id: 'veo3', priceCredits: 750 }, overrides).toString()).toBe('800');
    expect(priceFor({ id: 'sora-2', priceCredits: 600 }, overrides).isZero()).toBe(true);
    expect(priceFor({ id: 'other', priceCredits: 5 }, overrides).toString()).toBe('5');
    expect(priceFor({ id: 'toString', priceCredits: 5 }, overrides).toString()).toBe('5');
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
