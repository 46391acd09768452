/**
 * Partition leases in a JetStream KV bucket with a TTL: key `p{k}`, value the owner's
 * instance id. Taken by `create` (refused while held), kept by compare-and-set `update` on
 * the revision the holder got (refused once it expired or moved), given back by a delete on
 * that revision. The holder also tracks locally, on a monotonic clock, until when its
 * lease is certainly still valid; past that it must stop acting (fencing after a pause).
 */
import { type KV, KvWatchInclude } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeJson, encodeJson } from "./codec.ts";
import { isRevisionConflict, listKeys, openBucket } from "./jetstream_kv.ts";

export interface LeaseRecord {
  owner: string;
  at: number;
}

export interface LeaseTableOptions {
  bucket?: string;
  ttlMs: number;
  replicas?: number;
}

const key = (partition: number) => `p${partition}`;

export class LeaseTable {
  private constructor(readonly kv: KV) {}

  static async open(nc: NatsConnection, opts: LeaseTableOptions): Promise<LeaseTable> {
    const kv = await openBucket(nc, opts.bucket ?? "cluster_leases", {
      ttl: opts.ttlMs,
      replicas: opts.replicas ?? 1,
    });
    return new LeaseTable(kv);
  }

  /** Take a free lease; its revision, or null while someone holds it. */
  async acquire(partition: number, owner: string): Promise<number | null> {
    try {
      return await this.kv.create(key(partition), encodeJson({ owner, at: Date.now() }));
    } catch (err) {
      if (isRevisionConflict(err)) return null;
      throw err;
    }
  }

  /** Keep a held lease; the new revision, or null when it expired or moved. */
  async refresh(partition: number, owner: string, revision: number): Promise<number | null> {
    try {
      return await this.kv.update(key(partition), encodeJson({ owner, at: Date.now() }), revision);
    } catch (err) {
      if (isRevisionConflict(err)) return null;
      throw err;
    }
  }

  /** Give a lease back; false when it was no longer ours. */
  async release(partition: number, revision: number): Promise<boolean> {
    try {
      await this.kv.delete(key(partition), { previousSeq: revision });
      return true;
    } catch (err) {
      if (isRevisionConflict(err)) return false;
      throw err;
    }
  }

  /** Current holders: partition → owner. */
  async holders(): Promise<Map<number, LeaseRecord & { revision: number }>> {
    const out = new Map<number, LeaseRecord & { revision: number }>();
    for (const k of await listKeys(this.kv)) {
      const e = await this.kv.get(k);
      if (!e || e.operation !== "PUT") continue;
      out.set(Number(k.slice(1)), { ...decodeJson<LeaseRecord>(e.value), revision: e.revision });
    }
    return out;
  }

  /** Calls `onFree(partition)` when a lease is deleted (a graceful hand-over). */
  async watchReleases(onFree: (partition: number) => void): Promise<() => void> {
    const it = await this.kv.watch({ include: KvWatchInclude.UpdatesOnly });
    (async () => {
      for await (const e of it) if (e.operation !== "PUT") onFree(Number(e.key.slice(1)));
    })().catch(() => {});
    return () => it.stop();
  }
}
