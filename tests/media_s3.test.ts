import assert from "node:assert/strict";
import { S3ObjectStore } from "../media/s3.ts";
import {
  clipKey,
  parseRecordingKey,
  playlistKey,
  segmentKey,
} from "../actors/recording/storage_keys.ts";
import { startMinio } from "./helpers/minio.ts";

Deno.test("storage keys: layout under recordings/{room}/{rec}/, bad ids refused", () => {
  assert.equal(segmentKey("room1", "rec1", 7), "recordings/room1/rec1/seg_000007.ts");
  assert.equal(playlistKey("room1", "rec1"), "recordings/room1/rec1/index.m3u8");
  assert.equal(clipKey("room1", "rec1", "h1"), "recordings/room1/rec1/clips/h1.mp4");
  assert.deepEqual(parseRecordingKey("recordings/r/x/seg_000001.ts"), {
    roomId: "r",
    recordingId: "x",
    rest: "seg_000001.ts",
  });
  assert.equal(parseRecordingKey("other/r/x"), undefined);
  assert.throws(() => segmentKey("../etc", "rec", 1), /invalid roomId/);
  assert.throws(() => segmentKey("room", "rec", -1), /invalid segment seq/);
});

Deno.test("object store against a real MinIO: bucket, put/get/list, presign, usage", async () => {
  const minio = await startMinio();
  const store = new S3ObjectStore({
    endpoint: minio.endpoint,
    region: minio.region,
    bucket: "media-test",
    accessKeyId: minio.accessKey,
    secretAccessKey: minio.secretKey,
  });
  try {
    await Promise.all([store.ensureBucket(), store.ensureBucket()]);
    await store.ensureBucket();
    assert.equal(await store.get("missing"), undefined);
    assert.equal(await store.exists("missing"), false);

    const keys = [2, 0, 1].map((seq) => segmentKey("roomA", "rec1", seq));
    for (const [i, key] of keys.entries()) {
      await store.put(key, new Uint8Array(10 + i), "video/mp2t");
    }
    await store.put(playlistKey("roomA", "rec1"), "#EXTM3U\n", "application/vnd.apple.mpegurl");
    await store.put(segmentKey("roomB", "rec9", 0), "other room");

    const listed = await store.list("recordings/roomA/rec1/seg_");
    assert.deepEqual(listed.map((o) => o.key), [...keys].sort());
    assert.deepEqual(listed.map((o) => o.size), [11, 12, 10]);
    assert.equal(await store.usage("recordings/roomA/"), 11 + 12 + 10 + 8);
    assert.equal(await store.getText(playlistKey("roomA", "rec1")), "#EXTM3U\n");
    assert.equal(await store.exists(keys[0]), true);

    const url = await store.presignGet(playlistKey("roomA", "rec1"), 60);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "#EXTM3U\n");
    const tampered = await fetch(url.replace("rec1", "rec2"));
    await tampered.body?.cancel();
    assert.equal(tampered.status, 403);

    await store.delete(keys[0]);
    assert.equal(await store.exists(keys[0]), false);
  } finally {
    store.close();
    await minio.stop();
  }
});
