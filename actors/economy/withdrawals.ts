/**
 * Withdrawals of a streamer's earnings, from request to payout:
 *
 *   pending --cancel (the streamer)--> cancelled   held -> earnings
 *           --pay (finance)---------> paid        held -> payout:withdrawals (leaves the platform)
 *           --reject (finance)------> rejected    held -> earnings
 *
 * A request moves the amount from earnings to the streamer's held account, so it cannot
 * exceed what is available and cannot be spent twice. Each transition is one transaction:
 * the user's accounts are locked first (the same order as requests and gifts), then the
 * withdrawal row; the status change, the ledger pair and the audit event are written
 * together or not at all. Repeating a transition with the same details answers the first
 * result (`replayed`) and moves no money; any other move from a decided state is
 * `withdrawal_not_pending`.
 */
import type { SqlExecutor, SqlStore, SqlTx } from "../../engine/sql/sql.ts";
import { sqlState, toBigInt, UNIQUE_VIOLATION } from "../../engine/sql/sql.ts";
import { EconomyError } from "./errors.ts";
import { earningsAccount, heldAccount, lockAccounts, postTransfers } from "./ledger_accounts.ts";

export type WithdrawalStatus = "pending" | "cancelled" | "paid" | "rejected";
export const WITHDRAWAL_STATUSES: readonly WithdrawalStatus[] = [
  "pending",
  "cancelled",
  "paid",
  "rejected",
];

/** Where paid withdrawals go: the outside world, as far as the books are concerned. */
export const PAYOUT_ACCOUNT = "payout:withdrawals";

export interface WithdrawalLimits {
  /** The smallest amount one request may ask for. */
  minAmount: bigint;
  /** Pending requests one user may have at once (0: no limit). */
  maxPending: number;
}

export const DEFAULT_WITHDRAWAL_LIMITS: WithdrawalLimits = { minAmount: 100n, maxPending: 3 };

export interface Withdrawal {
  id: string;
  userId: string;
  amount: bigint;
  status: WithdrawalStatus;
  createdAt: Date;
  updatedAt: Date;
  /** The bank transfer (or other payout) that paid it. */
  payoutReference: string | null;
  /** Why it was rejected. */
  reason: string | null;
  /** Who moved it out of pending (the streamer for a cancel, finance otherwise). */
  decidedBy: string | null;
  decidedAt: Date | null;
  replayed?: boolean;
}

export interface WithdrawalEvent {
  action: "requested" | "cancelled" | "paid" | "rejected";
  actorId: string;
  reference: string | null;
  reason: string | null;
  at: Date;
}

const COLUMNS = `w.id, w.user_id, w.amount, w.status, w.created_at, w.updated_at, w.seq,
  w.payout_reference, w.reason, w.decided_by, w.decided_at`;

interface WithdrawalRow {
  id: string;
  user_id: string;
  amount: unknown;
  status: WithdrawalStatus;
  created_at: Date;
  updated_at: Date;
  seq: unknown;
  payout_reference: string | null;
  reason: string | null;
  decided_by: string | null;
  decided_at: Date | null;
}

const toWithdrawal = (r: WithdrawalRow): Withdrawal => ({
  id: r.id,
  userId: r.user_id,
  amount: toBigInt(r.amount),
  status: r.status,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  payoutReference: r.payout_reference,
  reason: r.reason,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at ? new Date(r.decided_at) : null,
});

