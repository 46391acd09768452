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
import { RoomClient } from "../actors/room/client.ts";
import assert from "node:assert/strict";
import { parseConfig } from "../edge/wiring/config.ts";
import { type RunningServer, startServer } from "../edge/wiring/process.ts";
import { RecordingIndex } from "../actors/recording/recording_index.ts";
import { dbTest, freshDatabase } from "./helpers/db.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { freeTcpPort } from "./helpers/go_tools.ts";
import { startServerProcess } from "./helpers/server.ts";
import { callJson as call } from "./helpers/http.ts";
import {
  type Cleanups,
  goLive,
  listedLive,
  recordingRow,
  stack,
  until,
} from "./helpers/reconcile_stack.ts";

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
      const { streamer, recordingId: first, token } = await goLive(
        cleanups,
        base,
        lk.wsUrl,
        roomId,
      );

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
      // The room learned the new recording: its stream, its status in the directory, the
      // recording status API and the VOD link all name it (not the interrupted one).
      const told = await until("the room names the resumed recording", async () => {
        const { body } = await call(base, `/api/rooms/${roomId}`);
        return body.room?.stream?.recordingId === resumed.id ? body.room : undefined;
      });
      assert.equal(told.stream.live, true);
      const listed = await until("the directory names it", async () => {
        const { body } = await call(base, "/api/rooms");
        const r = body.rooms.find((r: Frame) => r.roomId === roomId);
        return r?.recordingId === resumed.id ? r : undefined;
      });
      assert.equal(listed.live, true);
      const status = await call(base, `/api/recording/status?roomId=${roomId}`, { token });
      assert.equal(status.status, 200, JSON.stringify(status.body));
      assert.equal(status.body.recording.recordingId ?? status.body.recording.id, resumed.id);
      const playlist = await fetch(
        `${base}/api/vod/recordings/${told.stream.recordingId}/playlist.m3u8`,
      );
      assert.equal(playlist.status, 200);
      assert.match(await playlist.text(), new RegExp(`recordings/${roomId}/${resumed.id}/`));
      // A stale or repeated resume changes nothing: the room's recording is compare-and-set.
      const { actors } = server;
      await assert.rejects(
        new RoomClient(actors).streamRecording(roomId, {
          streamId: told.stream.streamId,
          replaces: first,
          recordingId: "rec_stale",
        }),
        (err: { code?: string }) => err.code === "recording_conflict",
      );
      const again = await new RoomClient(actors).streamRecording(roomId, {
        streamId: told.stream.streamId,
        replaces: first,
        recordingId: resumed.id,
      });
      assert.equal(again.applied, false);
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
      const after = (await call(base, `/api/rooms/${roomId}`)).body.room;
      assert.equal(after.stream.live, false);
      assert.equal(after.stream.recordingId, undefined);
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
    const { openPostgresStore } = await import("../engine/sql/postgres_store.ts");
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
