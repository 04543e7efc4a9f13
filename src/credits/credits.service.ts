import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ConflictError,
  InsufficientCreditsError,
  InvalidRequestError,
  NotFoundError,
} from '../common/domain-errors.js';
import { AppConfig } from '../config/app-config.js';
import { PrismaService } from '../database/prisma.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { CreditEntryType, Prisma } from '../generated/prisma/client.js';
import {
  CreditAmountInput,
  Credits,
  formatCredits,
  insufficientCreditsMessage,
  parseCredits,
  ZERO_CREDITS,
} from './credit-amount.js';
import {
  type CreditTotals,
  capturePlan,
  creditTotals,
  type HeldCredits,
  refundPlan,
  reservedTotals,
} from './settlement-amounts.js';
import { decodeLedgerCursor, encodeLedgerCursor } from './ledger-cursor.js';
import { newLedgerEntryId } from './ledger-id.js';

/** A Prisma interactive transaction (the `tx` of `prisma.$transaction(async (tx) => ...)`). */
export type Tx = Prisma.TransactionClient;

export interface CreditLedgerEntry {
  id: string;
  userId: string;
  type: CreditEntryType;
  /** Signed change to the balance: GRANT and REFUND > 0, RESERVE < 0, CAPTURE 0 (the reserve already took it). */
  amount: Credits;
  balanceAfter: Credits;
  reason: string;
  generationId: string | null;
  createdAt: Date;
}

export interface ReserveInput {
  /** Who pays: the generation must belong to them. */
  userId: string;
  amount: CreditAmountInput;
  reason: string;
}

/** Every ledger operation on a generation answers with its totals after it; the caller records them. */
interface SettledTotals {
  totals: CreditTotals;
}

export interface ReserveResult extends SettledTotals {
  /** false when the generation already had a reservation: nothing was taken a second time. */
  applied: boolean;
  /** Credits reserved for the generation. */
  amount: Credits;
  balance: Credits;
  entry: CreditLedgerEntry | null;
}

export interface CaptureResult extends SettledTotals {
  /** false when there was nothing left to capture (already captured, fully refunded or never reserved). */
  applied: boolean;
  captured: Credits;
  balance: Credits;
  entry: CreditLedgerEntry | null;
  /** When less than the reservation was captured, the rest is refunded in the same transaction. */
  remainderRefund: CreditLedgerEntry | null;
}

export interface RefundResult extends SettledTotals {
  /** false when the generation was already refunded or captured, or had nothing reserved. */
  applied: boolean;
  refunded: Credits;
  balance: Credits;
  entry: CreditLedgerEntry | null;
}

export interface GrantResult {
  balance: Credits;
  entry: CreditLedgerEntry;
}

export interface LedgerQuery {
  /** `nextCursor` of the previous page; omitted for the newest entries. */
  cursor?: string;
  limit?: number;
}

export interface LedgerPage {
  entries: CreditLedgerEntry[];
  nextCursor: string | null;
}

export const LEDGER_DEFAULT_LIMIT = 20;
export const LEDGER_MAX_LIMIT = 100;
const MAX_REASON_LENGTH = 500;

type NewEntry = Omit<CreditLedgerEntry, 'id' | 'createdAt'>;

/**
 * The credits ledger. Every balance change writes one ledger entry in the same transaction, so an account's
 * balance always equals the sum of its entries' amounts.
 *
 * It owns the CreditAccount and CreditEntry tables only. A generation's credit totals (reserved, captured,
 * refunded) live with the generation, whose side locks them, hands them here as `HeldCredits` and records
 * the `totals` each operation answers with, all in one transaction. What an operation moves is decided by
 * the pure rules of settlement-amounts.ts.
 *
 * Concurrency: reservations take credits with one conditional UPDATE (`balance >= amount`), so concurrent
 * requests cannot overdraw (the CHECK balance >= 0 in the schema is the last line of defence). The caller's
 * lock on the Generation row (SELECT ... FOR UPDATE, taken before calling here) serialises everything done
 * to one generation across processes, and capture and refund write their entry with INSERT ... ON CONFLICT
 * DO NOTHING on the unique (generationId, type): a second capture or refund is a no-op and never aborts the
 * surrounding transaction. Locks are thus always taken in the order Generation, then CreditAccount, so these
 * operations cannot deadlock each other, as long as a transaction settles one generation (a sweeper refunds
 * each generation in a transaction of its own). All statements assume READ COMMITTED, Prisma's default on
 * PostgreSQL.
 *
 * Operations on a generation run inside the caller's interactive transaction (and must use it for everything
 * else too: on PGlite a query outside the open transaction waits for it to finish). Those that take an
 * optional `tx` open their own without it.
 */
