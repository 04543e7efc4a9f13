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
  userId: string;
  /** The Generation row must already exist (same transaction is fine) and belong to `userId`. */
  generationId: string;
  amount: CreditAmountInput;
  reason: string;
}

export interface ReserveResult {
  /** false when the generation already had a reservation: nothing was taken a second time. */
  applied: boolean;
  /** Credits reserved for the generation. */
  amount: Credits;
  balance: Credits;
  entry: CreditLedgerEntry | null;
}

export interface CaptureResult {
  /** false when there was nothing left to capture (already captured, fully refunded or never reserved). */
  applied: boolean;
  captured: Credits;
  balance: Credits;
  entry: CreditLedgerEntry | null;
  /** When less than the reservation was captured, the rest is refunded in the same transaction. */
  remainderRefund: CreditLedgerEntry | null;
}

export interface RefundResult {
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
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface GenerationCredits {
  userId: string;
  creditsReserved: Credits;
  creditsCaptured: Credits;
  creditsRefunded: Credits;
}

type NewEntry = Omit<CreditLedgerEntry, 'id' | 'createdAt'>;

/**
 * The credits ledger. Every balance change writes one ledger entry in the same transaction, so an account's
 * balance always equals the sum of its entries' amounts.
 *
 * Concurrency: reservations take credits with one conditional UPDATE (`balance >= amount`), so concurrent
 * requests cannot overdraw (the CHECK balance >= 0 in the schema is the last line of defence). Capture and
 * refund lock the Generation row first (SELECT ... FOR UPDATE), which serialises everything done to one
 * generation across processes, and write their entry with INSERT ... ON CONFLICT DO NOTHING on the unique
 * (generationId, type): a second capture or refund is a no-op and never aborts the surrounding transaction.
 * Locks are always taken in the order Generation, then CreditAccount, so these operations cannot deadlock
 * each other, as long as a transaction settles one generation (a sweeper refunds each generation in a
 * transaction of its own). All statements assume READ COMMITTED, Prisma's default on PostgreSQL.
 *
 * The Generation row's creditsReserved / creditsCaptured / creditsRefunded are kept in step with the ledger
 * in the same transaction; they are what capture and refund consult.
 *
 * Operations that take `tx` run inside the caller's interactive transaction (and must use it for everything
 * else too: on PGlite a query outside the open transaction waits for it to finish). Without `tx` they open
 * their own.
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
   * creates the Generation row and enqueues its job). Creates the account on first use with INITIAL_CREDITS.
   * Throws InsufficientCreditsError "Insufficient credits. Required: 750, Available: 100.0" without writing
   * anything but, for a new user, the account itself; the caller lets its transaction roll back.
   * Reserving an already reserved generation is a no-op (`applied: false`).
   */
  async reserve(tx: Tx, input: ReserveInput): Promise<ReserveResult> {
    const amount = parseCredits(input.amount);
    const reason = checkReason(input.reason);
    const generation = await this.lockGeneration(tx, input.generationId);
    if (generation.userId !== input.userId) throw generationNotFound(input.generationId);
    if (!generation.creditsReserved.isZero()) {
      const balance = (await this.readBalance(tx, input.userId)) ?? ZERO_CREDITS;
      return { applied: false, amount: generation.creditsReserved, balance, entry: null };
    }

    const { balance, entry } = await this.debit(tx, input.userId, input.generationId, amount, reason);
    // Counted when written: a caller's transaction that then rolls back (a failed enqueue) over-counts by one.
    this.metrics.creditsMoved('reserved', amount);
    return { applied: true, amount, balance, entry };
  }

  /** `reserve` in a transaction of its own, for callers that have nothing else to write with it. */
  reserveInNewTransaction(input: ReserveInput): Promise<ReserveResult> {
    return this.prisma.$transaction((tx) => this.reserve(tx, input));
  }

