/** The in-process transport and the Deno KV store against the shared contracts. */
import assert from "node:assert/strict";
import { actorSubject, partitionOf, rendezvousOwner } from "../engine/partition.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import { MemoryTransport } from "../engine/transport_memory.ts";
import { subjectMatches } from "../engine/subject.ts";
import { SubjectTrie } from "../engine/subject_trie.ts";
import { stateStoreContract } from "./helpers/state_store_contract.ts";
import { transportContract } from "./helpers/transport_contract.ts";

transportContract("memory", () => {
  const t = new MemoryTransport();
  return Promise.resolve({ a: t, b: t, prefix: "mem", close: () => t.close() });
});

stateStoreContract("denokv", async () => {
  const dir = await Deno.makeTempDir();
  const store = await DenoKvStateStore.open(`${dir}/state.kv`);
  return {
    store,
    async close() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});

Deno.test("denokv store: values past 64 KiB are chunked and rewritten atomically", async () => {
  const dir = await Deno.makeTempDir();
  const store = await DenoKvStateStore.open(`${dir}/state.kv`);
  try {
    const big = { text: "弹幕".repeat(60_000), n: 1 }; // ~360 KB of UTF-8
    const v1 = await store.set(["big", "x"], big, null);
    assert.ok(v1);
    assert.deepEqual((await store.get(["big", "x"]))?.value, big);
    const v2 = await store.set(["big", "x"], { small: true }, v1);
    assert.ok(v2);
    assert.deepEqual((await store.get(["big", "x"]))?.value, { small: true });
    assert.equal(await store.set(["big", "x"], big, v1), null, "stale version refused");
    await assert.rejects(store.set(["big", "y"], { t: "x".repeat(600_000) }, null), RangeError);
    // rewrites that follow the store's own writes (it remembers which chunks it wrote
    // instead of reading the head back) still replace every chunk of the value before
    const v3 = await store.set(["big", "x"], big, v2);
    const v4 = await store.set(["big", "x"], { ...big, n: 2 }, v3);
    assert.deepEqual((await store.get(["big", "x"]))?.value, { ...big, n: 2 });
    assert.ok(await store.set(["big", "x"], { small: 2 }, v4));
    assert.equal(await store.set(["big", "x"], { small: 3 }, v4), null, "stale version refused");
  } finally {
    await store.close();
  }
  const kv = await Deno.openKv(`${dir}/state.kv`);
  try {
    const chunks = await Array.fromAsync(kv.list({ prefix: ["c"] }));
    assert.equal(chunks.length, 0, "no chunk outlives the value it belonged to");
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("partitions: stable hash, subjects, rendezvous moves only a share", () => {
  assert.equal(partitionOf("lobby", 64), partitionOf("lobby", 64));
  assert.match(actorSubject("rooms", "lobby", 64), /^rooms\.p\d+\.lobby$/);
  const counts = new Map<number, number>();
  for (let i = 0; i < 6400; i++) {
    const k = partitionOf(`room-${i}`, 64);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  assert.equal(counts.size, 64);
  assert.ok(Math.max(...counts.values()) < 200, "rooms spread over partitions");
  const three = ["a", "b", "c"];
  const four = [...three, "d"];
  let moved = 0;
  for (let p = 0; p < 256; p++) {
    const before = rendezvousOwner(p, three);
    const after = rendezvousOwner(p, four);
    if (before !== after) {
      moved++;
      assert.equal(after, "d", "only moves to the new instance");
    }
  }
  assert.ok(moved > 256 / 4 * 0.6 && moved < 256 / 4 * 1.4, `about 1/4 moved (${moved})`);
});

Deno.test("subject trie: wildcard and literal matches agree with subjectMatches", () => {
  const patterns = ["a.b.c", "a.*.c", "a.>", "*.b.*", ">", "a.b", "x.y.>", "a.*"];
  const subjects = ["a.b.c", "a.x.c", "a.b", "q.b.r", "x.y", "x.y.z.w", "a", "a.b.c.d"];
  const trie = new SubjectTrie<string>();
  for (const p of patterns) trie.add(p, p);
  for (const s of subjects) {
    const got: string[] = [];
    trie.match(s, (p) => got.push(p));
    assert.deepEqual(got.sort(), patterns.filter((p) => subjectMatches(p, s)).sort(), s);
  }
  for (const p of patterns) trie.remove(p, p);
  assert.equal(trie.size, 0);
  const none: string[] = [];
  trie.match("a.b.c", (p) => none.push(p));
  assert.deepEqual(none, []);
});