@Injectable()
export class CreditsService {
  private readonly logger = new Logger(CreditsService.name);
  private readonly initialCredits: Credits;

  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(AppConfig) config: AppConfig,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {
    this.initialCredits = parseCredits(config.credits.initialCredits, {
      allowZero: true,
      field: 'INITIAL_CREDITS',
    });
  }

  /**
   * Takes `amount` credits from the user for a generation, inside the caller's transaction (the one that
   * creates the Generation row and enqueues its job), given the generation's totals read under its row lock.
   * Creates the account on first use with INITIAL_CREDITS.
   * Throws InsufficientCreditsError "Insufficient credits. Required: 750, Available: 100.0" without writing
   * anything but, for a new user, the account itself; the caller lets its transaction roll back.
   * Reserving an already reserved generation is a no-op (`applied: false`). The caller records `totals`.
   */
  async reserve(tx: Tx, held: HeldCredits, input: ReserveInput): Promise<ReserveResult> {
    const amount = parseCredits(input.amount);
    const reason = checkReason(input.reason);
    if (held.userId !== input.userId) throw generationNotFound(held.generationId);
    const totals = reservedTotals(held, amount);
    if (!totals) {
      const balance = (await this.readBalance(tx, input.userId)) ?? ZERO_CREDITS;
      return { applied: false, amount: held.reserved, balance, entry: null, totals: creditTotals(held) };
    }

    const { balance, entry } = await this.debit(tx, input.userId, held.generationId, amount, reason);
    // Counted when written: a caller's transaction that then rolls back (a failed enqueue) over-counts by one.
    this.metrics.creditsMoved('reserved', amount);
    return { applied: true, amount, balance, entry, totals };
  }

  /**
   * Marks a generation's reserved credits as spent, when it succeeded. `amount` defaults to everything still
   * reserved (reserved minus refunded); a smaller amount refunds the rest in the same transaction (a long
   * video delivered in part). Idempotent: once captured, later calls are no-ops, as is capturing a
   * generation that was fully refunded (for example by the deadline sweeper) or never reserved.
   * `held` is the generation's totals read under its row lock in `tx`; the caller records `totals`.
   */
  async capture(tx: Tx, held: HeldCredits, amount?: CreditAmountInput): Promise<CaptureResult> {
    const requested = amount === undefined ? undefined : parseCredits(amount);
    const { generationId, userId } = held;
    const plan = capturePlan(held, requested);
    if (!plan) {
      const balance = (await this.readBalance(tx, userId)) ?? ZERO_CREDITS;
      return this.noCapture(held, balance);
    }
    const { captured, remainder } = plan;

    let balance = await this.lockAccount(tx, userId);
    const entry = await this.appendEntry(tx, {
      userId,
      type: CreditEntryType.CAPTURE,
      amount: ZERO_CREDITS,
      balanceAfter: balance,
      reason: `Generation succeeded: ${formatCredits(captured)} credits spent`,
      generationId,
    });
    if (!entry) return this.noCapture(held, balance);
    let remainderRefund: CreditLedgerEntry | null = null;
    if (remainder.gt(0)) {
      balance = await this.credit(tx, userId, remainder);
      remainderRefund = await this.appendEntry(tx, {
        userId,
        type: CreditEntryType.REFUND,
        amount: remainder,
        balanceAfter: balance,
        reason: 'Unused part of the reservation returned',
        generationId,
      });
      if (!remainderRefund) throw new ConflictError(`Generation ${generationId} was already refunded`);
    }
    this.metrics.creditsMoved('captured', captured);
    if (remainderRefund) this.metrics.creditsMoved('refunded', remainder);
    return { applied: true, captured, balance, entry, remainderRefund, totals: plan.totals };
  }

