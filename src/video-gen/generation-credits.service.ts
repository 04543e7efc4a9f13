import { Inject, Injectable } from '@nestjs/common';
import type { CreditAmountInput } from '../credits/credit-amount.js';
import {
  type CaptureResult,
  CreditsService,
  type RefundResult,
  type ReserveInput,
  type ReserveResult,
} from '../credits/credits.service.js';
import { GenerationsRepository, type Tx } from './generations.repository.js';

/**
 * A generation's money moves, each in the caller's transaction and always the same three steps: lock the
 * generation's credit totals (its row), let the ledger move the credits from that snapshot, record the
 * totals the ledger answers with. The generation side owns its row and the ledger its own tables; the lock
 * comes first, so the lock order stays Generation, then CreditAccount.
 */
@Injectable()
export class GenerationCredits {
  constructor(
    @Inject(GenerationsRepository) private readonly generations: GenerationsRepository,
    @Inject(CreditsService) private readonly ledger: CreditsService,
  ) {}

  /** Takes the generation's price from its user (the generation must already exist in `tx`). */
  async reserve(tx: Tx, generationId: string, input: ReserveInput): Promise<ReserveResult> {
    const held = await this.generations.lockCredits(tx, generationId);
    const result = await this.ledger.reserve(tx, held, input);
    if (result.applied) await this.generations.recordCredits(tx, generationId, result.totals);
    return result;
  }

  /** Spends the reservation (or `amount` of it, refunding the rest); a no-op once settled. */
  async capture(tx: Tx, generationId: string, amount?: CreditAmountInput): Promise<CaptureResult> {
    const held = await this.generations.lockCredits(tx, generationId);
    const result = await this.ledger.capture(tx, held, amount);
    if (result.applied) await this.generations.recordCredits(tx, generationId, result.totals);
    return result;
  }

  /** Returns up to `amount` of the reservation; a no-op once settled. */
  async refund(
    tx: Tx,
    generationId: string,
    amount: CreditAmountInput,
    reason: string,
  ): Promise<RefundResult> {
    const held = await this.generations.lockCredits(tx, generationId);
    const result = await this.ledger.refund(tx, held, amount, reason);
    if (result.applied) await this.generations.recordCredits(tx, generationId, result.totals);
    return result;
  }
}
