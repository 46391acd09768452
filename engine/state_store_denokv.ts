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
/** Heads this store wrote, remembered at most (the memory starts over past it). */
const WRITTEN_MAX = 50_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class DenoKvStateStore implements StateStore {
  readonly kind = "denokv" as const;
  /**
   * The head this store last wrote per key (its versionstamp and chunks): a write that
   * expects that version knows which chunks it replaces without reading the head back (an
   * actor persists about once a second, and the head of a small state holds the whole value).
   * Only a head read or written here is trusted, and only at its own versionstamp: if anyone
   * else wrote the key since, the atomic check fails as it would have.
   */
  readonly #written = new Map<string, { version: string; head: Head }>();
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
    const memoKey = key.join("\u0000");
    const known = this.#written.get(memoKey);
    let oldHead: Head | null;
    if (expected !== null && known?.version === expected) oldHead = known.head;
    else {
      const old = await this.kv.get<Head>(["s", ...key]);
      if (old.versionstamp !== expected) return null;
      oldHead = old.value;
    }
    const op = this.kv.atomic().check({ key: ["s", ...key], versionstamp: expected });
    if (oldHead && "chunks" in oldHead) {
      for (let i = 0; i < oldHead.chunks; i++) op.delete(["c", ...key, oldHead.gen, i]);
    }
    let head: Head;
    if (!bytes || bytes.length <= CHUNK_BYTES) {
      head = { v: text };
    } else {
      const gen = crypto.randomUUID();
      const chunks = Math.ceil(bytes.length / CHUNK_BYTES);
      for (let i = 0; i < chunks; i++) {
        op.set(["c", ...key, gen, i], bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
      }
      head = { chunks, gen };
    }
    op.set(["s", ...key], head);
    const result = await op.commit();
    if (!result.ok) {
      this.#written.delete(memoKey);
      return null;
    }
    if (this.#written.size >= WRITTEN_MAX) this.#written.clear();
    // only the chunk list is needed later: a value's text is not kept
    this.#written.set(memoKey, {
      version: result.versionstamp,
      head: "chunks" in head ? head : { v: "" },
    });
    return result.versionstamp;
  }

  async delete(key: StateKey, expected: Version): Promise<boolean> {
    this.#written.delete(key.join("\u0000"));
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
