/**
 * Serves this process's actors over the transport: for each owned partition it subscribes
 * `{type}.p{k}.*` for every hosted actor type and hands each request to the ActorSystem.
 * Releasing a partition unsubscribes first (new requests get "no responders" and are
 * retried by senders) and then passivates its actors, persisting their state.
 */
import { decodeJson, encodeJson } from "./codec.ts";
import { type ActorReply, type ActorRequest, errorReply } from "./envelope.ts";
import { partitionOf, partitionPattern } from "./partition.ts";
import type { ActorSystem } from "./runtime.ts";
import type { Message, Subscription, Transport } from "./transport.ts";

export interface ActorHostOptions {
  partitions: number;
  /** Actor types served (default: every type registered in the system). */
  types?: string[];
  /** Called around each request (tracing); default none. */
  onRequest?: (type: string, id: string, msg: Message, run: () => Promise<void>) => Promise<void>;
}

export class ActorHost {
  #subs = new Map<number, Subscription[]>();
  #types: string[];

  constructor(
    private readonly system: ActorSystem,
    private readonly transport: Transport,
    private readonly opts: ActorHostOptions,
  ) {
    this.#types = opts.types ?? system.types();
  }

  ownAll(): void {
    this.own(Array.from({ length: this.opts.partitions }, (_, k) => k));
  }

  own(partitions: number[]): void {
    for (const k of partitions) {
      if (this.#subs.has(k)) continue;
      this.#subs.set(
        k,
        this.#types.map((type) =>
          this.transport.subscribe(partitionPattern(type, k), (msg) => this.#serve(type, msg))
        ),
      );
    }
  }

  async release(partitions: number[]): Promise<void> {
    const set = new Set(partitions);
    for (const k of set) {
      for (const sub of this.#subs.get(k) ?? []) sub.unsubscribe();
      this.#subs.delete(k);
    }
    await this.system.passivateWhere((_type, id) => set.has(partitionOf(id, this.opts.partitions)));
  }

  async releaseAll(): Promise<void> {
    await this.release(this.owned());
  }

  owned(): number[] {
    return [...this.#subs.keys()].sort((a, b) => a - b);
  }

  #serve(type: string, msg: Message): Promise<void> {
    const id = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
    const run = async () => {
      let reply: ActorReply;
      try {
        const req = decodeJson<ActorRequest>(msg.data);
        reply = { ok: true, result: await this.system.ask(type, id, req.msg) };
      } catch (err) {
        reply = errorReply(err);
      }
      if (msg.expectsReply) msg.respond(encodeJson(reply));
    };
    return this.opts.onRequest ? this.opts.onRequest(type, id, msg, run) : run();
  }
}
