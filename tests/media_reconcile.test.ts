/**
 * Reconciliation after a restart (media/livekit/reconcile.ts) against real services: a real
 * livekit-server, MinIO, Postgres and ffmpeg (the recorder agent), a synthetic streamer
 * (@livekit/rtc-node), and the whole server.
 *
 * 1. The server is closed while the streamer publishes and started again on the same
 *    Postgres, LiveKit, MinIO and actor state: the room is still live, the cut recording is
 *    `interrupted`, and new segments arrive under one new recording whose timeline shows the
 *    interruption as a gap; when the streamer leaves, the resumed recording stops.
 * 2. The server process is killed (SIGKILL) while recording and the streamer leaves while it
 *    is down (the webhooks are lost): after the restart the room goes offline (a viewer gets
 *    `stream_offline`, /api/rooms does not list it live, the accounts stream ends) and the
 *    recording the dead process left `recording` is closed.
 * 3. The index's single-owner steps race from two connections: every abandoned recording is
 *    closed once, every interrupted one claimed by one process only.
 *
 * Webhooks reach the server through a relay the test switches off while the server is
 * down: LiveKit's deliveries in that time are lost, so only reconciliation can notice.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { RoomServiceClient } from "livekit-server-sdk";
import { parseConfig } from "../engine/config.ts";
import { type RunningServer, startServer } from "../edge/server.ts";
import { RecordingIndex } from "../media/index/recording_index.ts";
import { livekitRoomName } from "../media/livekit/settings.ts";
import { createScratchDatabase, dbTest, freshDatabase } from "./helpers/db.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { freeTcpPort } from "./helpers/go_tools.ts";
import { startLivekit, startSyntheticStreamer } from "./helpers/livekit.ts";
import { startMinio } from "./helpers/minio.ts";
import { startServerProcess, TEST_AUTH_SECRET } from "./helpers/server.ts";
import { callJson as call } from "./helpers/http.ts";
import { waitForValue } from "./helpers/wait.ts";

type Cleanups = (() => Promise<unknown>)[];

const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000) =>
  waitForValue(what, fn, { timeoutMs, stepMs: 250, retryErrors: true });

/** LiveKit → relay → server; while `target` is unset, deliveries are swallowed (lost). */
function webhookRelay() {
  let target: string | undefined;
  const http = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const body = await req.text();
    if (!target) return new Response("lost", { status: 200 });
    try {
      const res = await fetch(target, {
        method: "POST",
        headers: {
          authorization: req.headers.get("authorization") ?? "",
          "content-type": req.headers.get("content-type") ?? "application/webhook+json",
        },
        body,
      });
      return new Response(await res.text(), { status: res.status });
    } catch {
      return new Response("lost", { status: 200 });
    }
  });
  return {
    url: `http://127.0.0.1:${http.addr.port}/webhooks/livekit`,
    to(port: number | undefined) {
      target = port === undefined ? undefined : `http://127.0.0.1:${port}/webhooks/livekit`;
    },
    close: () => http.shutdown(),
  };
}

async function stack(cleanups: Cleanups, bucket: string) {
  const minio = await startMinio();
  cleanups.push(() => minio.stop());
  const db = await createScratchDatabase();
  cleanups.push(() => db.drop());
  const relay = webhookRelay();
  cleanups.push(() => relay.close());
  const lk = await startLivekit({ webhookUrls: [relay.url] });
  cleanups.push(() => lk.stop());
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  cleanups.push(() => sql.end({ timeout: 5 }));
  const env: Record<string, string> = {
    HOST: "127.0.0.1",
    AUTH_SECRET: TEST_AUTH_SECRET,
    ROOM_TICK_MS: "20",
    DATABASE_URL: db.url,
    S3_ENDPOINT: minio.endpoint,
    S3_ACCESS_KEY: minio.accessKey,
    S3_SECRET_KEY: minio.secretKey,
    S3_BUCKET: bucket,
    LIVEKIT_URL: lk.wsUrl,
    LIVEKIT_API_KEY: lk.apiKey,
    LIVEKIT_API_SECRET: lk.apiSecret,
    RECORDING_SEGMENT_SECONDS: "2",
    RECORDING_RECONCILE_MS: "3000",
  };
  const rooms = new RoomServiceClient(lk.httpUrl, lk.apiKey, lk.apiSecret);
  /** Identities publishing a track in the room (LiveKit's own view). */
  const publishers = async (roomId: string) => {
    const list = await rooms.listParticipants(livekitRoomName(roomId)).catch(() => []);
    return list.filter((p) => p.tracks.length > 0).map((p) => p.identity);
  };
  return { lk, relay, sql, env, publishers };
}