  /**
   * Returns credits for a generation that failed, was cancelled or timed out; `amount` may be less than the
   * reservation (the undelivered part of a long video). Exactly once: a generation has at most one refund,
   * so a second call (a retry, another worker, the sweeper) is a no-op, as is refunding a generation that
   * was already captured. The balance and the ledger entry change together.
   * A refund is never lost to its arguments: an amount with more than one decimal place is rounded (half up),
   * one above what is still reserved is reduced to it (and logged), and the reason is trimmed to 500
   * characters (an empty one becomes "Refund"). Only a negative or non-numeric amount is refused.
   * `held` is the generation's totals read under its row lock in `tx`; the caller records `totals`.
   */
  async refund(tx: Tx, held: HeldCredits, amount: CreditAmountInput, reason: string): Promise<RefundResult> {
    const requested = parseCredits(amount, { allowZero: true, round: true });
    const why = refundReason(reason);
    const { generationId, userId } = held;
    const plan = refundPlan(held, requested);
    if (!plan) {
      const balance = (await this.readBalance(tx, userId)) ?? ZERO_CREDITS;
      return { applied: false, refunded: ZERO_CREDITS, balance, entry: null, totals: creditTotals(held) };
    }
    const { refunded } = plan;
    if (plan.capped) {
      this.logger.warn(
        `Refund of ${requested.toString()} for generation ${generationId} exceeds the ${formatCredits(refunded)} reserved; refunding ${formatCredits(refunded)}`,
      );
    }

    const before = await this.lockAccount(tx, userId);
    const entry = await this.appendEntry(tx, {
      userId,
      type: CreditEntryType.REFUND,
      amount: refunded,
      balanceAfter: before.plus(refunded),
      reason: why,
      generationId,
    });
    if (!entry) {
      return {
        applied: false,
        refunded: ZERO_CREDITS,
        balance: before,
        entry: null,
        totals: creditTotals(held),
      };
    }
    const balance = await this.credit(tx, userId, refunded);
    this.metrics.creditsMoved('refunded', refunded);
    return { applied: true, refunded, balance, entry, totals: plan.totals };
  }

  /** Adds credits to a user's account (admin top-up), creating the account on first use. */
  async grant(userId: string, amount: CreditAmountInput, reason: string, tx?: Tx): Promise<GrantResult> {
    const credits = parseCredits(amount);
    const why = checkReason(reason);
    checkUserId(userId);
    return this.within(tx, async (t) => {
      await this.openAccount(t, userId);
      const balance = await this.credit(t, userId, credits);
      const entry = await this.appendEntry(t, {
        userId,
        type: CreditEntryType.GRANT,
        amount: credits,
        balanceAfter: balance,
        reason: why,
        generationId: null,
      });
      // Grants have no generation, so the unique key never applies to them.
      if (!entry) throw new Error('grant entry was not written');
      return { balance, entry };
    });
  }

  /** The user's balance; a first call opens the account with INITIAL_CREDITS. */
  async balance(userId: string): Promise<Credits> {
    checkUserId(userId);
    const existing = await this.readBalance(this.prisma, userId);
    if (existing) return existing;
    return this.prisma.$transaction(async (tx) => {
      await this.openAccount(tx, userId);
      return (await this.readBalance(tx, userId)) ?? ZERO_CREDITS;
    });
  }

  /**
   * The balance a request would be charged against, without writing anything: a user with no account yet
   * would start with INITIAL_CREDITS. For quotes, which must leave no record.
   */
  async availableBalance(userId: string): Promise<Credits> {
    checkUserId(userId);
    return (await this.readBalance(this.prisma, userId)) ?? this.initialCredits;
  }

