/** Balances, ledger history and top-ups of a user. */
import type { SqlExecutor, SqlStore } from "../../engine/sql/sql.ts";
import { toBigInt } from "../../engine/sql/sql.ts";
import { EconomyError } from "./errors.ts";
import {
  earningsAccount,
  ensureExternalAccount,
  heldAccount,
  lockAccounts,
  postTransfers,
  walletAccount,
} from "./ledger_accounts.ts";
import type { PaymentProvider } from "./payment_provider.ts";

export interface Balances {
  /** Spendable coins. */
  wallet: bigint;
  /** Gift income available to withdraw. */
  earnings: bigint;
  /** Income held for pending withdrawal requests. */
  held: bigint;
}

export async function getBalances(db: SqlExecutor, userId: string): Promise<Balances> {
  const rows = await db.query<{ id: string; balance: unknown }>(
    "SELECT id, balance FROM accounts WHERE id IN ($1, $2, $3)",
    [walletAccount(userId), earningsAccount(userId), heldAccount(userId)],
  );
  if (rows.length === 0) throw new EconomyError("unknown_user", "no such user");
  const of = (id: string) => toBigInt(rows.find((r) => r.id === id)?.balance);
  return {
    wallet: of(walletAccount(userId)),
    earnings: of(earningsAccount(userId)),
    held: of(heldAccount(userId)),
  };
}

export interface LedgerLine {
  id: bigint;
  pairId: string;
  account: "wallet" | "earnings" | "held";
  amount: bigint;
  kind: string;
  refId: string;
  at: Date;
}

/** The user's ledger entries, newest first; page with `before` (an entry id). */
export async function ledgerHistory(
  db: SqlExecutor,
  userId: string,
  opts: { before?: bigint; limit: number },
): Promise<LedgerLine[]> {
  const rows = await db.query<{
    id: unknown;
    pair_id: string;
    account_id: string;
    amount: unknown;
    kind: string;
    ref_id: string;
    created_at: Date;
  }>(
    `SELECT id, pair_id, account_id, amount, kind, ref_id, created_at FROM ledger_entries
      WHERE account_id IN ($1, $2, $3) AND ($4::bigint IS NULL OR id < $4::bigint)
      ORDER BY id DESC LIMIT $5`,
    [
      walletAccount(userId),
      earningsAccount(userId),
      heldAccount(userId),
      opts.before ?? null,
      opts.limit,
    ],
  );
  return rows.map((r) => ({
    id: toBigInt(r.id),
    pairId: r.pair_id,
    account: r.account_id.slice(0, r.account_id.indexOf(":")) as LedgerLine["account"],
    amount: toBigInt(r.amount),
    kind: r.kind,
    refId: r.ref_id,
    at: new Date(r.created_at),
  }));
}

export interface TopUpResult {
  topupId: string;
  amount: bigint;
  balance: bigint;
  replayed: boolean;
}

/**
 * Charge `amount` through `provider` and credit the wallet, once per (user, key): a retry
 * with the same key and amount returns the first result; another amount is
 * `idempotency_conflict`.
 */
export async function topUp(
  store: SqlStore,
  provider: PaymentProvider,
  req: { userId: string; amount: bigint; idempotencyKey: string },
): Promise<TopUpResult> {
  const replay = await findTopUp(store, req);
  if (replay) return replay;
  const charge = await provider.charge(req);
  if (!charge.ok) throw new EconomyError("payment_failed", charge.message);
  return await store.transaction(async (tx) => {
    const topupId = crypto.randomUUID();
    const inserted = await tx.query(
      `INSERT INTO topups (id, user_id, idempotency_key, amount, provider, provider_ref)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id`,
      [topupId, req.userId, req.idempotencyKey, req.amount, provider.name, charge.reference],
    );
    if (inserted.length === 0) {
      // A concurrent request with the same key won; answer with its result.
      const first = await findTopUp(tx, req);
      if (!first) throw new Error("top-up vanished");
      return first;
    }
    const external = await ensureExternalAccount(tx, provider.name);
    const wallet = walletAccount(req.userId);
    const balances = await lockAccounts(tx, [wallet, external]);
    const before = balances.get(wallet);
    if (before === undefined) throw new EconomyError("unknown_user", "no such user");
    await postTransfers(tx, [{
      pairId: topupId,
      from: external,
      to: wallet,
      amount: req.amount,
      kind: "topup",
      refId: topupId,
    }]);
    return { topupId, amount: req.amount, balance: before + req.amount, replayed: false };
  });
}

async function findTopUp(
  db: SqlExecutor,
  req: { userId: string; amount: bigint; idempotencyKey: string },
): Promise<TopUpResult | undefined> {
  const rows = await db.query<{ id: string; amount: unknown; balance: unknown }>(
    `SELECT t.id, t.amount, a.balance FROM topups t JOIN accounts a ON a.id = $3
      WHERE t.user_id = $1 AND t.idempotency_key = $2`,
    [req.userId, req.idempotencyKey, walletAccount(req.userId)],
  );
  if (rows.length === 0) return undefined;
  const amount = toBigInt(rows[0].amount);
  if (amount !== req.amount) {
    throw new EconomyError(
      "idempotency_conflict",
      "this idempotency key was used for a top-up of another amount",
    );
  }
  return { topupId: rows[0].id, amount, balance: toBigInt(rows[0].balance), replayed: true };
}
