/**
 * Withdrawal requests: recorded, not paid out. A request moves the amount from the
 * streamer's earnings to their held account, so it cannot exceed what is available and
 * cannot be spent twice; cancelling returns it.
 */
import type { SqlExecutor, SqlStore } from "../store/sql.ts";
import { toBigInt } from "../store/sql.ts";
import { EconomyError } from "./errors.ts";
import { earningsAccount, heldAccount, lockAccounts, postTransfers } from "./ledger_accounts.ts";

export type WithdrawalStatus = "requested" | "cancelled" | "paid" | "rejected";

export interface Withdrawal {
  id: string;
  amount: bigint;
  status: WithdrawalStatus;
  createdAt: Date;
  updatedAt: Date;
  replayed?: boolean;
}

interface WithdrawalRow {
  id: string;
  amount: unknown;
  status: WithdrawalStatus;
  created_at: Date;
  updated_at: Date;
}

const toWithdrawal = (r: WithdrawalRow): Withdrawal => ({
  id: r.id,
  amount: toBigInt(r.amount),
  status: r.status,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

export async function requestWithdrawal(
  store: SqlStore,
  req: { userId: string; amount: bigint; idempotencyKey: string },
): Promise<Withdrawal> {
  return await store.transaction(async (tx) => {
    const earnings = earningsAccount(req.userId);
    const held = heldAccount(req.userId);
    // Locking first serialises requests of one user, so the key check below is decisive.
    const balances = await lockAccounts(tx, [earnings, held]);
    const available = balances.get(earnings);
    if (available === undefined) throw new EconomyError("unknown_user", "no such user");
    const prior = await tx.query<WithdrawalRow>(
      `SELECT id, amount, status, created_at, updated_at FROM withdrawals
        WHERE user_id = $1 AND idempotency_key = $2`,
      [req.userId, req.idempotencyKey],
    );
    if (prior.length > 0) {
      const first = toWithdrawal(prior[0]);
      if (first.amount !== req.amount) {
        throw new EconomyError(
          "idempotency_conflict",
          "this idempotency key was used for another amount",
        );
      }
      return { ...first, replayed: true };
    }
    if (req.amount > available) {
      throw new EconomyError(
        "insufficient_funds",
        `requested ${req.amount}, available to withdraw ${available}`,
      );
    }
    const id = crypto.randomUUID();
    const rows = await tx.query<WithdrawalRow>(
      `INSERT INTO withdrawals (id, user_id, idempotency_key, amount, status)
       VALUES ($1, $2, $3, $4, 'requested')
       RETURNING id, amount, status, created_at, updated_at`,
      [id, req.userId, req.idempotencyKey, req.amount],
    );
    await postTransfers(tx, [{
      pairId: id,
      from: earnings,
      to: held,
      amount: req.amount,
      kind: "withdrawal_hold",
      refId: id,
    }]);
    return { ...toWithdrawal(rows[0]), replayed: false };
  });
}

export async function cancelWithdrawal(
  store: SqlStore,
  userId: string,
  withdrawalId: string,
): Promise<Withdrawal> {
  return await store.transaction(async (tx) => {
    const balances = await lockAccounts(tx, [earningsAccount(userId), heldAccount(userId)]);
    if (!balances.size) throw new EconomyError("unknown_user", "no such user");
    const rows = await tx.query<WithdrawalRow>(
      `UPDATE withdrawals SET status = 'cancelled', updated_at = now()
        WHERE id = $1 AND user_id = $2 AND status = 'requested'
        RETURNING id, amount, status, created_at, updated_at`,
      [withdrawalId, userId],
    );
    if (rows.length === 0) {
      const exists = await tx.query("SELECT 1 FROM withdrawals WHERE id = $1 AND user_id = $2", [
        withdrawalId,
        userId,
      ]);
      if (exists.length === 0) throw new EconomyError("unknown_withdrawal", "no such withdrawal");
      throw new EconomyError("withdrawal_not_pending", "only a pending request can be cancelled");
    }
    const w = toWithdrawal(rows[0]);
    await postTransfers(tx, [{
      pairId: `${w.id}:release`,
      from: heldAccount(userId),
      to: earningsAccount(userId),
      amount: w.amount,
      kind: "withdrawal_release",
      refId: w.id,
    }]);
    return w;
  });
}

export async function listWithdrawals(db: SqlExecutor, userId: string): Promise<Withdrawal[]> {
  const rows = await db.query<WithdrawalRow>(
    `SELECT id, amount, status, created_at, updated_at FROM withdrawals
      WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT 200`,
    [userId],
  );
  return rows.map(toWithdrawal);
}
