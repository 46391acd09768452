/**
 * The books must balance. Used by tests, and cheap enough for an admin health check:
 * - money only enters through top-ups: all non-external accounts sum to the top-ups;
 * - every ledger pair has exactly two entries summing to zero;
 * - each account's balance equals the sum of its entries;
 * - no (sender, idempotency key) was charged twice.
 */
import type { SqlExecutor } from "../store/sql.ts";
import { toBigInt } from "../store/sql.ts";

export interface LedgerAudit {
  topups: bigint;
  /** Wallets + earnings + held + platform. */
  inside: bigint;
  platform: bigint;
  unpairedEntries: number;
  accountsOffLedger: number;
  doubleCharges: number;
  ok: boolean;
}

export async function auditLedger(db: SqlExecutor): Promise<LedgerAudit> {
  const [sums] = await db.query<{ topups: unknown; inside: unknown; platform: unknown }>(
    `SELECT (SELECT sum(amount) FROM topups) AS topups,
            (SELECT sum(balance) FROM accounts WHERE kind <> 'external') AS inside,
            (SELECT sum(balance) FROM accounts WHERE kind = 'platform') AS platform`,
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
    unpairedEntries: Number(toBigInt(pairs.n)),
    accountsOffLedger: Number(toBigInt(drift.n)),
    doubleCharges: Number(toBigInt(doubles.n)),
  };
  return {
    ...audit,
    ok: audit.topups === audit.inside && audit.unpairedEntries === 0 &&
      audit.accountsOffLedger === 0 && audit.doubleCharges === 0,
  };
}
