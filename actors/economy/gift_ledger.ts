/**
 * The gift ledger behind the room actor: `commitBatch` commits one tick's gifts in ONE
 * transaction (group commit), and one gift's failure fails only that gift.
 *
 * How: the batch's lookups (catalog, rooms, senders, earlier results for the idempotency
 * keys) are read set-wise, the accounts involved are locked in id order, and then every
 * gift is decided in order against the running balances in memory, so a gift that would
 * fail (insufficient funds, unknown gift, self gift, banned sender, reused key with other
 * content) is never written and its neighbours commit. The accepted gifts are written with
 * a few set-wise statements. Should the database still refuse that batch for an unexpected
 * reason, the batch is redone in one transaction with a savepoint per gift, which confines
 * the error to the gift that caused it. A deadlock, serialization failure or a key taken by
 * a concurrent batch is retried from the start; the rerun sees the committed key and replays.
 */
import { metrics } from "../../engine/metrics.ts";
import type { Logger } from "../../engine/log.ts";
import { createLogger } from "../../engine/log.ts";
import type { GiftOutcome } from "../room/contract.ts";
import type { GiftLedger, GiftRequest } from "../room/ports.ts";
import {
  isRetryableSqlError,
  sqlState,
  type SqlStore,
  type SqlTx,
  toBigInt,
  UNIQUE_VIOLATION,
} from "../../engine/sql/sql.ts";
import type { EconomyErrorCode } from "./errors.ts";
import { type ParsedGift, parseGiftRequest } from "./gift_request.ts";
import {
  earningsAccount,
  lockAccounts,
  platformAccount,
  postTransfers,
  type Transfer,
  walletAccount,
} from "./ledger_accounts.ts";
import { commissionOf, jsonWithBigints } from "./money.ts";

export interface GiftLedgerOptions {
  /** Platform commission in basis points (config GIFT_COMMISSION_BPS). */
  commissionBps: number;
  /** Whether a streamer may gift into their own room (default false: `self_gift`). */
  allowSelfGift?: boolean;
  /** Attempts for a batch hit by a deadlock or a concurrently taken key (default 5). */
  maxAttempts?: number;
  log?: Logger;
}

type Failure = Extract<GiftOutcome, { ok: false }>;
const fail = (code: EconomyErrorCode, message: string): Failure => ({ ok: false, code, message });

interface CatalogRow {
  id: string;
  name: string;
  price: unknown;
  active: boolean;
}
interface RoomRow {
  id: string;
  owner_id: string;
  live_stream_id: string | null;
}
interface ExistingGiftRow {
  sender_id: string;
  idempotency_key: string;
  room_id: string;
  gift_id: string;
  count: number;
  amount: unknown;
  sender_balance_after: unknown;
  name: string;
}

const keyOf = (senderId: string, key: string) => `${senderId}\u0000${key}`;
const sameContent = (
  a: Pick<GiftRequest, "roomId" | "giftId" | "count">,
  b: Pick<GiftRequest, "roomId" | "giftId" | "count">,
) => a.roomId === b.roomId && a.giftId === b.giftId && a.count === b.count;

const conflict = () =>
  fail("idempotency_conflict", "this idempotency key was used for a different gift");

const LM = {
  batches: metrics.counter(
    "synapse_ledger_batches_total",
    "Gift batches committed by the ledger, by path (batch, isolated)",
  ),
  failures: metrics.counter(
    "synapse_ledger_failures_total",
    "Gift batches the ledger could not commit at all (every gift answered ledger_unavailable)",
  ),
};

export class SqlGiftLedger implements GiftLedger {
  readonly #log: Logger;
  constructor(private readonly store: SqlStore, private readonly opts: GiftLedgerOptions) {
    this.#log = opts.log ?? createLogger({ component: "gift_ledger" });
    commissionOf(0n, opts.commissionBps); // validates the range once
  }

