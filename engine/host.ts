/**
 * Serves this process's actors over the transport: for each owned partition it subscribes
 * `{type}.p{k}.*` for every hosted actor type and hands each request to the ActorSystem, and
 * `{type}.p{k}.*.batch` for batches of messages to one actor (envelope.ts): their messages
 * enter the actor's mailbox in the batch's order, at once, and one reply carries each one's
 * answer.
 * Releasing a partition drains its subscriptions first (new requests get "no responders"
 * and are retried by senders; those already on their way are still answered) and then
 * passivates its actors, persisting their state.
 */
import { decodeJson, encodeJson } from "./codec.ts";
import {
  type ActorBatchReply,
  type ActorReply,
  type ActorRequest,
  BATCH_VERSION,
  batchMessages,
  errorReply,
} from "./envelope.ts";
import { partitionBatchPattern, partitionOf, partitionPattern } from "./partition.ts";
import type { ActorSystem } from "./runtime.ts";
import type { Message, Subscription, Transport } from "./transport.ts";

/** How long a release waits for in-flight requests to arrive (NATS: one round trip). */
const DRAIN_BOUND_MS = 2_000;

export interface ActorHostOptions {
  partitions: number;
  /** Actor types served (default: every type registered in the system). */
  types?: string[];
  /** Called around each request, single or batch (tracing); default none. */
  onRequest?: (type: string, id: string, msg: Message, run: () => Promise<void>) => Promise<void>;
}

export class ActorHost {
  #subs = new Map<number, Subscription[]>();
  #types: string[];
  #typeSet: Set<string>;

  constructor(
    private readonly system: ActorSystem,
    private readonly transport: Transport,
    private readonly opts: ActorHostOptions,
  ) {
    this.#types = opts.types ?? system.types();
    this.#typeSet = new Set(this.#types);
  }

  /**
   * True while this host serves `(type, id)`: the type is hosted, its partition owned, and
   * the id one subject token (the only ids `#serve` is ever handed).
   */
  serves(type: string, id: string): boolean {
    return this.#typeSet.has(type) && this.#subs.has(partitionOf(id, this.opts.partitions)) &&
      !id.includes(".");
  }

  ownAll(): void {
    this.own(Array.from({ length: this.opts.partitions }, (_, k) => k));
  }

  own(partitions: number[]): void {
    for (const k of partitions) {
      if (this.#subs.has(k)) continue;
      this.#subs.set(
        k,
        this.#types.flatMap((type) => [
          this.transport.subscribe(partitionPattern(type, k), (msg) => this.#serve(type, msg)),
          this.transport.subscribe(
            partitionBatchPattern(type, k),
            (msg) => this.#serveBatch(type, msg),
          ),
        ]),
      );
    }
  }

  /**
   * Stops serving `partitions`: drains their subscriptions (requests the transport routed
   * here before it stopped still reach their actors and get answers, in order, before the
   * passivation; a plain unsubscribe would drop them and leave their senders waiting out the
   * request timeout), then passivates their actors.
   */
  async release(partitions: number[]): Promise<void> {
    const set = new Set(partitions);
    const draining: Promise<void>[] = [];
    for (const k of set) {
      for (const sub of this.#subs.get(k) ?? []) draining.push(sub.drain());
      this.#subs.delete(k);
    }
    await this.#bounded(Promise.all(draining));
    await this.system.passivateWhere((_type, id) => set.has(partitionOf(id, this.opts.partitions)));
  }

  /** A drain waits for a round trip to the server: not longer than `DRAIN_BOUND_MS`. */
  async #bounded(p: Promise<unknown>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([p, new Promise((r) => timer = setTimeout(r, DRAIN_BOUND_MS))]);
    clearTimeout(timer);
  }

  async releaseAll(): Promise<void> {
    await this.release(this.owned());
  }

  owned(): number[] {
    return [...this.#subs.keys()].sort((a, b) => a - b);
  }

  /** `{type}.p{k}.{id}`: one message, one reply. */
  #serve(type: string, msg: Message): Promise<void> {
    const id = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
    return this.#answer(type, id, msg, async (data): Promise<ActorReply> => {
      const req = decodeJson<ActorRequest>(data);
      return { ok: true, result: await this.system.ask(type, id, req.msg) };
    });
  }

  /** `{type}.p{k}.{id}.batch`: every message enqueued now, in order; one reply for all. */
  #serveBatch(type: string, msg: Message): Promise<void> {
    const tokens = msg.subject.split(".");
    const id = tokens[tokens.length - 2];
    return this.#answer(type, id, msg, async (data): Promise<ActorBatchReply> => {
      const msgs = batchMessages(decodeJson(data));
      const replies = await Promise.all(
        msgs.map((m) =>
          this.system.ask(type, id, m).then(
            (result): ActorReply => ({ ok: true, result }),
            errorReply,
          )
        ),
      );
      return { v: BATCH_VERSION, replies };
    });
  }

  /**
   * The skeleton both forms share: `answer` decodes the request and asks the actor(s); a
   * throw (a bad envelope, a failed ask) becomes one error reply; the reply is sent when the
   * sender waits for one; `onRequest` wraps the whole turn.
   */
  #answer(
    type: string,
    id: string,
    msg: Message,
    answer: (data: Uint8Array) => Promise<ActorReply | ActorBatchReply>,
  ): Promise<void> {
    const run = async () => {
      let reply: ActorReply | ActorBatchReply;
      try {
        reply = await answer(msg.data);
      } catch (err) {
        reply = errorReply(err);
      }
      if (msg.expectsReply) msg.respond(encodeJson(reply));
    };
    return this.opts.onRequest ? this.opts.onRequest(type, id, msg, run) : run();
  }
}
