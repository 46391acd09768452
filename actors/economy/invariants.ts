/**
 * The books must balance. Used by tests, and cheap enough for an admin health check:
 * - money only enters through top-ups and only leaves through paid withdrawals: wallets +
 *   earnings + held + platform + paid out sum to the top-ups;
 * - what was paid out equals the withdrawals marked paid, and the held accounts hold exactly
 *   the pending withdrawals;
 * - every ledger pair has exactly two entries summing to zero;
 * - each account's balance equals the sum of its entries;
 * - no (sender, idempotency key) was charged twice.
 */
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import { toBigInt } from "../../engine/sql/sql.ts";

export interface LedgerAudit {
  topups: bigint;
  /** Wallets + earnings + held + platform (what is still on the platform). */
  inside: bigint;
  platform: bigint;
  /** Paid withdrawals: the payout accounts' balance (money that left the platform). */
  paidOut: bigint;
  /** Sum of withdrawals with status paid (must equal `paidOut`). */
  paidRecorded: bigint;
  /** Held accounts (must equal `pendingRecorded`). */
  held: bigint;
  /** Sum of pending withdrawals. */
  pendingRecorded: bigint;
  unpairedEntries: number;
  accountsOffLedger: number;
  doubleCharges: number;
  ok: boolean;
}

export async function auditLedger(db: SqlExecutor): Promise<LedgerAudit> {
  const [sums] = await db.query<{
    topups: unknown;
    inside: unknown;
    platform: unknown;
    paid_out: unknown;
    paid_recorded: unknown;
    held: unknown;
    pending_recorded: unknown;
  }>(
    `SELECT (SELECT sum(amount) FROM topups) AS topups,
            (SELECT sum(balance) FROM accounts WHERE kind NOT IN ('external', 'payout')) AS inside,
            (SELECT sum(balance) FROM accounts WHERE kind = 'platform') AS platform,
            (SELECT sum(balance) FROM accounts WHERE kind = 'payout') AS paid_out,
            (SELECT sum(amount) FROM withdrawals WHERE status = 'paid') AS paid_recorded,
            (SELECT sum(balance) FROM accounts WHERE kind = 'held') AS held,
            (SELECT sum(amount) FROM withdrawals WHERE status = 'pending') AS pending_recorded`,
  );
  const [pairs] = await db.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM (
       SELECT pair_id FROM ledger_entries GROUP BY pair_id
       HAVING count(*) <> 2 OR sum(amount) <> 0 OR min(amount) >= 0 OR max(amount) <= 0) p`,
  );
  const [drift] = await db.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM accounts a
       LEFT JOIN (SELECT account_id, sum(amount) AS s FROM ledger_entries GROUP BY account_id) e
         ON e.account_id = a.id
      WHERE a.balance <> coalesce(e.s, 0)`,
  );
  const [doubles] = await db.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM (
       SELECT sender_id, idempotency_key FROM gifts
        GROUP BY sender_id, idempotency_key HAVING count(*) > 1) d`,
  );
  const audit = {
    topups: toBigInt(sums.topups),
    inside: toBigInt(sums.inside),
    platform: toBigInt(sums.platform),
    paidOut: toBigInt(sums.paid_out),
    paidRecorded: toBigInt(sums.paid_recorded),
    held: toBigInt(sums.held),
    pendingRecorded: toBigInt(sums.pending_recorded),
    unpairedEntries: Number(toBigInt(pairs.n)),
    accountsOffLedger: Number(toBigInt(drift.n)),
    doubleCharges: Number(toBigInt(doubles.n)),
  };
  return {
    ...audit,
    ok: audit.topups === audit.inside + audit.paidOut && audit.paidOut === audit.paidRecorded &&
      audit.held === audit.pendingRecorded && audit.unpairedEntries === 0 &&
      audit.accountsOffLedger === 0 && audit.doubleCharges === 0,
  };
}