  async commitBatch(gifts: GiftRequest[]): Promise<GiftOutcome[]> {
    if (gifts.length === 0) return [];
    const attempts = this.opts.maxAttempts ?? 5;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const out = await this.store.transaction((tx) => commitGifts(tx, gifts, this.opts));
        LM.batches.inc({ path: "batch" });
        return out;
      } catch (err) {
        const retry = isRetryableSqlError(err) || sqlState(err) === UNIQUE_VIOLATION;
        if (retry && attempt < attempts) continue;
        this.#log.warn("gift batch failed; retrying gift by gift", {
          err,
          sqlState: sqlState(err),
          size: gifts.length,
        });
        break;
      }
    }
    return await this.commitIsolated(gifts);
  }

  /** The slow path: one transaction, a savepoint per gift. */
  async commitIsolated(gifts: GiftRequest[]): Promise<GiftOutcome[]> {
    try {
      const out = await this.store.transaction(async (tx) => {
        const outcomes: GiftOutcome[] = [];
        for (const gift of gifts) outcomes.push(await this.#commitOne(tx, gift));
        return outcomes;
      });
      LM.batches.inc({ path: "isolated" });
      return out;
    } catch (err) {
      LM.failures.inc();
      this.#log.error("gift batch could not be committed", { err, size: gifts.length });
      return gifts.map(() =>
        fail("ledger_unavailable", "the ledger is unavailable; retry with the same key")
      );
    }
  }

  async #commitOne(tx: SqlTx, gift: GiftRequest): Promise<GiftOutcome> {
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        return (await tx.savepoint((sp) => commitGifts(sp, [gift], this.opts)))[0];
      } catch (err) {
        // A key committed meanwhile by another batch: the rerun replays it.
        if (sqlState(err) === UNIQUE_VIOLATION && attempt === 1) continue;
        if (isRetryableSqlError(err)) throw err;
        this.#log.warn("gift refused by the database", { err, sqlState: sqlState(err) });
        return fail("ledger_error", "the gift could not be recorded");
      }
    }
    return fail("ledger_error", "the gift could not be recorded");
  }
}

