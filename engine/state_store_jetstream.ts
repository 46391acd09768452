/**
 * StateStore on a JetStream KV bucket, shared by every engine instance of a cluster (and
 * replicated with the NATS cluster). Key parts are joined with "." (parts match
 * `[A-Za-z0-9_-]+`, so the join is unambiguous). Every write is a compare-and-set on the
 * revision the writer read: `create` when it expects no key, `update(key, value, revision)`
 * otherwise; a conflict answers `null`, so a stale activation can never overwrite a newer one.
 */
import type { KV, KvEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  isRevisionConflict,
  listKeys,
  openBucket,
  revisionToVersion,
  versionToRevision,
} from "./jetstream_kv.ts";
import {
  MAX_STATE_BYTES,
  type StateKey,
  type StateStore,
  type Version,
  type Versioned,
} from "./state_store.ts";

const PART = /^[A-Za-z0-9_-]+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface JetStreamStateStoreOptions {
  /** Bucket name; default `actor_state`. */
  bucket?: string;
  /** Replicas of the bucket's stream (1, 3 or 5); default 1. */
  replicas?: number;
}

export class JetStreamStateStore implements StateStore {
  readonly kind = "jetstream" as const;
  private constructor(private readonly kv: KV) {}

  /** Open (creating if needed) the state bucket on an existing connection. */
  static async open(
    nc: NatsConnection,
    opts: JetStreamStateStoreOptions = {},
  ): Promise<JetStreamStateStore> {
    const kv = await openBucket(nc, opts.bucket ?? "actor_state", {
      replicas: opts.replicas ?? 1,
      // JSON text plus headroom; NATS' default max_payload (1 MiB) stays above it.
      maxValueSize: MAX_STATE_BYTES + 4096,
    });
    return new JetStreamStateStore(kv);
  }

  async get<T>(key: StateKey): Promise<Versioned<T> | null> {
    const entry = await this.kv.get(toKvKey(key));
    if (!isLive(entry)) return null;
    return {
      value: JSON.parse(decoder.decode(entry.value)) as T,
      version: revisionToVersion(entry.revision),
    };
  }

  async set<T>(key: StateKey, value: T, expected: Version | null): Promise<Version | null> {
    const k = toKvKey(key);
    const bytes = encoder.encode(JSON.stringify(value));
    if (bytes.length > MAX_STATE_BYTES) {
      throw new RangeError(`state ${key.join("/")} exceeds ${MAX_STATE_BYTES} bytes`);
    }
    try {
      if (expected === null) return revisionToVersion(await this.kv.create(k, bytes));
      const rev = versionToRevision(expected);
      if (rev === null) return null;
      return revisionToVersion(await this.kv.update(k, bytes, rev));
    } catch (err) {
      if (isRevisionConflict(err)) return null;
      throw err;
    }
  }

  async delete(key: StateKey, expected: Version): Promise<boolean> {
    const rev = versionToRevision(expected);
    if (rev === null) return false;
    try {
      await this.kv.delete(toKvKey(key), { previousSeq: rev });
      return true;
    } catch (err) {
      if (isRevisionConflict(err)) return false;
      throw err;
    }
  }

  async *list<T>(prefix: StateKey): AsyncIterable<{ key: StateKey } & Versioned<T>> {
    const filter = prefix.length === 0 ? ">" : `${toKvKey(prefix)}.>`;
    const keys = (await listKeys(this.kv, filter)).sort();
    for (const k of keys) {
      const entry = await this.kv.get(k);
      if (!isLive(entry)) continue;
      yield {
        key: k.split("."),
        value: JSON.parse(decoder.decode(entry.value)) as T,
        version: revisionToVersion(entry.revision),
      };
    }
  }

  /** The connection belongs to the caller; nothing to release here. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function toKvKey(key: StateKey): string {
  if (key.length === 0) throw new RangeError("state key must have at least one part");
  for (const part of key) {
    if (!PART.test(part)) {
      throw new RangeError(`state key part ${JSON.stringify(part)} is not [A-Za-z0-9_-]+`);
    }
  }
  return key.join(".");
}

function isLive(entry: KvEntry | null): entry is KvEntry {
  return entry !== null && entry.operation === "PUT";
}