/** A registered streamer with a room, publishing a synthetic stream into it. */
async function goLive(cleanups: Cleanups, base: string, wsUrl: string, roomId: string) {
  const reg = await call(base, "/api/auth/register", {
    json: {
      username: `streamer_${roomId.replaceAll("-", "_")}`,
      password: "correct horse battery",
    },
  });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  const token: string = reg.body.accessToken;
  const room = await call(base, "/api/rooms", { token, json: { id: roomId, title: "Restart" } });
  assert.equal(room.status, 201, JSON.stringify(room.body));
  const pub = await call(base, `/api/media/token?roomId=${roomId}&role=streamer`, { token });
  assert.equal(pub.status, 200, JSON.stringify(pub.body));
  const streamer = await startSyntheticStreamer(wsUrl, pub.body.token);
  cleanups.push(() => streamer.stop());
  const info = await until("live and recorded", async () => {
    const { body } = await call(base, `/api/rooms/${roomId}`);
    return body.room?.stream?.live && body.room.stream.recordingId ? body.room : undefined;
  });
  const recordingId: string = info.stream.recordingId;
  await until("a segment indexed", async () => {
    const { body } = await call(base, `/api/vod/recordings/${recordingId}`);
    return body.segments?.length >= 1 ? true : undefined;
  });
  return { streamer, recordingId, userId: reg.body.user.id as string };
}

const listedLive = async (base: string, roomId: string) => {
  const { body } = await call(base, "/api/rooms");
  return body.rooms.find((r: Frame) => r.roomId === roomId)?.live as boolean | undefined;
};

async function recordingRow(sql: postgres.Sql, id: string) {
  const rows =
    await sql`SELECT state, end_reason, resumed_by, owner FROM recordings WHERE id = ${id}`;
  return rows[0];
}

