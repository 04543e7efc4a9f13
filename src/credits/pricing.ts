import { Credits, parseCredits } from './credit-amount.js';

/**
 * The part of a model catalog entry that pricing needs. The catalog carries the price (and its overrides,
 * MODEL_CATALOG_FILE / MODEL_CATALOG_JSON); this module only turns it into credits.
 */
export interface PricedModel {
  /** Catalog name, for the error message. */
  id?: string;
  /** Credits for this generation, e.g. 750, "750" or a per-second price already multiplied out. */
  priceCredits: string | number;
}

export class InvalidPriceError extends Error {
  override readonly name = 'InvalidPriceError';
}

/**
 * The price of one generation as Credits. Zero means free (no reservation needed). A malformed price
 * (negative, not a number, more than one decimal place) is a configuration error (InvalidPriceError, a 500),
 * never the caller's fault, and is caught here before anyone is charged.
 */
export function priceFor(entry: PricedModel): Credits {
  const field = `price of model ${entry.id ?? '(unnamed)'}`;
  try {
    return parseCredits(entry.priceCredits, { allowZero: true, field });
  } catch (error) {
    throw new InvalidPriceError((error as Error).message, { cause: error });
  }
}