/** Decide and write `requests` inside `tx`; returns one outcome per request, in order. */
export async function commitGifts(
  tx: SqlTx,
  requests: GiftRequest[],
  opts: GiftLedgerOptions,
): Promise<GiftOutcome[]> {
  const outcomes: (GiftOutcome | undefined)[] = new Array(requests.length);
  const parsed: { index: number; gift: ParsedGift }[] = [];
  requests.forEach((req, index) => {
    const result = parseGiftRequest(req);
    if (result.ok) parsed.push({ index, gift: result.gift });
    else outcomes[index] = fail(result.code, result.message);
  });
  if (parsed.length === 0) return outcomes as GiftOutcome[];

  const gifts = parsed.map((p) => p.gift);
  const uniq = <T>(xs: T[]) => JSON.stringify([...new Set(xs)]);
  const catalogRows = await tx.query<CatalogRow>(
    `SELECT id, name, price, active FROM gift_catalog
      WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [uniq(gifts.map((g) => g.giftId))],
  );
  const roomRows = await tx.query<RoomRow>(
    `SELECT id, owner_id, live_stream_id FROM rooms
      WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [uniq(gifts.map((g) => g.roomId))],
  );
  const senderRows = await tx.query<{ id: string; status: string }>(
    `SELECT id, status FROM users WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [uniq(gifts.map((g) => g.senderId))],
  );
  const existingRows = await tx.query<ExistingGiftRow>(
    `SELECT g.sender_id, g.idempotency_key, g.room_id, g.gift_id, g.count, g.amount,
            g.sender_balance_after, c.name
       FROM gifts g
       JOIN jsonb_to_recordset($1::jsonb) AS k(s text, k text)
         ON g.sender_id = k.s AND g.idempotency_key = k.k
       JOIN gift_catalog c ON c.id = g.gift_id`,
    [JSON.stringify(gifts.map((g) => ({ s: g.senderId, k: g.idempotencyKey })))],
  );
  const catalog = new Map(catalogRows.map((r) => [r.id, r]));
  const rooms = new Map(roomRows.map((r) => [r.id, r]));
  const senders = new Map(senderRows.map((r) => [r.id, r.status]));
  const existing = new Map(existingRows.map((r) => [keyOf(r.sender_id, r.idempotency_key), r]));

  /** Checks that need no balance; undefined when the gift may go on to the funds check. */
  const staticCheck = (g: ParsedGift): Failure | undefined => {
    const status = senders.get(g.senderId);
    if (status === undefined) return fail("unknown_user", "the sender has no account");
    if (status === "banned") return fail("banned", "the sender is banned");
    const room = rooms.get(g.roomId);
    if (!room) return fail("unknown_room", `no room ${g.roomId}`);
    const item = catalog.get(g.giftId);
    if (!item || !item.active) return fail("unknown_gift", `no gift ${g.giftId} in the catalog`);
    if (room.owner_id === g.senderId && !opts.allowSelfGift) {
      return fail("self_gift", "a streamer cannot send gifts into their own room");
    }
    return undefined;
  };

  // Lock every account a gift that passes the static checks could touch, in id order.
  const toLock = new Set<string>();
  for (const g of gifts) {
    if (existing.has(keyOf(g.senderId, g.idempotencyKey)) || staticCheck(g)) continue;
    toLock.add(walletAccount(g.senderId));
    toLock.add(earningsAccount(rooms.get(g.roomId)!.owner_id));
    toLock.add(platformAccount(g.roomId));
  }
  const balances = toLock.size ? await lockAccounts(tx, toLock) : new Map<string, bigint>();

  const decided = new Map<string, { gift: ParsedGift; outcome: GiftOutcome }>();
  const giftRows: Record<string, unknown>[] = [];
  const transfers: Transfer[] = [];
  for (const { index, gift: g } of parsed) {
    const key = keyOf(g.senderId, g.idempotencyKey);
    const prior = existing.get(key);
    if (prior) {
      outcomes[index] =
        sameContent(g, { roomId: prior.room_id, giftId: prior.gift_id, count: prior.count })
          ? {
            ok: true,
            amount: toBigInt(prior.amount).toString(),
            senderBalance: toBigInt(prior.sender_balance_after).toString(),
            giftName: prior.name,
            replayed: true,
          }
          : conflict();
      continue;
    }
    const earlier = decided.get(key);
    if (earlier) {
      if (!sameContent(g, earlier.gift)) {
        outcomes[index] = conflict();
        continue;
      }
      if (earlier.outcome.ok) {
        outcomes[index] = { ...earlier.outcome, replayed: true };
        continue;
      }
      // The same gift failed earlier in this batch: decide it again on its own merits.
    }
    const outcome = staticCheck(g) ?? decideFunds(g);
    outcomes[index] = outcome;
    decided.set(key, { gift: g, outcome });
  }

  function decideFunds(g: ParsedGift): GiftOutcome {
    const room = rooms.get(g.roomId)!;
    const item = catalog.get(g.giftId)!;
    const wallet = walletAccount(g.senderId);
    const balance = balances.get(wallet);
    if (balance === undefined) return fail("unknown_user", "the sender has no wallet");
    const unitPrice = toBigInt(item.price);
    const amount = unitPrice * BigInt(g.count);
    if (balance < amount) {
      return fail("insufficient_funds", `the gift costs ${amount}, the wallet holds ${balance}`);
    }
    const fee = commissionOf(amount, opts.commissionBps);
    const net = amount - fee;
    const after = balance - amount;
    balances.set(wallet, after);
    const id = crypto.randomUUID();
    giftRows.push({
      id,
      sender_id: g.senderId,
      idempotency_key: g.idempotencyKey,
      room_id: g.roomId,
      stream_id: room.live_stream_id,
      streamer_id: room.owner_id,
      gift_id: g.giftId,
      count: g.count,
      unit_price: unitPrice,
      amount,
      fee,
      net,
      sender_balance_after: after,
    });
    transfers.push(
      {
        pairId: `${id}:net`,
        from: wallet,
        to: earningsAccount(room.owner_id),
        amount: net,
        kind: "gift",
        refId: id,
      },
      {
        pairId: `${id}:fee`,
        from: wallet,
        to: platformAccount(g.roomId),
        amount: fee,
        kind: "gift_fee",
        refId: id,
      },
    );
    return {
      ok: true,
      amount: amount.toString(),
      senderBalance: after.toString(),
      giftName: item.name,
      replayed: false,
    };
  }

  if (giftRows.length > 0) {
    await tx.query(
      `INSERT INTO gifts (id, sender_id, idempotency_key, room_id, stream_id, streamer_id, gift_id,
                          count, unit_price, amount, fee, net, sender_balance_after)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
         id text, sender_id text, idempotency_key text, room_id text, stream_id text,
         streamer_id text, gift_id text, count integer, unit_price bigint, amount bigint,
         fee bigint, net bigint, sender_balance_after bigint)`,
      [jsonWithBigints(giftRows)],
    );
    await postTransfers(tx, transfers);
  }
  return outcomes as GiftOutcome[];
}
