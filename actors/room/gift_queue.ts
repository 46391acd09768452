/**
 * Gifts waiting for the room's next commit. All gifts taken together go to the ledger in one
 * `commitBatch` call (one transaction: group commit) beside the room's mailbox; the room
 * applies the outcome as a message of its own and settles each sender's reply with its own
 * outcome (`settle`). A retry of a request still queued (same sender, same idempotency key)
 * shares the first request; keys are per sender, as in the ledger, so a retry that arrives
 * while its first request is being committed goes into the next batch and is answered from
 * the first result by the ledger (`replayed`).
 */
import type { Logger } from "../../engine/log.ts";
import type { GiftOutcome } from "./contract.ts";
import type { GiftLedger, GiftRequest } from "./ports.ts";

/** A queued gift and its sender's pending reply. */
export interface QueuedGift {
  req: GiftRequest;
  promise: Promise<GiftOutcome>;
  resolve: (o: GiftOutcome) => void;
}

/** What the ledger answered for a batch: one outcome per gift, in order. */
export interface CommittedBatch {
  gifts: QueuedGift[];
  outcomes: GiftOutcome[];
}

export class GiftQueue {
  #queued = new Map<string, QueuedGift>();

  get size(): number {
    return this.#queued.size;
  }

  /** Queues `req` (or joins the queued request of the same sender with the same key). */
  enqueue(req: GiftRequest): Promise<GiftOutcome> {
    const key = `${req.senderId}\u0000${req.idempotencyKey}`;
    const existing = this.#queued.get(key);
    if (existing !== undefined) {
      const same = existing.req.giftId === req.giftId && existing.req.count === req.count &&
        existing.req.roomId === req.roomId;
      return same ? existing.promise : Promise.resolve({
        ok: false,
        code: "idempotency_conflict",
        message: "this idempotency key was already used for a different gift",
      });
    }
    let resolve!: (o: GiftOutcome) => void;
    const promise = new Promise<GiftOutcome>((r) => resolve = r);
    this.#queued.set(key, { req, promise, resolve });
    return promise;
  }

  /** Takes everything queued (the next batch to commit). */
  take(): QueuedGift[] {
    const batch = [...this.#queued.values()];
    this.#queued = new Map();
    return batch;
  }
}

/**
 * Commits one batch in one ledger call; never throws. A ledger that throws (or answers with
 * the wrong number of outcomes) fails the whole batch with `ledger_unavailable`: nothing was
 * committed, and a retry with the same key is safe.
 */
export async function commitGifts(
  ledger: GiftLedger,
  gifts: QueuedGift[],
  log: Logger,
): Promise<CommittedBatch> {
  try {
    const outcomes = await ledger.commitBatch(gifts.map((q) => q.req));
    if (outcomes.length !== gifts.length) {
      throw new Error(`ledger answered ${outcomes.length} outcomes for ${gifts.length} gifts`);
    }
    return { gifts, outcomes };
  } catch (err) {
    log.error("gift batch failed", { gifts: gifts.length, err });
    const failed: GiftOutcome = {
      ok: false,
      code: "ledger_unavailable",
      message: "gifts cannot be committed right now; retry with the same idempotency key",
    };
    return { gifts, outcomes: gifts.map(() => failed) };
  }
}

/** Settles every sender's reply with its own outcome. */
export function settle(batch: CommittedBatch): void {
  batch.gifts.forEach((q, i) => q.resolve(batch.outcomes[i]));
}
