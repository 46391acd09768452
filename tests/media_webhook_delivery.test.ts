/**
 * LiveKit webhooks are durable across a room that cannot take them for a while: the event
 * id is recorded only once the room took the event, so LiveKit's retry of a delivery we
 * answered 503 is delivered (not refused as a replay), and a replay after success is still
 * refused. The replay guard's claim/complete/release steps run against both SQL backends;
 * the end-to-end test runs separate edge and engine processes over NATS and Postgres.
 */
import assert from "node:assert/strict";
import {
  MemoryReplayGuard,
  type ReplayGuard,
  signWebhook,
  webhookEvent,
} from "../media/livekit/webhooks.ts";
import { SqlReplayGuard } from "../media/index/sql_replay_guard.ts";
import { dbTest } from "./helpers/db.ts";
import { startTestCluster, until } from "./helpers/cluster.ts";
import { startMinio } from "./helpers/minio.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { openPostgresStore } from "../engine/sql/postgres_store.ts";

async function guardContract(guard: ReplayGuard, expire: () => Promise<void>) {
  const a = await guard.claim("EV_a", 60_000);
  assert.equal(a.state, "claimed");
  // A second delivery while the first is under way: in flight, not a replay.
  assert.deepEqual(await guard.claim("EV_a", 60_000), { state: "in_flight" });
  // The first failed: it lets go, and LiveKit's retry claims the id again.
  await guard.release("EV_a", a.state === "claimed" ? a.token : "");
  const retry = await guard.claim("EV_a", 60_000);
  assert.equal(retry.state, "claimed");
  // Only the holder's token completes or releases.
  await guard.release("EV_a", "someone-else");
  await guard.complete("EV_a", "someone-else", 600_000);
  assert.deepEqual(await guard.claim("EV_a", 60_000), { state: "in_flight" });
  await guard.complete("EV_a", retry.state === "claimed" ? retry.token : "", 600_000);
  assert.deepEqual(await guard.claim("EV_a", 60_000), { state: "done" });
  // A late release by the (former) holder does not forget a delivered id.
  await guard.release("EV_a", retry.state === "claimed" ? retry.token : "");
  assert.deepEqual(await guard.claim("EV_a", 60_000), { state: "done" });

  // A holder that died: once its lease ran out, another delivery takes the id over, and
  // the dead holder's late complete changes nothing.
  const dead = await guard.claim("EV_b", 1);
  assert.equal(dead.state, "claimed");
  await expire();
  const next = await guard.claim("EV_b", 60_000);
  assert.equal(next.state, "claimed");
  await guard.complete("EV_b", dead.state === "claimed" ? dead.token : "", 600_000);
  assert.deepEqual(await guard.claim("EV_b", 60_000), { state: "in_flight" });

  // Racing deliveries of one id: exactly one claims it.
  const race = await Promise.all(Array.from({ length: 8 }, () => guard.claim("EV_c", 60_000)));
  assert.equal(race.filter((r) => r.state === "claimed").length, 1);
  assert.equal(race.filter((r) => r.state === "in_flight").length, 7);
}

dbTest("webhook replay guard: claim, release, complete, lease takeover, races", async (db) => {
  await guardContract(new SqlReplayGuard(db.store), () => new Promise((r) => setTimeout(r, 20)));
  // Delivered ids outlive their claim; nothing else is left behind for EV_a.
  const rows = await db.store.query<{ state: string; claim_token: string | null }>(
    "SELECT state, claim_token FROM media_webhook_events WHERE event_id = 'EV_a'",
  );
  assert.deepEqual([...rows], [{ state: "done", claim_token: null }]);
});

Deno.test("webhook replay guard: the in-memory guard keeps the same contract", async () => {
  let now = 1_000_000;
  await guardContract(new MemoryReplayGuard(() => now), () => {
    now += 10;
    return Promise.resolve();
  });
});

const API_KEY = "webhook-test-key";
const API_SECRET = "webhook-test-secret-0123456789abcdef";

const streamCodes = (v: TestViewer) =>
  v.frames.filter((f) => f.type === "batch").flatMap((f: Frame) =>
    f.events.filter((e: Frame) => e.t === "system" && String(e.code).startsWith("stream_"))
      .map((e: Frame) => e.code)
  );