  /**
   * Marks a generation's reserved credits as spent, when it succeeded. `amount` defaults to everything still
   * reserved (reserved minus refunded); a smaller amount refunds the rest in the same transaction (a long
   * video delivered in part). Idempotent: once captured, later calls are no-ops, as is capturing a
   * generation that was fully refunded (for example by the deadline sweeper) or never reserved.
   */
  async capture(generationId: string, amount?: CreditAmountInput, tx?: Tx): Promise<CaptureResult> {
    const requested = amount === undefined ? undefined : parseCredits(amount);
    return this.within(tx, async (t) => {
      const generation = await this.lockGeneration(t, generationId);
      const outstanding = generation.creditsReserved
        .minus(generation.creditsCaptured)
        .minus(generation.creditsRefunded);
      if (!generation.creditsCaptured.isZero() || outstanding.lte(0)) {
        const balance = (await this.readBalance(t, generation.userId)) ?? ZERO_CREDITS;
        return { applied: false, captured: ZERO_CREDITS, balance, entry: null, remainderRefund: null };
      }
      const captured = requested ?? outstanding;
      if (captured.gt(outstanding)) {
        throw new ConflictError(
          `Cannot capture ${captured.toString()} credits for generation ${generationId}: ${formatCredits(outstanding)} are reserved`,
        );
      }
      const remainder = outstanding.minus(captured);
      if (remainder.gt(0) && !generation.creditsRefunded.isZero()) {
        throw new ConflictError(
          `Generation ${generationId} was already refunded once; capture the ${formatCredits(outstanding)} credits still reserved`,
        );
      }

      let balance = await this.lockAccount(t, generation.userId);
      const entry = await this.appendEntry(t, {
        userId: generation.userId,
        type: CreditEntryType.CAPTURE,
        amount: ZERO_CREDITS,
        balanceAfter: balance,
        reason: `Generation succeeded: ${formatCredits(captured)} credits spent`,
        generationId,
      });
      if (!entry) {
        return { applied: false, captured: ZERO_CREDITS, balance, entry: null, remainderRefund: null };
      }
      let remainderRefund: CreditLedgerEntry | null = null;
      if (remainder.gt(0)) {
        balance = await this.credit(t, generation.userId, remainder);
        remainderRefund = await this.appendEntry(t, {
          userId: generation.userId,
          type: CreditEntryType.REFUND,
          amount: remainder,
          balanceAfter: balance,
          reason: 'Unused part of the reservation returned',
          generationId,
        });
        if (!remainderRefund) throw new ConflictError(`Generation ${generationId} was already refunded`);
      }
      await t.$executeRaw`
        UPDATE "Generation"
           SET "creditsCaptured" = ${formatCredits(captured)}::numeric,
               "creditsRefunded" = "creditsRefunded" + ${formatCredits(remainder)}::numeric,
               "updatedAt" = ${new Date()}
         WHERE id = ${generationId}::uuid`;
      this.metrics.creditsMoved('captured', captured);
      if (remainderRefund) this.metrics.creditsMoved('refunded', remainder);
      return { applied: true, captured, balance, entry, remainderRefund };
    });
  }

  /**
   * Returns credits for a generation that failed, was cancelled or timed out; `amount` may be less than the
   * reservation (the undelivered part of a long video). Exactly once: a generation has at most one refund,
   * so a second call (a retry, another worker, the sweeper) is a no-op, as is refunding a generation that
   * was already captured. The balance and the ledger entry change together.
   * A refund is never lost to its arguments: an amount with more than one decimal place is rounded (half up),
   * one above what is still reserved is reduced to it (and logged), and the reason is trimmed to 500
   * characters (an empty one becomes "Refund"). Only a negative or non-numeric amount is refused.
   */
  async refund(
    generationId: string,
    amount: CreditAmountInput,
    reason: string,
    tx?: Tx,
  ): Promise<RefundResult> {
    const requested = parseCredits(amount, { allowZero: true, round: true });
    const why = refundReason(reason);
    return this.within(tx, async (t) => {
      const generation = await this.lockGeneration(t, generationId);
      const outstanding = generation.creditsReserved
        .minus(generation.creditsCaptured)
        .minus(generation.creditsRefunded);
      if (
        requested.isZero() ||
        !generation.creditsRefunded.isZero() ||
        !generation.creditsCaptured.isZero() ||
        outstanding.lte(0)
      ) {
        const balance = (await this.readBalance(t, generation.userId)) ?? ZERO_CREDITS;
        return { applied: false, refunded: ZERO_CREDITS, balance, entry: null };
      }
      let refunded = requested;
      if (requested.gt(outstanding)) {
        this.logger.warn(
          `Refund of ${requested.toString()} for generation ${generationId} exceeds the ${formatCredits(outstanding)} reserved; refunding ${formatCredits(outstanding)}`,
        );
        refunded = outstanding;
      }

      const before = await this.lockAccount(t, generation.userId);
      const entry = await this.appendEntry(t, {
        userId: generation.userId,
        type: CreditEntryType.REFUND,
        amount: refunded,
        balanceAfter: before.plus(refunded),
        reason: why,
        generationId,
      });
      if (!entry) return { applied: false, refunded: ZERO_CREDITS, balance: before, entry: null };
      const balance = await this.credit(t, generation.userId, refunded);
      await t.$executeRaw`
        UPDATE "Generation" SET "creditsRefunded" = ${formatCredits(refunded)}::numeric, "updatedAt" = ${new Date()}
         WHERE id = ${generationId}::uuid`;
      this.metrics.creditsMoved('refunded', refunded);
      return { applied: true, refunded, balance, entry };
    });
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

  private async lockGeneration(tx: Tx, generationId: string): Promise<GenerationCredits> {
    if (!UUID.test(generationId)) throw generationNotFound(generationId);
    const [row] = await tx.$queryRaw<GenerationCredits[]>`
      SELECT "userId", "creditsReserved", "creditsCaptured", "creditsRefunded"
        FROM "Generation" WHERE id = ${generationId}::uuid FOR UPDATE`;
    if (!row) throw generationNotFound(generationId);
    return row;
  }

  /**
   * The one conditional UPDATE that takes the credits, with its ledger entry and the Generation's
   * creditsReserved written by the same statement: the account row stays locked only from this statement
   * to the commit, which is what bounds throughput on a hot account. Opens the account on first use.
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
        ), marked AS (
          UPDATE "Generation" SET "creditsReserved" = ${credits}::numeric, "updatedAt" = ${now}
           WHERE id = ${generationId}::uuid AND EXISTS (SELECT 1 FROM entry)
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