  /** The user's ledger, newest first, `limit` entries per page (1-100, default 20). */
  async ledger(userId: string, query: LedgerQuery = {}): Promise<LedgerPage> {
    const limit = query.limit ?? LEDGER_DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > LEDGER_MAX_LIMIT) {
      throw new InvalidRequestError(`limit must be an integer from 1 to ${LEDGER_MAX_LIMIT}`);
    }
    const after = query.cursor ? decodeLedgerCursor(query.cursor) : undefined;
    await this.balance(userId); // opens the account, so a new user sees the initial grant
    const rows = await this.prisma.creditEntry.findMany({
      where: {
        userId,
        ...(after && {
          OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
        }),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
    const entries = rows.slice(0, limit);
    const last = entries.at(-1);
    return {
      entries,
      nextCursor: rows.length > limit && last ? encodeLedgerCursor(last) : null,
    };
  }

  private within<T>(tx: Tx | undefined, work: (tx: Tx) => Promise<T>): Promise<T> {
    return tx ? work(tx) : this.prisma.$transaction(work);
  }

  private noCapture(held: HeldCredits, balance: Credits): CaptureResult {
    return {
      applied: false,
      captured: ZERO_CREDITS,
      balance,
      entry: null,
      remainderRefund: null,
      totals: creditTotals(held),
    };
  }

  /**
   * The one conditional UPDATE that takes the credits, with its ledger entry written by the same statement:
   * the account row stays locked only from this statement to the commit, which is what bounds throughput on
   * a hot account. Opens the account on first use.
   */
  private async debit(
    tx: Tx,
    userId: string,
    generationId: string,
    amount: Credits,
    reason: string,
  ): Promise<{ balance: Credits; entry: CreditLedgerEntry }> {
    const take = async () => {
      const now = new Date();
      const credits = formatCredits(amount);
      const [row] = await tx.$queryRaw<(Partial<CreditLedgerEntry> & { debited: Credits | null })[]>`
        WITH debited AS (
          UPDATE "CreditAccount" SET balance = balance - ${credits}::numeric, "updatedAt" = ${now}
           WHERE "userId" = ${userId} AND balance >= ${credits}::numeric
          RETURNING balance
        ), entry AS (
          INSERT INTO "CreditEntry" (id, "userId", type, amount, "balanceAfter", reason, "generationId", "createdAt")
          SELECT ${newLedgerEntryId(now.getTime())}::uuid, ${userId}, 'RESERVE'::"CreditEntryType",
                 -(${credits}::numeric), balance, ${reason}, ${generationId}::uuid, ${now}
            FROM debited
          ON CONFLICT ("generationId", type) DO NOTHING
          RETURNING id::text AS id, "userId", type::text AS type, amount, "balanceAfter", reason,
                    "generationId"::text AS "generationId", "createdAt"
        )
        SELECT (SELECT balance FROM debited) AS debited, entry.* FROM (SELECT 1) AS one LEFT JOIN entry ON true`;
      return row;
    };
    let row = await take();
    if (row.debited === null) {
      // No account yet, or too little. Open it if missing; when a concurrent first request opened it
      // (our insert waited for that commit and did nothing) the next statement sees it just the same.
      await this.openAccount(tx, userId);
      row = await take();
    }
    if (row.debited === null) {
      // Read only to word the error: nothing is written on this path.
      const available = (await this.readBalance(tx, userId)) ?? ZERO_CREDITS;
      throw new InsufficientCreditsError(insufficientCreditsMessage(amount, available));
    }
    // The Generation row lock makes a missing entry unreachable unless the ledger was edited by hand;
    // throwing rolls back the debit rather than charging without a ledger entry.
    if (!row.id) throw new ConflictError(`Generation ${generationId} already has a reservation`);
    const { debited, ...entry } = row;
    return { balance: debited, entry: entry as CreditLedgerEntry };
  }

  private async credit(tx: Tx, userId: string, amount: Credits): Promise<Credits> {
    const [row] = await tx.$queryRaw<{ balance: Credits }[]>`
      UPDATE "CreditAccount"
         SET balance = balance + ${formatCredits(amount)}::numeric, "updatedAt" = ${new Date()}
       WHERE "userId" = ${userId}
      RETURNING balance`;
    if (!row) throw new Error(`credit account ${userId} does not exist`);
    return row.balance;
  }

  private async lockAccount(tx: Tx, userId: string): Promise<Credits> {
    const [row] = await tx.$queryRaw<{ balance: Credits }[]>`
      SELECT balance FROM "CreditAccount" WHERE "userId" = ${userId} FOR UPDATE`;
    if (!row) throw new Error(`credit account ${userId} does not exist`);
    return row.balance;
  }

  private async readBalance(db: Tx, userId: string): Promise<Credits | null> {
    const [row] = await db.$queryRaw<{ balance: Credits }[]>`
      SELECT balance FROM "CreditAccount" WHERE "userId" = ${userId}`;
    return row?.balance ?? null;
  }

  /**
   * Creates the account with INITIAL_CREDITS, recorded as a GRANT so the balance equals its ledger.
   * Returns false when it already existed. Concurrent first uses are safe: the loser's insert waits for
   * the winner's transaction and then does nothing.
   */
  private async openAccount(tx: Tx, userId: string): Promise<boolean> {
    const now = new Date();
    const created = await tx.$queryRaw<{ balance: Credits }[]>`
      INSERT INTO "CreditAccount" ("userId", balance, "createdAt", "updatedAt")
      VALUES (${userId}, ${formatCredits(this.initialCredits)}::numeric, ${now}, ${now})
      ON CONFLICT ("userId") DO NOTHING
      RETURNING balance`;
    if (created.length === 0) return false;
    if (this.initialCredits.gt(0)) {
      await this.appendEntry(tx, {
        userId,
        type: CreditEntryType.GRANT,
        amount: this.initialCredits,
        balanceAfter: this.initialCredits,
        reason: 'Initial credits',
        generationId: null,
      });
    }
    return true;
  }

  /** Appends a ledger entry; null when the generation already has an entry of this type. */
  private async appendEntry(tx: Tx, entry: NewEntry): Promise<CreditLedgerEntry | null> {
    const createdAt = new Date();
    const [row] = await tx.$queryRaw<CreditLedgerEntry[]>`
      INSERT INTO "CreditEntry" (id, "userId", type, amount, "balanceAfter", reason, "generationId", "createdAt")
      VALUES (${newLedgerEntryId(createdAt.getTime())}::uuid, ${entry.userId}, ${entry.type}::"CreditEntryType",
              ${formatCredits(entry.amount)}::numeric, ${formatCredits(entry.balanceAfter)}::numeric,
              ${entry.reason}, ${entry.generationId}::uuid, ${createdAt})
      ON CONFLICT ("generationId", type) DO NOTHING
      RETURNING id::text AS id, "userId", type::text AS type, amount, "balanceAfter", reason,
                "generationId"::text AS "generationId", "createdAt"`;
    return row ?? null;
  }
}

function generationNotFound(generationId: string): NotFoundError {
  return new NotFoundError(`Generation ${generationId} not found`);
}

function checkReason(reason: string): string {
  const trimmed = typeof reason === 'string' ? reason.trim() : '';
  if (!trimmed) throw new InvalidRequestError('reason should not be empty');
  if (trimmed.length > MAX_REASON_LENGTH) {
    throw new InvalidRequestError(`reason must be shorter than or equal to ${MAX_REASON_LENGTH} characters`);
  }
  return trimmed;
}

function refundReason(reason: string): string {
  const trimmed = typeof reason === 'string' ? reason.trim() : '';
  if (!trimmed) return 'Refund';
  return trimmed.length > MAX_REASON_LENGTH ? `${trimmed.slice(0, MAX_REASON_LENGTH - 1)}…` : trimmed;
}

function checkUserId(userId: string): void {
  if (typeof userId !== 'string' || !userId.trim() || userId.length > 255) {
    throw new InvalidRequestError('userId should not be empty');
  }
}
