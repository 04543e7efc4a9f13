import type { PrismaClient } from '../../src/generated/prisma/client.js';

/** Anything that can run Prisma raw queries: the app's PrismaService, a PrismaClient or a transaction. */
export type LedgerReader = Pick<PrismaClient, '$queryRaw'>;

export interface LedgerSummary {
  accounts: number;
  entries: number;
  /** Sum of all balances, as a decimal string. */
  totalBalance: string;
}

/**
 * Checks the credits ledger's invariants across the whole database and throws one Error listing every
 * violation (usable from any spec or harness, inside or outside jest):
 * - each account's balance equals the sum of its entries' amounts, and is never negative;
 * - entry signs match their type (GRANT/REFUND > 0, RESERVE < 0, CAPTURE = 0) and no balanceAfter is negative;
 * - each generation's creditsReserved / creditsRefunded equal its RESERVE / REFUND entries, it has at most one
 *   entry of each type, captured + refunded never exceed reserved, a CAPTURE entry exists exactly when
 *   creditsCaptured > 0, and its entries belong to the generation's user.
 */
export async function assertLedgerInvariant(prisma: LedgerReader): Promise<LedgerSummary> {
  const problems: string[] = [];

  const accounts = await prisma.$queryRaw<{ userId: string; balance: string; ledger: string }[]>`
    SELECT a."userId", a.balance::text AS balance, COALESCE(SUM(e.amount), 0)::text AS ledger
      FROM "CreditAccount" a LEFT JOIN "CreditEntry" e ON e."userId" = a."userId"
     GROUP BY a."userId", a.balance
    HAVING a.balance <> COALESCE(SUM(e.amount), 0) OR a.balance < 0`;
  for (const a of accounts) {
    problems.push(`account ${a.userId}: balance ${a.balance} but its ledger sums to ${a.ledger}`);
  }

  const entries = await prisma.$queryRaw<
    { id: string; type: string; amount: string; balanceAfter: string }[]
  >`
    SELECT id::text, type::text, amount::text, "balanceAfter"::text AS "balanceAfter" FROM "CreditEntry"
     WHERE "balanceAfter" < 0
        OR (type IN ('GRANT', 'REFUND') AND amount <= 0)
        OR (type = 'RESERVE' AND amount >= 0)
        OR (type = 'CAPTURE' AND amount <> 0)
        OR (type IN ('RESERVE', 'CAPTURE', 'REFUND') AND "generationId" IS NULL)`;
  for (const e of entries) {
    problems.push(`entry ${e.id}: ${e.type} of ${e.amount} leaving ${e.balanceAfter}`);
  }

  const generations = await prisma.$queryRaw<{ id: string; problem: string }[]>`
    SELECT g.id::text AS id,
           concat_ws('; ',
             CASE WHEN g."creditsReserved" <> -COALESCE(SUM(e.amount) FILTER (WHERE e.type = 'RESERVE'), 0)
                  THEN 'creditsReserved ' || g."creditsReserved" || ' differs from its RESERVE entry' END,
             CASE WHEN g."creditsRefunded" <> COALESCE(SUM(e.amount) FILTER (WHERE e.type = 'REFUND'), 0)
                  THEN 'creditsRefunded ' || g."creditsRefunded" || ' differs from its REFUND entry' END,
             CASE WHEN g."creditsCaptured" + g."creditsRefunded" > g."creditsReserved"
                  THEN 'captured + refunded exceed reserved' END,
             CASE WHEN (g."creditsCaptured" > 0) <> (COUNT(*) FILTER (WHERE e.type = 'CAPTURE') > 0)
                  THEN 'creditsCaptured disagrees with its CAPTURE entry' END,
             CASE WHEN COUNT(*) FILTER (WHERE e.type = 'RESERVE') > 1 OR COUNT(*) FILTER (WHERE e.type = 'CAPTURE') > 1
                    OR COUNT(*) FILTER (WHERE e.type = 'REFUND') > 1
                  THEN 'more than one entry of a type' END,
             CASE WHEN COUNT(*) FILTER (WHERE e."userId" <> g."userId") > 0
                  THEN 'entries of another user' END
           ) AS problem
      FROM "Generation" g LEFT JOIN "CreditEntry" e ON e."generationId" = g.id
     GROUP BY g.id`;
  for (const g of generations) {
    if (g.problem) problems.push(`generation ${g.id}: ${g.problem}`);
  }

  if (problems.length > 0) {
    throw new Error(`Credits ledger invariant violated:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const [totals] = await prisma.$queryRaw<{ accounts: number; entries: number; total: string }[]>`
    SELECT (SELECT COUNT(*)::int FROM "CreditAccount") AS accounts,
           (SELECT COUNT(*)::int FROM "CreditEntry") AS entries,
           (SELECT COALESCE(SUM(balance), 0)::text FROM "CreditAccount") AS total`;
  return { accounts: totals.accounts, entries: totals.entries, totalBalance: totals.total };
}
