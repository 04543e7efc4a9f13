import { CREDIT_DECIMAL_PLACES, Credits, Decimal, parseCredits, ZERO_CREDITS } from './credit-amount.js';

/**
 * Every rule that turns a request into money lives here, as pure functions on Credits: the price of a
 * generation, the share of a partly delivered chain that is charged, and the quote. The catalog only
 * carries the numbers (`price: { credits, per }`); nothing else multiplies credits.
 */

/** A catalog entry's price: `generation` is flat per provider run, `second` is a rate per requested second. */
export interface PriceRule {
  /** Decimal string ("750", "12.5") or a plain number; never a computed float. */
  credits: string | number;
  per: 'generation' | 'second';
}

export interface PricedModel {
  /** Catalog name, for the error message. */
  name?: string;
  price: PriceRule;
}

/** What is being priced: the seconds the caller asked for, and how many generations a flat price is paid for. */
export interface PricedRequest {
  seconds: number;
  /**
   * Generations billed at a flat price: 1 for a generation (however many provider runs it takes), one per
   * segment for a chain. A per-second price ignores it.
   */
  segments?: number;
}

export class InvalidPriceError extends Error {
  override readonly name = 'InvalidPriceError';
}

/** A per-second rate may be finer than a credit (0.05 credits/s); the price it gives is rounded once. */
export const RATE_DECIMAL_PLACES = 4;
const DECIMAL_STRING = /^\d+(\.\d+)?$/;

/**
 * Why a catalog price is unusable, or undefined when it is fine. A flat price is an amount (one decimal
 * place at most); a per-second rate may have up to four. Used by the catalog check at start-up, so a bad
 * override is a configuration error, never a 500 at request time.
 */
export function priceRuleProblem(price: Partial<PriceRule> | undefined): string | undefined {
  if (!price || (price.per !== 'generation' && price.per !== 'second')) {
    return 'price.per must be "generation" or "second"';
  }
  const credits = typeof price.credits === 'number' ? decimalString(price.credits) : price.credits;
  if (typeof credits !== 'string' || !DECIMAL_STRING.test(credits)) {
    return 'price.credits must be a non-negative decimal such as "750"';
  }
  const places = price.per === 'second' ? RATE_DECIMAL_PLACES : CREDIT_DECIMAL_PLACES;
  if (new Decimal(credits).decimalPlaces() > places) {
    return `price.credits must have at most ${places} decimal place(s) for a price per ${price.per}`;
  }
  return undefined;
}

/**
 * The price of a request: a flat price times the generations billed (a chain of three 8 s segments pays
 * three times veo3's 750), or a rate times the requested seconds (not the native seconds made and trimmed),
 * rounded half up to one decimal place. Throws InvalidPriceError (a configuration error) for a malformed
 * price, before anyone is charged.
 */
export function priceOf(model: PricedModel, request: PricedRequest): Credits {
  const problem = priceRuleProblem(model.price);
  if (problem) throw new InvalidPriceError(`model ${model.name ?? '(unnamed)'}: ${problem}`);
  const rate = new Decimal(String(model.price.credits));
  const units =
    model.price.per === 'second'
      ? new Decimal(decimalString(request.seconds))
      : new Decimal(request.segments ?? 1);
  const price = rate.mul(units).toDecimalPlaces(CREDIT_DECIMAL_PLACES, Decimal.ROUND_HALF_UP);
  try {
    return parseCredits(price, { allowZero: true, field: `price of model ${model.name ?? '(unnamed)'}` });
  } catch (error) {
    throw new InvalidPriceError((error as Error).message, { cause: error });
  }
}

/**
 * What a chain that failed part way is charged: its reservation shared equally among its segments, for the
 * `delivered` first ones, rounded down to one decimal place (the user is never charged for more than was
 * made; the rest of the reservation is refunded).
 */
export function partialCapture(reserved: Credits, delivered: number, total: number): Credits {
  if (!Number.isInteger(delivered) || !Number.isInteger(total) || total <= 0 || delivered < 0) {
    throw new RangeError(`partialCapture: ${delivered} of ${total} segments is not a share`);
  }
  if (delivered >= total) return reserved;
  return reserved.mul(delivered).div(total).toDecimalPlaces(CREDIT_DECIMAL_PLACES, Decimal.ROUND_DOWN);
}

export interface Quote {
  price: Credits;
  balance: Credits;
  /** True when the balance covers the price: creating the same request now would be accepted. */
  sufficient: boolean;
  /** Credits missing to afford it; zero when sufficient. */
  shortfall: Credits;
}

/** The quote for a price against a balance. Pure: the caller reads the balance. */
export function quoteFor(price: Credits, balance: Credits): Quote {
  const sufficient = balance.gte(price);
  return { price, balance, sufficient, shortfall: sufficient ? ZERO_CREDITS : price.minus(balance) };
}

/** The shortest decimal string of a finite non-negative number (8 -> "8", 5.5 -> "5.5"). */
function decimalString(value: number): string {
  if (!Number.isFinite(value) || value < 0) return String(value);
  return new Decimal(value).toString();
}
