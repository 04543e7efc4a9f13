import { InvalidRequestError } from '../common/domain-errors.js';
import { Prisma } from '../generated/prisma/client.js';

/**
 * The one Decimal type for money: the class the database driver already returns for Decimal columns, so
 * amounts read from a row and amounts computed here are the same kind of value. Import it from here, not
 * from the ORM or decimal.js.
 */
export const Decimal = Prisma.Decimal;
export type Decimal = Prisma.Decimal;

/** Credits are decimals with one decimal place (Decimal(14,1) in the database); never JS floats. */
export type Credits = Decimal;
export type CreditAmountInput = Decimal | string | number;

export const CREDIT_DECIMAL_PLACES = 1;
/** The largest value a Decimal(14,1) column holds. */
export const MAX_CREDITS = new Decimal('9999999999999.9');

export const ZERO_CREDITS = new Decimal(0);

export interface ParseCreditsOptions {
  /** Name used in the error message. */
  field?: string;
  /** Prices may be zero (a free model); ledger movements may not. */
  allowZero?: boolean;
  /** Round to one decimal place (half up) instead of rejecting more precision: refunds computed by division. */
  round?: boolean;
}

/**
 * Turns a number, a decimal string or a Decimal into Credits, rejecting anything that is not a finite,
 * positive (or, for prices, non-negative) amount with at most one decimal place. Numbers are read through
 * their shortest decimal representation (0.1 is 0.1), so callers may pass plain integers like 750.
 */
export function parseCredits(value: CreditAmountInput, options: ParseCreditsOptions = {}): Credits {
  const field = options.field ?? 'amount';
  const requirement = options.allowZero ? 'a non-negative' : 'a positive';
  const invalid = () =>
    new InvalidRequestError(
      `${field} must be ${requirement} number of credits with at most one decimal place`,
    );
  let amount: Credits;
  try {
    if (typeof value === 'string' && !/^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(value)) throw invalid();
    if (typeof value === 'number' && !Number.isFinite(value)) throw invalid();
    amount = new Decimal(typeof value === 'string' ? value.trim() : value);
  } catch {
    throw invalid();
  }
  if (!amount.isFinite() || amount.isNeg() || (amount.isZero() && !options.allowZero)) throw invalid();
  if (options.round) amount = amount.toDecimalPlaces(CREDIT_DECIMAL_PLACES, Decimal.ROUND_HALF_UP);
  if (amount.decimalPlaces() > CREDIT_DECIMAL_PLACES) throw invalid();
  if (amount.gt(MAX_CREDITS))
    throw new InvalidRequestError(`${field} must not exceed ${MAX_CREDITS.toFixed(1)}`);
  return amount;
}

/** "150.0": balances are always shown with one decimal place. */
export function formatCredits(amount: Credits): string {
  return amount.toFixed(CREDIT_DECIMAL_PLACES);
}

/**
 * The JSON number for an amount: the one place money leaves Decimal. Values of a Decimal(14,1) column have at
 * most 14 significant digits, so the double nearest to each prints back exactly (JSON cannot keep a trailing
 * ".0": 150.0 is sent as 150). A catalog rate given as a decimal string ("93.75" per second) keeps its places.
 */
export function creditsToJson(amount: Credits | string): number {
  const value = typeof amount === 'string' ? new Decimal(amount) : amount;
  return Number(value.toFixed(Math.max(CREDIT_DECIMAL_PLACES, value.decimalPlaces())));
}

/** The seed's exact wording: "Insufficient credits. Required: 750, Available: 100.0". */
export function insufficientCreditsMessage(required: Credits, available: Credits): string {
  return `Insufficient credits. Required: ${required.toString()}, Available: ${formatCredits(available)}`;
}
