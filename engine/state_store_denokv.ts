/**
 * StateStore on Deno KV (a local file, or a KV Connect URL). Every write is an atomic
 * operation that checks the versionstamp the caller read. Deno KV caps a value at 64 KiB,
 * so larger values are split into chunks written in the same atomic operation as the head
 * record that names them; readers always see a complete value.
 *
 * A local Deno KV file belongs to ONE process (two writers get "database is locked").
 */
import {
  MAX_STATE_BYTES,
  type StateKey,
  type StateStore,
  type Version,
  type Versioned,
} from "./state_store.ts";

/** Heads live under ["s", ...key]; chunks under ["c", ...key, generation, index]. */
type Head = { v: string } | { chunks: number; gen: string };

/** Deno KV's value limit is 64 KiB; chunks stay well under it. */
const CHUNK_BYTES = 60_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class DenoKvStateStore implements StateStore {
  readonly kind = "denokv" as const;
  private constructor(private readonly kv: Deno.Kv) {}

  /** Opens `path` (a file, `:memory:`, or a KV Connect URL); creates the folder. */
  static async open(path?: string): Promise<DenoKvStateStore> {
    if (path && !path.includes("://") && path !== ":memory:") {
      const dir = path.replace(/[/\\][^/\\]*$/, "");
      if (dir && dir !== path) await Deno.mkdir(dir, { recursive: true });
    }
    return new DenoKvStateStore(await Deno.openKv(path));
  }

  async get<T>(key: StateKey): Promise<Versioned<T> | null> {
    const head = await this.kv.get<Head>(["s", ...key]);
    if (head.value === null || head.versionstamp === null) return null;
    const text = await this.#read(key, head.value);
    return { value: JSON.parse(text) as T, version: head.versionstamp };
  }

  async set<T>(key: StateKey, value: T, expected: Version | null): Promise<Version | null> {
    const text = JSON.stringify(value);
    // A UTF-16 unit encodes to 1..3 bytes: only long strings need the exact count.
    const bytes = text.length * 3 > CHUNK_BYTES ? encoder.encode(text) : undefined;
    if (bytes && bytes.length > MAX_STATE_BYTES) {
      throw new RangeError(`state ${key.join("/")} exceeds ${MAX_STATE_BYTES} bytes`);
    }
    const old = await this.kv.get<Head>(["s", ...key]);
    if (old.versionstamp !== expected) return null;
    const op = this.kv.atomic().check({ key: ["s", ...key], versionstamp: expected });
    if (old.value && "chunks" in old.value) {
      for (let i = 0; i < old.value.chunks; i++) op.delete(["c", ...key, old.value.gen, i]);
    }
    if (!bytes || bytes.length <= CHUNK_BYTES) {
      op.set(["s", ...key], { v: text } satisfies Head);
    } else {
      const gen = crypto.randomUUID();
      const chunks = Math.ceil(bytes.length / CHUNK_BYTES);
      for (let i = 0; i < chunks; i++) {
        op.set(["c", ...key, gen, i], bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
      }
      op.set(["s", ...key], { chunks, gen } satisfies Head);
    }
    const result = await op.commit();
    return result.ok ? result.versionstamp : null;
  }

  async delete(key: StateKey, expected: Version): Promise<boolean> {
    const old = await this.kv.get<Head>(["s", ...key]);
    if (old.versionstamp !== expected) return false;
    const op = this.kv.atomic().check({ key: ["s", ...key], versionstamp: expected })
      .delete(["s", ...key]);
    if (old.value && "chunks" in old.value) {
      for (let i = 0; i < old.value.chunks; i++) op.delete(["c", ...key, old.value.gen, i]);
    }
    return (await op.commit()).ok;
  }

  async *list<T>(prefix: StateKey): AsyncIterable<{ key: StateKey } & Versioned<T>> {
    for await (const entry of this.kv.list<Head>({ prefix: ["s", ...prefix] })) {
      const key = entry.key.slice(1).map(String);
      try {
        const text = await this.#read(key, entry.value);
        yield { key, value: JSON.parse(text) as T, version: entry.versionstamp };
      } catch {
        // Rewritten between list and chunk read: the newer value shows up in a later read.
      }
    }
  }

  close(): Promise<void> {
    this.kv.close();
    return Promise.resolve();
  }

  async #read(key: StateKey, head: Head): Promise<string> {
    if ("v" in head) return head.v;
    const keys = Array.from({ length: head.chunks }, (_, i) => ["c", ...key, head.gen, i]);
    const parts: Uint8Array[] = [];
    // getMany takes at most 10 keys per call.
    for (let i = 0; i < keys.length; i += 10) {
      for (const e of await this.kv.getMany<Uint8Array[]>(keys.slice(i, i + 10))) {
        if (e.value === null) throw new Error(`state ${key.join("/")} chunk missing`);
        parts.push(e.value);
      }
    }
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return decoder.decode(all);
  }
}
