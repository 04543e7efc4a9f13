import { ConflictError } from '../common/domain-errors.js';
import { Decimal } from './credit-amount.js';
import {
  capturePlan,
  creditTotals,
  type HeldCredits,
  outstandingCredits,
  refundPlan,
  reservedTotals,
} from './settlement-amounts.js';

const ID = '11111111-2222-4333-8444-555555555555';
const held = (reserved: string | number, captured: string | number = 0, refunded: string | number = 0) =>
  ({
    generationId: ID,
    userId: 'user-1',
    reserved: new Decimal(reserved),
    captured: new Decimal(captured),
    refunded: new Decimal(refunded),
  }) satisfies HeldCredits;
const text = (totals: { reserved: Decimal; captured: Decimal; refunded: Decimal } | undefined) =>
  totals && [totals.reserved.toFixed(1), totals.captured.toFixed(1), totals.refunded.toFixed(1)];

describe('outstandingCredits', () => {
  it.each([
    [held(750), '750.0'],
    [held(750, 0, '375.5'), '374.5'],
    [held(750, 500, 250), '0.0'],
    [held(0), '0.0'],
  ])('is what is neither captured nor refunded', (snapshot, expected) => {
    expect(outstandingCredits(snapshot).toFixed(1)).toBe(expected);
  });
});

describe('reservedTotals', () => {
  it('reserves the amount on a generation that holds nothing', () => {
    expect(text(reservedTotals(held(0), new Decimal('12.5')))).toEqual(['12.5', '0.0', '0.0']);
  });

  it('is a no-op on a generation that already holds a reservation', () => {
    expect(reservedTotals(held(750), new Decimal(750))).toBeUndefined();
    expect(reservedTotals(held(750, 750), new Decimal(10))).toBeUndefined();
  });
});

describe('capturePlan', () => {
  it('captures everything outstanding by default', () => {
    const plan = capturePlan(held(750));
    expect(plan?.captured.toFixed(1)).toBe('750.0');
    expect(plan?.remainder.toFixed(1)).toBe('0.0');
    expect(text(plan?.totals)).toEqual(['750.0', '750.0', '0.0']);
  });

  it('refunds the remainder when less than the reservation is captured', () => {
    const plan = capturePlan(held(750), new Decimal(500));
    expect(plan?.remainder.toFixed(1)).toBe('250.0');
    expect(text(plan?.totals)).toEqual(['750.0', '500.0', '250.0']);
  });

  it('captures what a partial refund left, with nothing more to refund', () => {
    const plan = capturePlan(held(750, 0, '375.5'));
    expect(plan?.captured.toFixed(1)).toBe('374.5');
    expect(text(plan?.totals)).toEqual(['750.0', '374.5', '375.5']);
    expect(text(capturePlan(held(750, 0, '375.5'), new Decimal('374.5'))?.totals)).toEqual([
      '750.0',
      '374.5',
      '375.5',
    ]);
  });

  it.each([
    ['already captured', held(750, 750)],
    ['captured in part', held(750, 500, 250)],
    ['fully refunded', held(750, 0, 750)],
    ['never reserved', held(0)],
  ])('is a no-op when %s', (_, snapshot) => {
    expect(capturePlan(snapshot)).toBeUndefined();
    expect(capturePlan(snapshot, new Decimal(1))).toBeUndefined();
  });

  it('refuses more than is outstanding, saying how much is', () => {
    expect(() => capturePlan(held(750), new Decimal(800))).toThrow(
      new ConflictError(`Cannot capture 800 credits for generation ${ID}: 750.0 are reserved`),
    );
  });

  it('refuses to leave a remainder after a refund: a generation has one refund', () => {
    expect(() => capturePlan(held(750, 0, 100), new Decimal(100))).toThrow(
      new ConflictError(
        `Generation ${ID} was already refunded once; capture the 650.0 credits still reserved`,
      ),
    );
  });
});

describe('refundPlan', () => {
  it('refunds the amount asked for when it is outstanding', () => {
    const plan = refundPlan(held(750), new Decimal('375.5'));
    expect(plan).toMatchObject({ capped: false });
    expect(plan?.refunded.toFixed(1)).toBe('375.5');
    expect(text(plan?.totals)).toEqual(['750.0', '0.0', '375.5']);
  });

  it('caps a refund at what is outstanding, and says so', () => {
    const plan = refundPlan(held(750), new Decimal(5000));
    expect(plan).toMatchObject({ capped: true });
    expect(plan?.refunded.toFixed(1)).toBe('750.0');
    expect(text(plan?.totals)).toEqual(['750.0', '0.0', '750.0']);
  });

  it.each([
    ['a zero amount', held(750), 0],
    ['already refunded', held(750, 0, 100), 650],
    ['already captured', held(750, 750), 750],
    ['never reserved', held(0), 750],
  ])('is a no-op for %s', (_, snapshot, amount) => {
    expect(refundPlan(snapshot, new Decimal(amount))).toBeUndefined();
  });
});

describe('creditTotals', () => {
  it('keeps only the three totals of a snapshot', () => {
    expect(Object.keys(creditTotals(held(750, 1, 2))).sort()).toEqual(['captured', 'refunded', 'reserved']);
  });
});