Deno.test({
  name:
    "webhook e2e: a room unreachable at first goes live once on LiveKit's retry; a replay is 409",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cluster = await startTestCluster();
    const minio = await startMinio();
    let viewer: TestViewer | undefined;
    const sql = openPostgresStore(cluster.databaseUrl);
    try {
      // An edge with media on and no engine running yet: no room can answer.
      const edge = await cluster.start("edge", "wh-edge", {
        S3_ENDPOINT: minio.endpoint,
        S3_ACCESS_KEY: minio.accessKey,
        S3_SECRET_KEY: minio.secretKey,
        S3_BUCKET: "webhooks",
        LIVEKIT_URL: "ws://127.0.0.1:9",
        LIVEKIT_API_KEY: API_KEY,
        LIVEKIT_API_SECRET: API_SECRET,
      });
      const settings = { apiKey: API_KEY, apiSecret: API_SECRET };
      const roomId = "wh-room";
      const now = () => BigInt(Math.floor(Date.now() / 1000));
      const live = await signWebhook(
        settings,
        webhookEvent({
          id: "EV_live_1",
          event: "track_published",
          room: { name: roomId },
          participant: {
            identity: "alice",
            name: "Alice",
            metadata: JSON.stringify({ role: "streamer" }),
          },
          createdAt: now(),
        }),
      );
      const post = (signed: { body: string; authorization: string }) =>
        fetch(`${edge.url}/webhooks/livekit`, {
          method: "POST",
          headers: {
            authorization: signed.authorization,
            "content-type": "application/webhook+json",
          },
          body: signed.body,
        });

      // 1. The room is unreachable: 503 with Retry-After, and the id is not recorded.
      const refused = await post(live);
      assert.equal(refused.status, 503);
      assert.ok(Number(refused.headers.get("retry-after")) > 0);
      assert.equal((await refused.json()).error.code, "room_unavailable");
      assert.deepEqual(
        [...await sql.query("SELECT state FROM media_webhook_events WHERE event_id = 'EV_live_1'")],
        [],
      );

      // 2. The engine comes up; a viewer joins the room.
      await cluster.start("engine", "wh-engine");
      const admin = await cluster.admin();
      await admin.settled(1, 20_000, "engine owns every partition");
      const token = await cluster.mintToken("viewer-1", "Viewer");
      viewer = (await TestViewer.join(cluster.wsUrl(edge, roomId), roomId, token)).viewer;

      // 3. LiveKit's retry of the same signed delivery: accepted, the room goes live.
      const retried = await post(live);
      assert.equal(retried.status, 200, await retried.clone().text());
      assert.deepEqual(await retried.json(), { ok: true, eventId: "EV_live_1" });
      await viewer.next((f) => f.type === "batch" && streamCodes(viewer!).length > 0, 10_000);
      const info = await admin.client.ask<Frame>("rooms", roomId, { kind: "info" });
      assert.equal(info.stream?.live, true);
      assert.deepEqual(
        [...await sql.query("SELECT state FROM media_webhook_events WHERE event_id = 'EV_live_1'")],
        [{ state: "done" }],
      );

      // 4. A replay after success is still refused, and changes nothing.
      const replay = await post(live);
      assert.equal(replay.status, 409);
      assert.equal((await replay.json()).error.code, "webhook_replayed");

      // 5. The streamer leaves (a new event): everything before it reached the viewer, so
      //    "live" was announced exactly once.
      const left = await signWebhook(
        settings,
        webhookEvent({
          id: "EV_left_1",
          event: "participant_left",
          room: { name: roomId },
          participant: {
            identity: "alice",
            name: "Alice",
            metadata: JSON.stringify({ role: "streamer" }),
          },
          createdAt: now() + 1n,
        }),
      );
      const offline = await post(left);
      assert.equal(offline.status, 200, await offline.clone().text());
      await offline.body?.cancel();
      await until(() => streamCodes(viewer!).includes("stream_offline"), 10_000, "offline");
      assert.deepEqual(streamCodes(viewer), ["stream_live", "stream_offline"]);
    } finally {
      await viewer?.close();
      await sql.close();
      await cluster.close();
      await minio.stop();
    }
  },
});
