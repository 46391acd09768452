/** Media wired from configuration: S3 without LiveKit gives VOD and URL recording, LiveKit parts answer 503. */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { parseConfig } from "../edge/wiring/config.ts";
import { createLogger } from "../engine/log.ts";
import { mediaRoutes } from "../edge/routes/media.ts";
import { createMedia } from "../edge/wiring/media.ts";
import { openMediaStorage } from "../edge/wiring/media_storage.ts";
import { freshDatabase } from "./helpers/db.ts";
import { startMinio } from "./helpers/minio.ts";

Deno.test("media wiring from config: storage on, LiveKit off → clear 503s, VOD answers", async () => {
  const minio = await startMinio();
  const db = await freshDatabase("pglite");
  const dataDir = await Deno.makeTempDir({ prefix: "synapse-media-wire-" });
  const log = createLogger({ test: "media_wire" }, "error");
  try {
    const off = parseConfig({ DATA_DIR: dataDir });
    assert.equal(await openMediaStorage({ config: off, sql: db.store, log }), undefined);
    const config = parseConfig({
      DATA_DIR: dataDir,
      S3_ENDPOINT: minio.endpoint,
      S3_ACCESS_KEY: minio.accessKey,
      S3_SECRET_KEY: minio.secretKey,
      S3_BUCKET: "wired",
      RECORDING_SEGMENT_SECONDS: "4",
    });
    const storage = (await openMediaStorage({ config, sql: db.store, log }))!;
    assert.ok(await storage.objects.list("") !== undefined, "bucket created");
    const media = createMedia({
      config,
      storage,
      sql: db.store,
      actors: { ask: () => Promise.reject(new Error("no engine in this test")) },
      log,
      auth: {
        identify: () => Promise.resolve({ userId: "u", name: "u", kind: "user", roles: [] }),
        canStream: () => Promise.resolve(true),
      },
    });
    assert.equal(media.livekit, undefined);
    const app = new Hono().route("/", mediaRoutes(media.routes));
    const hook = await app.request("/webhooks/livekit", { method: "POST", body: "{}" });
    assert.equal(hook.status, 503);
    assert.equal((await hook.json()).error.code, "media_disabled");
    const token = await app.request("/api/media/token?roomId=r1");
    assert.equal((await token.json()).error.code, "media_disabled");
    const startRoom = await app.request("/api/recording/start", {
      method: "POST",
      body: JSON.stringify({ roomId: "r1" }),
    });
    assert.equal(startRoom.status, 503, await startRoom.clone().text());
    assert.equal((await startRoom.json()).error.code, "media_disabled");
    const list = await app.request("/api/vod/rooms/r1/recordings");
    assert.deepEqual(await list.json(), { roomId: "r1", recordings: [] });
    const badId = await app.request("/api/vod/rooms/..%2F/recordings");
    assert.equal(badId.status, 400);
    await media.close();
  } finally {
    await db.close();
    await minio.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
});