Deno.test({
  name: "reconcile: server closed while live → after restart still live, new recording resumes",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: Cleanups = [];
    try {
      const { lk, relay, sql, env } = await stack(cleanups, "reconcile-a");
      const dataDir = await Deno.makeTempDir({ prefix: "synapse-reconcile-" });
      cleanups.push(() => Deno.remove(dataDir, { recursive: true }));
      const port = freeTcpPort();
      const boot = () =>
        startServer(
          parseConfig({ ...env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: "error" }),
          { accounts: true },
        );
      let server: RunningServer = await boot();
      cleanups.push(() => server.close());
      relay.to(port);
      const base = server.url;
      const roomId = "restart-live";
      const { streamer, recordingId: first } = await goLive(cleanups, base, lk.wsUrl, roomId);

      // The server goes away while the streamer keeps publishing.
      relay.to(undefined);
      await server.close();
      const cut = await recordingRow(sql, first);
      assert.equal(cut.state, "interrupted");
      assert.equal(cut.end_reason, "server_shutdown");
      assert.equal(cut.resumed_by, null);

      server = await boot();
      relay.to(port);
      // The room is still live, and a new recording gets new segments.
      const resumed = await until("a new recording", async () => {
        const { body } = await call(base, `/api/vod/rooms/${roomId}/recordings`);
        return body.recordings?.find((r: Frame) => r.id !== first && r.state === "recording");
      });
      const timeline = await until("segments of the new recording", async () => {
        const { body } = await call(base, `/api/vod/recordings/${resumed.id}`);
        return body.segments?.length >= 2 ? body : undefined;
      });
      assert.equal(await until("listed live", () => listedLive(base, roomId)), true);
      const room = (await call(base, `/api/rooms/${roomId}`)).body.room;
      assert.equal(room.stream.live, true);
      // The interruption is a gap on the new recording's timeline, from the end of the old one.
      const old = (await call(base, `/api/vod/recordings/${first}`)).body;
      assert.equal(old.recording.state, "interrupted");
      const gap = timeline.gaps.find((g: Frame) => g.reason === "server_restart");
      assert.ok(gap, JSON.stringify(timeline.gaps));
      assert.equal(gap.from, old.recording.endedAt);
      assert.equal(gap.from, old.segments.at(-1).endAt);
      assert.ok(gap.to > gap.from && gap.to <= timeline.segments[0].startAt + 1_000);
      assert.equal((await recordingRow(sql, first)).resumed_by, resumed.id);
      // Exactly one recording resumed it, even after more passes.
      await new Promise((r) => setTimeout(r, 7_000));
      const all = (await call(base, `/api/vod/rooms/${roomId}/recordings`)).body.recordings;
      assert.deepEqual(all.map((r: Frame) => r.id).sort(), [first, resumed.id].sort());

      // The streamer leaves: offline, and the resumed recording ends with the stream.
      await streamer.stop();
      await until("listed offline", async () => (await listedLive(base, roomId)) === false);
      const ended = await until("the resumed recording ended", async () => {
        const { body } = await call(base, `/api/vod/recordings/${resumed.id}`);
        return body.recording?.state !== "recording" ? body.recording : undefined;
      });
      assert.notEqual(ended.state, "interrupted");
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});

Deno.test({
  name:
    "reconcile: process killed, streamer left meanwhile → offline after restart, recording closed",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: Cleanups = [];
    try {
      const { lk, relay, sql, env, publishers } = await stack(cleanups, "reconcile-b");
      const kvDir = await Deno.makeTempDir({ prefix: "synapse-reconcile-kv-" });
      cleanups.push(() => Deno.remove(kvDir, { recursive: true }));
      const port = freeTcpPort();
      const procEnv = { ...env, PORT: String(port), DENO_KV_PATH: `${kvDir}/state.kv` };
      let proc = await startServerProcess([], procEnv);
      cleanups.push(() => proc.stop("SIGKILL"));
      relay.to(port);
      const base = proc.url;
      const roomId = "restart-gone";
      const { streamer, recordingId } = await goLive(cleanups, base, lk.wsUrl, roomId);

      // The process dies; the streamer leaves while nothing listens.
      relay.to(undefined);
      await proc.stop("SIGKILL");
      assert.equal((await recordingRow(sql, recordingId)).state, "recording");
      await streamer.stop();
      await until(
        "LiveKit has no publisher",
        async () => (await publishers(roomId)).length === 0 ? true : undefined,
      );

      // Webhooks stay lost (LiveKit's room_finished would otherwise end the stream too):
      // only reconciliation can tell the room.
      proc = await startServerProcess([], procEnv);
      const guest = await call(base, "/api/session/guest", { json: {} });
      const { viewer, welcome } = await TestViewer.join(
        base.replace(/^http/, "ws") + `/ws/rooms/${roomId}`,
        roomId,
        guest.body.token,
      );
      cleanups.push(() => viewer.close());
      assert.equal(welcome.room.stream?.live, true, "before reconciling, the room says live");
      await viewer.next(
        (f) => f.type === "batch" && f.events.some((e: Frame) => e.code === "stream_offline"),
        30_000,
      );
      assert.equal(await until("listed", () => listedLive(base, roomId)), false);
      const room = (await call(base, `/api/rooms/${roomId}`)).body.room;
      assert.equal(room.stream.live, false);
      await until("the accounts stream ended", async () => {
        const onAir = await sql`SELECT live_stream_id FROM rooms WHERE id = ${roomId}`;
        return onAir[0].live_stream_id === null ? true : undefined;
      }, 10_000);
      // The dead process's recording: closed once its heartbeat is stale, nothing resumed.
      const closed = await until("the abandoned recording closed", async () => {
        const row = await recordingRow(sql, recordingId);
        return row.resumed_by === "offline" ? row : undefined;
      });
      assert.equal(closed.state, "interrupted");
      assert.equal(closed.end_reason, "process_lost");
      const rec = (await call(base, `/api/vod/recordings/${recordingId}`)).body;
      assert.equal(rec.recording.endedAt, rec.segments.at(-1).endAt);
      const all = (await call(base, `/api/vod/rooms/${roomId}/recordings`)).body.recordings;
      assert.deepEqual(all.map((r: Frame) => r.id), [recordingId]);
      // Only one stream_offline, however many passes ran.
      await new Promise((r) => setTimeout(r, 4_000));
      const offline = viewer.frames.filter((f) => f.type === "batch")
        .flatMap((f: Frame) => f.events.filter((e: Frame) => e.code === "stream_offline"));
      assert.equal(offline.length, 1);
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});

dbTest("reconcile: index closes abandoned recordings and hands out claims", async (db) => {
  const index = new RecordingIndex(db.store);
  const now = Date.now();
  const base = { roomId: "r1", source: "livekit" as const, state: "recording" as const };
  await index.upsertRecording({ ...base, id: "rec_old", startedAt: now - 60_000, owner: "dead" });
  await index.upsertRecording({ ...base, id: "rec_fresh", startedAt: now - 60_000, owner: "b" });
  await index.heartbeat("b", ["rec_fresh"], now);
  await index.upsertRecording({ ...base, id: "rec_mine", startedAt: now - 1_000, owner: "a" });
  await index.upsertRecording({ ...base, id: "rec_now", startedAt: now + 5, owner: "a" });
  await index.upsertRecording({ ...base, id: "rec_eg", source: "egress", startedAt: 0 });
  const closed = await index.closeAbandoned({
    owner: "a",
    running: [],
    staleBefore: now - 10_000,
    ownerBefore: now,
    reason: "process_lost",
  });
  // old heartbeat, and "a"'s previous life; not the fresh one, one started now, or egress
  assert.deepEqual(closed.map((r) => r.id).sort(), ["rec_mine", "rec_old"]);
  assert.ok(closed.every((r) => r.state === "interrupted" && r.endReason === "process_lost"));
  assert.deepEqual((await index.unsettled(now)).map((r) => r.id).sort(), ["rec_mine", "rec_old"]);
  assert.deepEqual(await index.claimResume(["rec_old", "rec_fresh"], "pending:a", now, 0), [
    "rec_old",
  ]);
  assert.deepEqual(await index.claimResume(["rec_old"], "pending:b", now, 0), []);
  // An expired claim (its process died while acting) can be taken over.
  assert.deepEqual(await index.claimResume(["rec_old"], "pending:b", now, now + 1), ["rec_old"]);
  await index.settleResume(["rec_old"], "pending:a", "offline", now); // not a's any more
  assert.equal(await index.resumedBy("rec_old"), "pending:b");
  await index.settleResume(["rec_old"], "pending:b", "offline", now);
  assert.equal(await index.resumedBy("rec_old"), "offline");
  assert.deepEqual((await index.unsettled(now + 1)).map((r) => r.id), ["rec_mine"]);
  // States outside the migration's list are refused.
  await assert.rejects(
    index.upsertRecording({ ...base, id: "rec_bad", state: "lost" as "paused", startedAt: now }),
  );
});

Deno.test({
  name: "reconcile: two processes racing close and claim each recording once [postgres]",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const db = await freshDatabase("postgres");
    const { openPostgresStore } = await import("../actors/store/postgres_store.ts");
    const other = openPostgresStore(db.url!);
    try {
      const a = new RecordingIndex(db.store);
      const b = new RecordingIndex(other);
      const now = Date.now();
      const ids = Array.from({ length: 40 }, (_, i) => `rec_race_${i}`);
      for (const id of ids) {
        await a.upsertRecording({
          id,
          roomId: `room${id.length % 3}`,
          source: "livekit",
          state: "recording",
          startedAt: now - 60_000,
          owner: "dead",
        });
      }
      const close = (ix: RecordingIndex) =>
        ix.closeAbandoned({
          owner: null,
          running: [],
          staleBefore: now - 10_000,
          ownerBefore: now,
          reason: "process_lost",
        });
      const [ca, cb] = await Promise.all([close(a), close(b)]);
      const closedIds = [...ca, ...cb].map((r) => r.id);
      assert.equal(closedIds.length, ids.length);
      assert.equal(new Set(closedIds).size, ids.length);
      for (let round = 0; round < 5; round++) {
        const batch = ids.slice(round * 8, round * 8 + 8);
        const [ga, gb] = await Promise.all([
          a.claimResume(batch, "pending:a", now, 0),
          b.claimResume(batch, "pending:b", now, 0),
        ]);
        assert.equal(ga.length + gb.length, batch.length);
        assert.equal(new Set([...ga, ...gb]).size, batch.length);
      }
    } finally {
      await other.close();
      await db.close();
    }
  },
});
