/**
 * Recordings on the local disk: the filesystem `ObjectStore` behaves as S3 does for the
 * recorder and VOD (put, list by prefix in key order, usage, delete), and its signed URLs
 * are served by the edge only while their signature and expiry hold.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { LocalObjectStore } from "../media/local_object_store.ts";
import { localObjectRoutes } from "../edge/routes/media_objects.ts";

async function withStore(fn: (store: LocalObjectStore, root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "synapse-objects-" });
  const store = new LocalObjectStore(`${root}/objects`, "a-test-secret");
  await store.ensureBucket();
  try {
    await fn(store, root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("local objects: put, get, list by prefix, usage, delete", () =>
  withStore(async (store, root) => {
    await store.put("recordings/r1/rec_a/seg_000002.ts", new Uint8Array([1, 2, 3]));
    await store.put("recordings/r1/rec_a/seg_000001.ts", new Uint8Array([4, 5]));
    await store.put("recordings/r1/rec_b/seg_000001.ts", new Uint8Array([6]));
    await Deno.writeTextFile(`${root}/f.txt`, "from a file");
    assert.equal(await store.putFile("recordings/r2/notes.txt", `${root}/f.txt`), 11);
    assert.equal(await store.getText("recordings/r2/notes.txt"), "from a file");
    assert.deepEqual(
      (await store.list("recordings/r1/rec_a/")).map((o) => [o.key, o.size]),
      [["recordings/r1/rec_a/seg_000001.ts", 2], ["recordings/r1/rec_a/seg_000002.ts", 3]],
    );
    assert.deepEqual(
      (await store.list("recordings/r1/rec_")).map((o) => o.key),
      [
        "recordings/r1/rec_a/seg_000001.ts",
        "recordings/r1/rec_a/seg_000002.ts",
        "recordings/r1/rec_b/seg_000001.ts",
      ],
    );
    assert.equal(await store.usage("recordings/"), 17);
    assert.equal(await store.exists("recordings/r1/rec_b/seg_000001.ts"), true);
    await store.delete("recordings/r1/rec_b/seg_000001.ts");
    await store.delete("recordings/r1/rec_b/seg_000001.ts"); // deleting twice is fine
    assert.equal(await store.exists("recordings/r1/rec_b/seg_000001.ts"), false);
    assert.equal(await store.get("recordings/none"), undefined);
    assert.deepEqual(await store.list("nothing/here/"), []);
  }));

Deno.test("local objects: keys that would leave the folder are refused", () =>
  withStore(async (store) => {
    for (const key of ["../escape", "a/../../b", "/abs", "a//b", ".hidden", "a/.git/x", ""]) {
      await assert.rejects(() => store.put(key, "x"), /bad object key/, key);
      await assert.rejects(() => store.presignGet(key, 60, { forPlayer: true }), /bad object key/);
    }
  }));

Deno.test("local objects: signed URLs are served; bad, tampered or expired ones are 403", () =>
  withStore(async (store) => {
    const app = new Hono().route("/", localObjectRoutes(store));
    const body = new Uint8Array(1000).map((_, i) => i & 0xff);
    await store.put("recordings/r1/rec_a/seg_000001.ts", body);
    await store.put("recordings/r1/rec_a/other.ts", new Uint8Array([9]));
    await assert.rejects(() => store.presignGet("recordings/r1/rec_a/seg_000001.ts"), /origin/);
    store.bindOrigin("http://127.0.0.1:9");
    const absolute = await store.presignGet("recordings/r1/rec_a/seg_000001.ts", 60);
    assert.match(
      absolute,
      /^http:\/\/127\.0\.0\.1:9\/media\/objects\/recordings\/r1\/rec_a\/seg_000001\.ts\?exp=\d+&sig=[0-9a-f]{64}$/,
    );
    const path = await store.presignGet("recordings/r1/rec_a/seg_000001.ts", 60, {
      forPlayer: true,
    });
    assert.ok(path.startsWith("/media/objects/recordings/r1/rec_a/seg_000001.ts?exp="));

    const ok = await app.request(path);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("content-type"), "video/mp2t");
    assert.deepEqual(new Uint8Array(await ok.arrayBuffer()), body);

    const part = await app.request(path, { headers: { range: "bytes=10-19" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), "bytes 10-19/1000");
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), body.slice(10, 20));

    // The signature names the key: it opens nothing else.
    const other = path.replace("seg_000001.ts", "other.ts");
    assert.equal((await app.request(other)).status, 403);
    const tampered = path.replace(/sig=([0-9a-f])/, (_, c) => `sig=${c === "0" ? "1" : "0"}`);
    const denied = await app.request(tampered);
    assert.equal(denied.status, 403);
    assert.equal((await denied.json()).error.code, "bad_signature");
    assert.equal((await app.request(path.replace(/&sig=.*/, ""))).status, 403);
    // Served through its declaration (the key is the rest of the path): without `exp` and
    // `sig` it is the same refusal, and a key spelled with escapes is the same key.
    const bare = await app.request("/media/objects/recordings/r1/rec_a/seg_000001.ts");
    assert.deepEqual([bare.status, (await bare.json()).error.code], [403, "bad_signature"]);
    const escaped = await app.request(path.replace("rec_a/seg_", "rec_a%2Fseg_"));
    assert.equal(escaped.status, 200);
    await escaped.body?.cancel();
    const expired = await store.presignGet("recordings/r1/rec_a/seg_000001.ts", -1, {
      forPlayer: true,
    });
    assert.equal((await app.request(expired)).status, 403);

    const gone = await store.presignGet("recordings/r1/rec_a/seg_000009.ts", 60, {
      forPlayer: true,
    });
    assert.equal((await app.request(gone)).status, 404);
    // Another store's secret signs nothing here.
    const stranger = new LocalObjectStore(store.root, "another-secret");
    const foreign = await stranger.presignGet("recordings/r1/rec_a/seg_000001.ts", 60, {
      forPlayer: true,
    });
    assert.equal((await app.request(foreign)).status, 403);
  }));
