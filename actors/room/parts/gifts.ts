/**
 * The gifts part: the `gift` command and the room's group commit. Gifts wait in a queue
 * (`gift_queue.ts`); at the next tick the whole queue goes to the ledger in one transaction,
 * beside the room's mailbox: the room goes on with its chat meanwhile. The outcome comes back
 * as this part's own message (`RoomApi.self`), which acks each sender with its own outcome
 * and publishes the committed gifts. One batch is in flight at a time (gifts arriving
 * meanwhile form the next); passivation waits for it and commits what is still queued; if the
 * room is gone when the ledger answers, the senders are still answered (no broadcast: the
 * room that would publish it has stopped). Idempotency keys make a retry safe at any point.
 */
import { ActorError, type DeferredReply, deferReply } from "../../../engine/actor.ts";
import type { CommandOf, GiftOutcome } from "../contract.ts";
import { commitGifts, type CommittedBatch, GiftQueue, settle } from "../gift_queue.ts";
import type { RoomApi, RoomPart } from "../part.ts";
import type { GiftLedger } from "../ports.ts";

interface Committed {
  id: number;
  batch: CommittedBatch;
}

export class GiftsPart implements RoomPart {
  readonly name = "gifts";
  readonly #queue = new GiftQueue();
  /** The batch the ledger is committing now, if any. */
  #inFlight: { id: number; done: Promise<CommittedBatch> } | null = null;
  #batches = 0;

  constructor(
    private readonly api: RoomApi,
    private readonly ledger: GiftLedger | undefined,
    /** Told of each committed gift (the stats part's series). */
    private readonly onCommitted: (count: number, amount: string) => void = () => {},
  ) {}

  readonly commands = {
    gift: (cmd: CommandOf<"gift">) => this.#gift(cmd),
  };

  busy(): boolean {
    return this.#queue.size > 0 || this.#inFlight !== null;
  }

  onTick(): void {
    this.#startCommit();
  }

  onSelf(msg: unknown): void {
    const { id, batch } = msg as Committed;
    this.#committed(id, batch);
  }

  async onPassivate(): Promise<void> {
    while (this.#inFlight !== null || this.#queue.size > 0) {
      if (this.#inFlight === null) this.#startCommit();
      if (this.#inFlight === null) break; // no ledger
      const { id, done } = this.#inFlight;
      this.#committed(id, await done);
    }
  }

  #gift(cmd: CommandOf<"gift">): DeferredReply<GiftOutcome> {
    if (this.ledger === undefined) {
      throw new ActorError("gifts_unavailable", "gifts are not available on this server");
    }
    this.api.access.requireGuestsAllowed(cmd.actor);
    this.api.access.requireNotBanned(cmd.actor, "you are banned from this room");
    const promise = this.#queue.enqueue({
      idempotencyKey: cmd.idempotencyKey,
      roomId: this.api.roomId,
      senderId: cmd.actor.userId,
      senderName: cmd.actor.name,
      giftId: cmd.giftId,
      count: cmd.count,
    });
    this.api.wake();
    return deferReply(promise);
  }

  /** Hands the queued gifts to the ledger; the room goes on with its mailbox. */
  #startCommit(): void {
    if (this.ledger === undefined || this.#inFlight !== null || this.#queue.size === 0) return;
    const id = ++this.#batches;
    const done = commitGifts(this.ledger, this.#queue.take(), this.api.log);
    this.#inFlight = { id, done };
    done.then((batch) => {
      if (!this.api.self({ id, batch } satisfies Committed)) settle(batch);
    });
  }

  /** The ledger answered: the senders get their outcomes, committed gifts go in the batch. */
  #committed(id: number, batch: CommittedBatch): void {
    if (this.#inFlight?.id !== id) return; // applied already (passivation)
    this.#inFlight = null;
    settle(batch);
    const now = this.api.now();
    for (const [i, { req }] of batch.gifts.entries()) {
      const outcome = batch.outcomes[i];
      if (!outcome.ok || outcome.replayed) continue;
      this.onCommitted(req.count, outcome.amount);
      this.api.emit({
        t: "gift",
        g: {
          id: this.api.nextId(),
          userId: req.senderId,
          name: req.senderName,
          giftId: req.giftId,
          giftName: outcome.giftName,
          count: req.count,
          amount: outcome.amount,
          at: now,
        },
      });
    }
    this.#startCommit();
    this.api.wake();
  }
}
