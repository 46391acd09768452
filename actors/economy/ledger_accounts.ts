/**
 * Ledger accounts and the one primitive that moves money: `postTransfers` appends a pair of
 * entries per transfer (debit and credit, same `pair_id`, opposite amounts) and applies the
 * net change to each account. Callers lock the accounts first with `lockAccounts`, which
 * takes the row locks in id order, so two transactions never wait on each other in a cycle.
 */
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import { toBigInt } from "../../engine/sql/sql.ts";
import { jsonWithBigints } from "./money.ts";

export const walletAccount = (userId: string) => `wallet:${userId}`;
export const earningsAccount = (userId: string) => `earnings:${userId}`;
export const heldAccount = (userId: string) => `held:${userId}`;
export const externalAccount = (provider: string) => `external:${provider}`;

/** Commission is spread over this many platform accounts (fixed by the migration). */
export const PLATFORM_SHARDS = 16;

/** The platform account a room's commission goes to (FNV-1a of the room id). */
export function platformAccount(roomId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < roomId.length; i++) {
    hash ^= roomId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `platform:${hash % PLATFORM_SHARDS}`;
}

export type EntryKind =
  | "topup"
  | "gift"
  | "gift_fee"
  | "withdrawal_hold"
  | "withdrawal_release"
  | "withdrawal_payout";

export interface Transfer {
  pairId: string;
  from: string;
  to: string;
  /** Positive. */
  amount: bigint;
  kind: EntryKind;
  /** The business record this movement belongs to (gift, top-up, withdrawal id). */
  refId: string;
}

/**
 * Lock `ids` (FOR UPDATE, in id order) and return their balances. Ids with no account are
 * absent from the map.
 */
export async function lockAccounts(
  tx: SqlExecutor,
  ids: Iterable<string>,
): Promise<Map<string, bigint>> {
  const sorted = [...new Set(ids)].sort();
  const rows = await tx.query<{ id: string; balance: unknown }>(
    `SELECT id, balance FROM accounts
      WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))
      ORDER BY id FOR UPDATE`,
    [JSON.stringify(sorted)],
  );
  return new Map(rows.map((r) => [r.id, toBigInt(r.balance)]));
}

/** Append the entries of `transfers` and apply them to the (already locked) accounts. */
export async function postTransfers(tx: SqlExecutor, transfers: Transfer[]): Promise<void> {
  const live = transfers.filter((t) => t.amount !== 0n);
  if (live.length === 0) return;
  const deltas = new Map<string, bigint>();
  const entries: unknown[] = [];
  for (const t of live) {
    if (t.amount < 0n) throw new Error("transfer amount must be positive");
    deltas.set(t.from, (deltas.get(t.from) ?? 0n) - t.amount);
    deltas.set(t.to, (deltas.get(t.to) ?? 0n) + t.amount);
    entries.push(
      { p: t.pairId, a: t.from, v: -t.amount, k: t.kind, r: t.refId },
      { p: t.pairId, a: t.to, v: t.amount, k: t.kind, r: t.refId },
    );
  }
  const changes = [...deltas].filter(([, d]) => d !== 0n).map(([id, d]) => ({ id, d }));
  if (changes.length > 0) {
    await tx.query(
      `UPDATE accounts AS a SET balance = a.balance + c.d, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS c(id text, d bigint)
        WHERE a.id = c.id`,
      [jsonWithBigints(changes)],
    );
  }
  await tx.query(
    `INSERT INTO ledger_entries (pair_id, account_id, amount, kind, ref_id)
     SELECT p, a, v, k, r FROM jsonb_to_recordset($1::jsonb)
         AS e(p text, a text, v bigint, k text, r text)`,
    [jsonWithBigints(entries)],
  );
}

/** Create an external account (the outside side of top-ups) if it does not exist yet. */
export async function ensureExternalAccount(tx: SqlExecutor, provider: string): Promise<string> {
  const id = externalAccount(provider);
  await tx.query(
    `INSERT INTO accounts (id, kind) VALUES ($1, 'external') ON CONFLICT (id) DO NOTHING`,
    [id],
  );
  return id;
}
