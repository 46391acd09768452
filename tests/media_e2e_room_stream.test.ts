/**
 * The room's live/offline state through a started server (edge/server.ts, embedded engine,
 * Deno KV): the trusted `stream` command is applied once per webhook event id, an older
 * event arriving late changes nothing, viewers get `stream_live`/`stream_offline` once,
 * /api/rooms lists the live room first, the recording port is asked to start on live (its
 * recording id comes back through the per-activation internal command; a forged one is
 * refused) and to stop on offline, and the state and seen ids survive a restart.
 */
import assert from "node:assert/strict";
import type { RoomRecordingPort } from "../actors/room/ports.ts";
import { parseConfig } from "../edge/wiring/config.ts";
import { type RunningServer, startServer } from "../edge/wiring/process.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { TEST_AUTH_SECRET } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

/** The room's recording port as the media wiring implements it, recording its calls. */
class RecordingCalls implements RoomRecordingPort {
  readonly calls: string[] = [];
  #n = 0;
  start(roomId: string, info: { streamId: string }) {
    this.calls.push(`start ${roomId} ${info.streamId}`);
    return Promise.resolve({ recordingId: `rec${++this.#n}` });
  }
  stop(roomId: string, recordingId: string | null) {
    this.calls.push(`stop ${roomId} ${recordingId}`);
    return Promise.resolve();
  }
}

async function boot(dataDir: string, port: RoomRecordingPort): Promise<RunningServer> {
  const config = parseConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    AUTH_SECRET: TEST_AUTH_SECRET,
    LOG_LEVEL: "error",
    ROOM_TICK_MS: "20",
  });
  return await startServer(config, { accounts: false, roomOptions: { recording: port } });
}

/** A `stream` command as bare fields (`bare`) and inside the internal envelope. */
const bare = (state: string, eventId: string, at: number) => ({
  kind: "stream",
  state,
  eventId,
  at,
  source: "webrtc",
  streamerId: "alice",
});
const stream = (state: string, eventId: string, at: number) => ({
  kind: "internal",
  cmd: bare(state, eventId, at),
});

const streamCodes = (v: TestViewer) =>
  v.frames.filter((f) => f.type === "batch").flatMap((f: Frame) =>
    f.events.filter((e: Frame) => e.t === "system" && String(e.code).startsWith("stream_"))
      .map((e: Frame) => e.code)
  );

const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000) =>
  waitForValue(what, fn, { timeoutMs, stepMs: 50 });

