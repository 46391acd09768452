/**
 * Cluster membership: each engine instance keeps a key in a JetStream KV bucket whose TTL
 * removes it when the instance stops heartbeating (crash, pause, partition from NATS).
 * A graceful leave deletes the key so others react at once.
 */
import { type KV, KvWatchInclude } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeJson, encodeJson } from "./codec.ts";
import { listKeys, openBucket } from "./jetstream_kv.ts";
import { INSTANCE_ID } from "./instance_id.ts";

/** What an instance says about itself in the membership bucket. */
export interface MemberInfo {
  id: string;
  role: "engine" | "all";
  hostname: string;
  pid: number;
  startedAt: number;
  heartbeatAt: number;
  /** Where its `/metrics` and `/healthz` answer, if it serves HTTP. */
  httpUrl?: string;
}

export interface MembershipOptions {
  bucket?: string;
  ttlMs: number;
  replicas?: number;
}

export class Membership {
  private constructor(readonly kv: KV) {}

  static async open(nc: NatsConnection, opts: MembershipOptions): Promise<Membership> {
    const kv = await openBucket(nc, opts.bucket ?? "cluster_members", {
      ttl: opts.ttlMs,
      replicas: opts.replicas ?? 1,
    });
    return new Membership(kv);
  }

  /** Write (or refresh) this instance's record; the TTL restarts with every write. */
  async heartbeat(info: MemberInfo): Promise<void> {
    if (!INSTANCE_ID.test(info.id)) throw new RangeError(`bad instance id ${info.id}`);
    await this.kv.put(info.id, encodeJson(info));
  }

  /** Live members (records younger than the TTL), sorted by id. */
  async members(): Promise<MemberInfo[]> {
    const ids = await listKeys(this.kv);
    const out: MemberInfo[] = [];
    for (const id of ids.sort()) {
      const e = await this.kv.get(id);
      if (e && e.operation === "PUT") out.push(decodeJson<MemberInfo>(e.value));
    }
    return out;
  }

  async leave(id: string): Promise<void> {
    await this.kv.delete(id);
  }

  /**
   * Calls `onChange` when a member record is written or deleted (not on TTL expiry, which
   * JetStream does not announce: poll `members()` too). Returns a stop function.
   */
  async watch(onChange: (id: string, op: "PUT" | "DEL") => void): Promise<() => void> {
    const it = await this.kv.watch({ include: KvWatchInclude.UpdatesOnly });
    (async () => {
      for await (const e of it) onChange(e.key, e.operation === "PUT" ? "PUT" : "DEL");
    })().catch(() => {});
    return () => it.stop();
  }
}
