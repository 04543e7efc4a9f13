import { Credits, parseCredits } from './credit-amount.js';

/** The part of a model catalog entry that pricing needs; the catalog carries the price, not the code. */
export interface PricedModel {
  /** Catalog id, used to look up an override. */
  id?: string;
  /** Credits per generation, e.g. 750 or "750". */
  priceCredits: string | number;
}

export class InvalidPriceError extends Error {
  override readonly name = 'InvalidPriceError';
}

/**
 * The price of one generation with this model: the configured override for its id (`MODEL_PRICES`) when
 * there is one, otherwise the catalog's own price. Zero means free (no reservation needed). A malformed
 * price is a configuration error (InvalidPriceError, a 500), never the caller's fault, and is caught here
 * before anyone is charged.
 */
export function priceFor(entry: PricedModel, overrides: Readonly<Record<string, string>> = {}): Credits {
  const override =
    entry.id !== undefined && Object.hasOwn(overrides, entry.id) ? overrides[entry.id] : undefined;
  const field = `price of model ${entry.id ?? '(unnamed)'}`;
  try {
    return parseCredits(override ?? entry.priceCredits, { allowZero: true, field });
  } catch (error) {
    throw new InvalidPriceError((error as Error).message, { cause: error });
  }
}