Deno.test({
  name: "room stream state: idempotent, ordered, recording port, live first, survives restart",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "synapse-room-stream-" });
    const port = new RecordingCalls();
    let server = await boot(dataDir, port);
    let viewer: TestViewer | undefined;
    try {
      const guest = await fetch(`${server.url}/api/session/guest`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }).then((r) => r.json());
      const ws = server.url.replace(/^http/, "ws") + "/ws/rooms/";
      ({ viewer } = await TestViewer.join(ws + "studio", "studio", guest.token));
      // another active room without a stream, with more viewers
      const others = await Promise.all(
        [1, 2].map(() => TestViewer.join(ws + "chatroom", "chatroom", guest.token)),
      );
      // No LIVEKIT_*/S3_* here: the server runs, media endpoints say media_disabled.
      for (const path of ["/api/media/token?roomId=studio", "/api/vod/rooms/studio/recordings"]) {
        const res = await fetch(`${server.url}${path}`, {
          headers: { authorization: `Bearer ${guest.token}` },
        });
        assert.equal(res.status, 503, path);
        assert.equal((await res.json()).error.code, "media_disabled", path);
      }
      assert.deepEqual(await fetch(`${server.url}/api/media/status`).then((r) => r.json()), {
        live: false,
        recording: false,
        vod: false,
      });
      const ask = (msg: unknown) => server.actors.ask<Frame>("rooms", "studio", msg);
      const t0 = Date.now();

      const live = await ask(stream("live", "EV_1", t0));
      assert.equal(live.applied, true);
      assert.equal(live.stream.live, true);
      assert.equal(live.stream.since, t0);
      const streamId = live.stream.streamId;
      assert.ok(streamId);
      // The recording port was asked; its answer comes back to the room.
      const info = await until("recording id in the room", async () => {
        const r = await ask({ kind: "info" });
        return r.stream?.recordingId ? r : undefined;
      });
      assert.equal(info.stream.recordingId, "rec1");
      assert.deepEqual(port.calls, [`start studio ${streamId}`]);

      // The same webhook again, another "live" while live, an older "offline": no change.
      assert.deepEqual(
        { ...(await ask(stream("live", "EV_1", t0))), stream: undefined },
        { ok: true, applied: false, duplicate: true, stream: undefined },
      );
      assert.equal((await ask(stream("live", "EV_2", t0 + 10))).applied, false);
      const late = await ask(stream("offline", "EV_0", t0 - 5_000));
      assert.equal(late.applied, false);
      assert.equal(late.stream.live, true);
      // Forged recorder answers (they come back in process, never over the wire) and bad
      // commands are refused.
      for (const msg of [{ kind: "stream_internal" }, { kind: "recording_started" }]) {
        await assert.rejects(
          ask({ ...msg, token: "guess", streamId, recordingId: "evil" }),
          (err: Error & { code?: string }) => err.code === "bad_command",
        );
      }
      await assert.rejects(
        ask(stream("maybe", "EV_3", t0)),
        (err: Error & { code?: string }) => err.code === "bad_command",
      );
      // outside the internal envelope a stream command never reaches the room's stream
      await assert.rejects(
        ask(bare("offline", "EV_forged", t0 + 500)),
        (err: Error & { code?: string }) => err.code === "internal_only",
      );
      assert.equal((await ask({ kind: "info" })).stream.recordingId, "rec1");

      // /api/rooms: the live room first although the other has more viewers.
      const rooms = await until("both rooms listed", async () => {
        const { rooms } = await fetch(`${server.url}/api/rooms`).then((r) => r.json());
        return rooms.length === 2 && rooms[1].viewers === 2 ? rooms : undefined;
      });
      assert.deepEqual(rooms.map((r: Frame) => [r.roomId, r.live]), [
        ["studio", true],
        ["chatroom", false],
      ]);
      assert.equal(rooms[0].liveSince, t0);
      assert.equal(rooms[0].streamId, streamId);

      // Offline: viewers told once, recording stopped.
      const off = await ask(stream("offline", "EV_4", t0 + 1_000));
      assert.equal(off.applied, true);
      assert.equal(off.stream.live, false);
      assert.equal(off.stream.endedAt, t0 + 1_000);
      await viewer.next((f) =>
        f.type === "batch" && f.events.some((e: Frame) => e.code === "stream_offline")
      );
      assert.deepEqual(streamCodes(viewer), ["stream_live", "stream_offline"]);
      assert.deepEqual(port.calls.at(-1), "stop studio rec1");
      assert.equal(port.calls.length, 2);
      for (const o of others) await o.viewer.close();

      // Restart on the same data: the state and the seen event ids are still there.
      await viewer.close();
      viewer = undefined;
      await server.close();
      server = await boot(dataDir, port);
      const after = await server.actors.ask<Frame>("rooms", "studio", { kind: "info" });
      assert.equal(after.stream.live, false);
      assert.equal(after.stream.streamId, streamId);
      const replay = await server.actors.ask<Frame>(
        "rooms",
        "studio",
        stream("live", "EV_1", Date.now()),
      );
      assert.equal(replay.duplicate, true);
      assert.equal(port.calls.length, 2, "a replayed event starts no recording");
      // A new stream after the restart goes live again with a new id.
      const again = await server.actors.ask<Frame>(
        "rooms",
        "studio",
        stream("live", "EV_5", t0 + 2_000),
      );
      assert.equal(again.applied, true);
      assert.notEqual(again.stream.streamId, streamId);
    } finally {
      await viewer?.close();
      await server.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
