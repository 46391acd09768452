/**
 * The behaviour every `StateStore` must show, as Deno tests parametrised by a factory
 * (`stateStoreContract("jetstream", async () => ({ store, close }))`).
 */
import assert from "node:assert/strict";
import { MAX_STATE_BYTES, type StateStore } from "../../engine/state_store.ts";

export interface StoreUnderTest {
  store: StateStore;
  close(): Promise<void>;
}

export function stateStoreContract(name: string, make: () => Promise<StoreUnderTest>): void {
  const t = (what: string, fn: (s: StateStore) => Promise<void>) =>
    Deno.test(`${name} state store: ${what}`, async () => {
      const { store, close } = await make();
      try {
        await fn(store);
      } finally {
        await close();
      }
    });

  t("get of a missing key is null", async (s) => {
    assert.equal(await s.get(["rooms", "nope"]), null);
  });

  t("create then compare-and-set updates; stale versions are refused", async (s) => {
    const v1 = await s.set(["rooms", "r1"], { n: 1 }, null);
    assert.ok(v1);
    assert.equal(
      await s.set(["rooms", "r1"], { n: 99 }, null),
      null,
      "create over an existing key",
    );
    const v2 = await s.set(["rooms", "r1"], { n: 2 }, v1);
    assert.ok(v2);
    assert.notEqual(v2, v1);
    assert.equal(await s.set(["rooms", "r1"], { n: 3 }, v1), null, "write with a stale version");
    assert.deepEqual(await s.get(["rooms", "r1"]), { value: { n: 2 }, version: v2 });
  });

  t("delete checks the version; a deleted key can be created again", async (s) => {
    const v1 = await s.set(["rooms", "d1"], { a: true }, null);
    assert.ok(v1);
    const v2 = await s.set(["rooms", "d1"], { a: false }, v1);
    assert.ok(v2);
    assert.equal(await s.delete(["rooms", "d1"], v1), false);
    assert.equal(await s.delete(["rooms", "d1"], v2), true);
    assert.equal(await s.get(["rooms", "d1"]), null);
    const v3 = await s.set(["rooms", "d1"], { a: 1 }, null);
    assert.ok(v3);
    assert.deepEqual((await s.get(["rooms", "d1"]))?.value, { a: 1 });
  });

  t("list returns the entries under a prefix only", async (s) => {
    await s.set(["rooms", "a", "meta"], 1, null);
    await s.set(["rooms", "b", "meta"], 2, null);
    await s.set(["other", "a", "meta"], 3, null);
    const got: { key: readonly string[]; value: number }[] = [];
    for await (const e of s.list<number>(["rooms"])) got.push({ key: e.key, value: e.value });
    got.sort((x, y) => x.value - y.value);
    assert.deepEqual(got, [{ key: ["rooms", "a", "meta"], value: 1 }, {
      key: ["rooms", "b", "meta"],
      value: 2,
    }]);
  });

  t("values up to MAX_STATE_BYTES round-trip; larger ones are refused", async (s) => {
    const big = { text: "x".repeat(MAX_STATE_BYTES - 64) };
    const v = await s.set(["rooms", "big"], big, null);
    assert.ok(v);
    assert.equal((await s.get<typeof big>(["rooms", "big"]))?.value.text.length, big.text.length);
    await assert.rejects(
      s.set(["rooms", "big2"], { text: "y".repeat(MAX_STATE_BYTES + 10) }, null),
    );
  });

  t("concurrent writers on one version: exactly one wins", async (s) => {
    const v0 = await s.set(["rooms", "race"], 0, null);
    assert.ok(v0);
    const results = await Promise.all([1, 2, 3, 4].map((n) => s.set(["rooms", "race"], n, v0)));
    assert.equal(results.filter((r) => r !== null).length, 1);
  });
}