async function appendEvent(
  tx: SqlExecutor,
  e: { withdrawalId: string; action: WithdrawalEvent["action"]; actorId: string } & {
    reference?: string;
    reason?: string;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO withdrawal_events (withdrawal_id, action, actor_id, reference, reason)
     VALUES ($1, $2, $3, $4, $5)`,
    [e.withdrawalId, e.action, e.actorId, e.reference ?? null, e.reason ?? null],
  );
}

export async function requestWithdrawal(
  store: SqlStore,
  req: { userId: string; amount: bigint; idempotencyKey: string },
  limits: WithdrawalLimits = DEFAULT_WITHDRAWAL_LIMITS,
): Promise<Withdrawal> {
  return await store.transaction(async (tx) => {
    const earnings = earningsAccount(req.userId);
    const held = heldAccount(req.userId);
    // Locking first serialises requests of one user, so the checks below are decisive.
    const balances = await lockAccounts(tx, [earnings, held]);
    const available = balances.get(earnings);
    if (available === undefined) throw new EconomyError("unknown_user", "no such user");
    const prior = await tx.query<WithdrawalRow>(
      `SELECT ${COLUMNS} FROM withdrawals w WHERE w.user_id = $1 AND w.idempotency_key = $2`,
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
    if (req.amount < limits.minAmount) {
      throw new EconomyError(
        "withdrawal_below_minimum",
        `the smallest withdrawal is ${limits.minAmount}`,
      );
    }
    if (limits.maxPending > 0) {
      const [{ n }] = await tx.query<{ n: unknown }>(
        "SELECT count(*) AS n FROM withdrawals WHERE user_id = $1 AND status = 'pending'",
        [req.userId],
      );
      if (toBigInt(n) >= BigInt(limits.maxPending)) {
        throw new EconomyError(
          "too_many_pending_withdrawals",
          `at most ${limits.maxPending} withdrawals may be pending at once`,
        );
      }
    }
    if (req.amount > available) {
      throw new EconomyError(
        "insufficient_funds",
        `requested ${req.amount}, available to withdraw ${available}`,
      );
    }
    const id = crypto.randomUUID();
    const rows = await tx.query<WithdrawalRow>(
      `INSERT INTO withdrawals AS w (id, user_id, idempotency_key, amount, status)
       VALUES ($1, $2, $3, $4, 'pending') RETURNING ${COLUMNS}`,
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
    await appendEvent(tx, { withdrawalId: id, action: "requested", actorId: req.userId });
    return { ...toWithdrawal(rows[0]), replayed: false };
  });
}

type Decision =
  | { to: "cancelled"; actorId: string; ownerId: string }
  | { to: "paid"; actorId: string; reference: string }
  | { to: "rejected"; actorId: string; reason: string };

/** Is `w` already the outcome `d` asks for (a repeat of the same request)? */
function sameDecision(w: Withdrawal, d: Decision): boolean {
  if (w.status !== d.to) return false;
  if (d.to === "paid") return w.payoutReference === d.reference;
  if (d.to === "rejected") return w.reason === d.reason;
  return true;
}

async function decide(store: SqlStore, withdrawalId: string, d: Decision): Promise<Withdrawal> {
  return await store.transaction(async (tx: SqlTx) => {
    // The owner never changes: read it unlocked to know which accounts to lock first.
    const [owner] = await tx.query<{ user_id: string }>(
      "SELECT user_id FROM withdrawals WHERE id = $1",
      [withdrawalId],
    );
    if (!owner || (d.to === "cancelled" && owner.user_id !== d.ownerId)) {
      throw new EconomyError("unknown_withdrawal", "no such withdrawal");
    }
    const userId = owner.user_id;
    const earnings = earningsAccount(userId);
    const held = heldAccount(userId);
    await lockAccounts(tx, d.to === "paid" ? [earnings, held, PAYOUT_ACCOUNT] : [earnings, held]);
    const [row] = await tx.query<WithdrawalRow>(
      `SELECT ${COLUMNS} FROM withdrawals w WHERE w.id = $1 FOR UPDATE`,
      [withdrawalId],
    );
    const current = toWithdrawal(row);
    if (sameDecision(current, d)) return { ...current, replayed: true };
    if (current.status !== "pending") {
      throw new EconomyError(
        "withdrawal_not_pending",
        `this withdrawal is already ${current.status}`,
      );
    }
    if (d.to === "paid") {
      const used = await tx.query(
        "SELECT 1 FROM withdrawals WHERE payout_reference = $1 AND id <> $2",
        [d.reference, withdrawalId],
      );
      if (used.length > 0) {
        throw new EconomyError(
          "payout_reference_used",
          "this payout reference already paid another withdrawal",
        );
      }
    }
    const reference = d.to === "paid" ? d.reference : null;
    const reason = d.to === "rejected" ? d.reason : null;
    const [updated] = await tx.query<WithdrawalRow>(
      `UPDATE withdrawals AS w SET status = $2, payout_reference = $3, reason = $4,
              decided_by = $5, decided_at = now(), updated_at = now()
        WHERE w.id = $1 AND w.status = 'pending' RETURNING ${COLUMNS}`,
      [withdrawalId, d.to, reference, reason, d.actorId],
    );
    if (!updated) throw new Error("withdrawal changed under its lock");
    const w = toWithdrawal(updated);
    await postTransfers(tx, [
      d.to === "paid"
        ? {
          pairId: `${w.id}:payout`,
          from: held,
          to: PAYOUT_ACCOUNT,
          amount: w.amount,
          kind: "withdrawal_payout",
          refId: w.id,
        }
        : {
          pairId: `${w.id}:release`,
          from: held,
          to: earnings,
          amount: w.amount,
          kind: "withdrawal_release",
          refId: w.id,
        },
    ]);
    await appendEvent(tx, {
      withdrawalId: w.id,
      action: d.to,
      actorId: d.actorId,
      reference: reference ?? undefined,
      reason: reason ?? undefined,
    });
    return { ...w, replayed: false };
  });
}

/** The streamer takes back their own pending request; the hold returns to their earnings. */
export async function cancelWithdrawal(
  store: SqlStore,
  userId: string,
  withdrawalId: string,
): Promise<Withdrawal> {
  return await decide(store, withdrawalId, { to: "cancelled", actorId: userId, ownerId: userId });
}

/** Finance marks a pending withdrawal paid with the payout's external reference. */
export async function payWithdrawal(
  store: SqlStore,
  req: { withdrawalId: string; adminId: string; reference: string },
): Promise<Withdrawal> {
  try {
    return await decide(store, req.withdrawalId, {
      to: "paid",
      actorId: req.adminId,
      reference: req.reference,
    });
  } catch (err) {
    // Two withdrawals paid with one reference at the same moment: the index decides.
    if (sqlState(err) === UNIQUE_VIOLATION) {
      throw new EconomyError(
        "payout_reference_used",
        "this payout reference already paid another withdrawal",
      );
    }
    throw err;
  }
}

/** Finance refuses a pending withdrawal; the hold returns to the streamer's earnings. */
export async function rejectWithdrawal(
  store: SqlStore,
  req: { withdrawalId: string; adminId: string; reason: string },
): Promise<Withdrawal> {
  return await decide(store, req.withdrawalId, {
    to: "rejected",
    actorId: req.adminId,
    reason: req.reason,
  });
}

/** A user's own withdrawals, newest first. */
export async function listWithdrawals(db: SqlExecutor, userId: string): Promise<Withdrawal[]> {
  const rows = await db.query<WithdrawalRow>(
    `SELECT ${COLUMNS} FROM withdrawals w WHERE w.user_id = $1 ORDER BY w.seq DESC LIMIT 200`,
    [userId],
  );
  return rows.map(toWithdrawal);
}

export interface ReviewedWithdrawal extends Withdrawal {
  username: string;
  displayName: string;
}

export interface WithdrawalPage {
  withdrawals: ReviewedWithdrawal[];
  /** Cursor for the next page (`after`), null on the last one. */
  next: string | null;
  /** All withdrawals in this status: how many and how much. */
  total: { count: number; amount: bigint };
}

/**
 * Withdrawals in one status for the finance team, oldest first by default (a queue);
 * page with `after` = the previous page's `next`.
 */
export async function listWithdrawalsByStatus(
  db: SqlExecutor,
  q: { status: WithdrawalStatus; limit: number; after?: bigint; order?: "asc" | "desc" },
): Promise<WithdrawalPage> {
  const desc = q.order === "desc";
  const rows = await db.query<WithdrawalRow & { username: string; display_name: string }>(
    `SELECT ${COLUMNS}, u.username, u.display_name
       FROM withdrawals w JOIN users u ON u.id = w.user_id
      WHERE w.status = $1
        AND ($2::bigint IS NULL OR ${desc ? "w.seq < $2::bigint" : "w.seq > $2::bigint"})
      ORDER BY w.seq ${desc ? "DESC" : "ASC"} LIMIT $3`,
    [q.status, q.after ?? null, q.limit + 1],
  );
  const page = rows.slice(0, q.limit);
  const [total] = await db.query<{ n: unknown; amount: unknown }>(
    "SELECT count(*) AS n, sum(amount) AS amount FROM withdrawals WHERE status = $1",
    [q.status],
  );
  return {
    withdrawals: page.map((r) => ({
      ...toWithdrawal(r),
      username: r.username,
      displayName: r.display_name,
    })),
    next: rows.length > q.limit ? String(toBigInt(page[page.length - 1].seq)) : null,
    total: { count: Number(toBigInt(total.n)), amount: toBigInt(total.amount) },
  };
}

/** One withdrawal with its audit trail (every transition: who, when, reference/reason). */
export async function withdrawalWithEvents(
  db: SqlExecutor,
  withdrawalId: string,
): Promise<{ withdrawal: Withdrawal; events: WithdrawalEvent[] }> {
  const [row] = await db.query<WithdrawalRow>(
    `SELECT ${COLUMNS} FROM withdrawals w WHERE w.id = $1`,
    [withdrawalId],
  );
  if (!row) throw new EconomyError("unknown_withdrawal", "no such withdrawal");
  const events = await db.query<{
    action: WithdrawalEvent["action"];
    actor_id: string;
    reference: string | null;
    reason: string | null;
    created_at: Date;
  }>(
    `SELECT action, actor_id, reference, reason, created_at FROM withdrawal_events
      WHERE withdrawal_id = $1 ORDER BY id`,
    [withdrawalId],
  );
  return {
    withdrawal: toWithdrawal(row),
    events: events.map((e) => ({
      action: e.action,
      actorId: e.actor_id,
      reference: e.reference,
      reason: e.reason,
      at: new Date(e.created_at),
    })),
  };
}
