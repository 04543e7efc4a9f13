import { ConflictError } from '../common/domain-errors.js';
import { Credits, formatCredits, ZERO_CREDITS } from './credit-amount.js';

/** What a generation holds of its user's credits: the three totals the generation keeps with its row. */
export interface CreditTotals {
  reserved: Credits;
  captured: Credits;
  refunded: Credits;
}

/**
 * A generation's credit totals as read under its row lock, with whom they belong to. The ledger decides from
 * this snapshot, so the caller must hold the lock until it has recorded the new totals (same transaction).
 */
export interface HeldCredits extends CreditTotals {
  generationId: string;
  userId: string;
}

/** Credits still reserved for the generation: neither spent nor returned. */
export function outstandingCredits(held: CreditTotals): Credits {
  return held.reserved.minus(held.captured).minus(held.refunded);
}

/** The totals after reserving `amount`; undefined when the generation already holds a reservation (no-op). */
export function reservedTotals(held: CreditTotals, amount: Credits): CreditTotals | undefined {
  if (!held.reserved.isZero()) return undefined;
  return { reserved: amount, captured: ZERO_CREDITS, refunded: ZERO_CREDITS };
}

export interface CapturePlan {
  captured: Credits;
  /** The part of the reservation not captured, refunded with the capture. */
  remainder: Credits;
  totals: CreditTotals;
}

/**
 * What a capture of `requested` (default: everything outstanding) moves. Undefined when there is nothing to
 * capture: already captured, fully refunded or never reserved. A generation has one refund, so capturing
 * less than is outstanding after a refund (which would need a second one for the rest) is refused, as is
 * capturing more than is outstanding.
 */
export function capturePlan(held: HeldCredits, requested?: Credits): CapturePlan | undefined {
  const outstanding = outstandingCredits(held);
  if (!held.captured.isZero() || outstanding.lte(0)) return undefined;
  const captured = requested ?? outstanding;
  if (captured.gt(outstanding)) {
    throw new ConflictError(
      `Cannot capture ${captured.toString()} credits for generation ${held.generationId}: ${formatCredits(outstanding)} are reserved`,
    );
  }
  const remainder = outstanding.minus(captured);
  if (remainder.gt(0) && !held.refunded.isZero()) {
    throw new ConflictError(
      `Generation ${held.generationId} was already refunded once; capture the ${formatCredits(outstanding)} credits still reserved`,
    );
  }
  return {
    captured,
    remainder,
    totals: { reserved: held.reserved, captured, refunded: held.refunded.plus(remainder) },
  };
}

export interface RefundPlan {
  refunded: Credits;
  /** True when `requested` was above what is outstanding and was reduced to it. */
  capped: boolean;
  totals: CreditTotals;
}

/**
 * What a refund of `requested` moves. Undefined (no-op) for a zero amount, a generation already refunded or
 * captured, or one with nothing outstanding; an amount above what is outstanding is reduced to it.
 */
export function refundPlan(held: CreditTotals, requested: Credits): RefundPlan | undefined {
  const outstanding = outstandingCredits(held);
  if (requested.isZero() || !held.refunded.isZero() || !held.captured.isZero() || outstanding.lte(0)) {
    return undefined;
  }
  const capped = requested.gt(outstanding);
  const refunded = capped ? outstanding : requested;
  return { refunded, capped, totals: { ...creditTotals(held), refunded } };
}

/** Just the three totals of a snapshot: what an operation that moved nothing answers with. */
export function creditTotals(held: CreditTotals): CreditTotals {
  return { reserved: held.reserved, captured: held.captured, refunded: held.refunded };
}
