/**
 * Gifts waiting for the room's next tick. All gifts of a tick go to the ledger in one
 * `commitBatch` call (one transaction: group commit); each sender's reply settles with its
 * own outcome. A retry of a request already queued (same sender, same idempotency key)
 * shares the first request; keys are per sender, as in the ledger.
 */
import type { Logger } from "../../engine/log.ts";
import type { GiftOutcome } from "./contract.ts";
import type { GiftLedger, GiftRequest } from "./ports.ts";

interface Queued {
  req: GiftRequest;
  promise: Promise<GiftOutcome>;
  resolve: (o: GiftOutcome) => void;
}

export interface CommittedGift {
  req: GiftRequest;
  outcome: GiftOutcome;
}

export class GiftQueue {
  #queued = new Map<string, Queued>();

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

  /**
   * Commits everything queued in one ledger call and settles every reply. A ledger that
   * throws (or answers with the wrong number of outcomes) fails the whole batch with
   * `ledger_unavailable`: nothing was committed, and a retry with the same key is safe.
   */
  async commit(ledger: GiftLedger, log: Logger): Promise<CommittedGift[]> {
    if (this.#queued.size === 0) return [];
    const batch = [...this.#queued.values()];
    this.#queued = new Map();
    let outcomes: GiftOutcome[];
    try {
      outcomes = await ledger.commitBatch(batch.map((q) => q.req));
      if (outcomes.length !== batch.length) {
        throw new Error(`ledger answered ${outcomes.length} outcomes for ${batch.length} gifts`);
      }
    } catch (err) {
      log.error("gift batch failed", { gifts: batch.length, err });
      const failed: GiftOutcome = {
        ok: false,
        code: "ledger_unavailable",
        message: "gifts cannot be committed right now; retry with the same idempotency key",
      };
      outcomes = batch.map(() => failed);
    }
    return batch.map((q, i) => {
      q.resolve(outcomes[i]);
      return { req: q.req, outcome: outcomes[i] };
    });
  }
}
