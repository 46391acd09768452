/**
 * The whole product with media on: `startServer` (edge/server.ts) with LIVEKIT_* and S3_*
 * pointing at a real livekit-server and MinIO, accounts on a scratch Postgres database.
 * A registered streamer creates a room and publishes into it with @livekit/rtc-node; the
 * signed webhook reaches the edge, the room goes live (a WebSocket viewer gets
 * `stream_live`, /api/rooms lists it live, "live now from people I follow" shows it), the
 * room asks for a recording, the recorder agent writes segments (`segment_ready` over
 * SSE), a danmaku burst during the stream becomes a highlight and then a clip beside the
 * recording, the streamer leaves, the room goes offline (`stream_offline`), and the VOD
 * lists the stopped recording with a playlist that plays in ffprobe and the highlight at
 * its VOD offset.
 */
import { startMediaServer } from "./helpers/media_server.ts";
import assert from "node:assert/strict";
import { probe } from "../media/ffmpeg.ts";
import { parseMediaPlaylist } from "../media/hls.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { startSyntheticStreamer } from "./helpers/livekit.ts";
import { openSse } from "./helpers/media_stack.ts";
import { callJson as call } from "./helpers/http.ts";
import { waitForValue } from "./helpers/wait.ts";

const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000) =>
  waitForValue(what, fn, { timeoutMs, stepMs: 250 });

const systemCodes = (viewer: TestViewer) =>
  viewer.frames.filter((f) => f.type === "batch").flatMap((f: Frame) =>
    f.events.filter((e: Frame) => e.t === "system").map((e: Frame) => e.code)
  );

Deno.test({
  name: "media e2e: publish → live → recorded segments → highlight clip → offline → VOD plays",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server, lk } = await startMediaServer(cleanups, {
        bucket: "e2e",
        livekit: true,
        env: { RECORDING_SEGMENT_SECONDS: "2" },
        roomOptions: {
          // a quick detector and a generous rate limit: one test user makes the burst
          highlights: { warmupSec: 0, floor: 3, k: 2, quietSec: 2 },
          rateLimit: { burst: 100, refillPerSec: 50 },
        },
      });
      const base = server.url;

      // A registered streamer with a room; a follower to see "live now".
      const reg = await call(base, "/api/auth/register", {
        json: { username: "streamer_e2e", password: "correct horse battery" },
      });
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      const streamerToken: string = reg.body.accessToken;
      const streamerId: string = reg.body.user.id;
      const room = await call(base, "/api/rooms", {
        token: streamerToken,
        json: { id: "e2e-room", title: "E2E stream" },
      });
      assert.equal(room.status, 201, JSON.stringify(room.body));
      const roomId = "e2e-room";
      const fan = await call(base, "/api/auth/register", {
        json: { username: "fan_e2e", password: "correct horse battery" },
      });
      const fanToken: string = fan.body.accessToken;
      assert.equal(
        (await call(base, `/api/users/${streamerId}/follow`, { token: fanToken, json: {} }))
          .status,
        200,
      );

      // Viewer tokens for anyone, streamer tokens only for the room's streamer.
      const guest = await server.guest("watcher");
      const viewerTok = await call(base, `/api/media/token?roomId=${roomId}`, {
        token: guest.token,
      });
      assert.equal(viewerTok.status, 200);
      assert.equal(viewerTok.body.url, lk.wsUrl);
      const stolen = await call(base, `/api/media/token?roomId=${roomId}&role=streamer`, {
        token: guest.token,
      });
      assert.equal(stolen.status, 403);
      const pub = await call(base, `/api/media/token?roomId=${roomId}&role=streamer`, {
        token: streamerToken,
      });
      assert.equal(pub.status, 200, JSON.stringify(pub.body));

      // A viewer is in the room before the stream starts: offline.
      const { viewer, welcome } = await TestViewer.join(
        server.wsUrl(roomId),
        roomId,
        guest.token,
      );
      cleanups.push(() => Promise.resolve(viewer.socket.close()));
      assert.equal(welcome.room.stream?.live ?? false, false);
      // A client frame can never be a stream command.
      viewer.send({ type: "stream", state: "live" });
      const refused = await viewer.next((f) => f.type === "error");
      assert.equal(refused.code, "bad_frame");

      const sse = await openSse(
        `${base}/api/recording/events?roomId=${roomId}`,
        streamerToken,
      );
      cleanups.push(() => sse.close());

      // Go live with a synthetic streamer.
      const streamer = await startSyntheticStreamer(lk.wsUrl, pub.body.token);
      cleanups.push(() => streamer.stop());
      await viewer.next((f) =>
        f.type === "batch" &&
        f.events.some((e: Frame) => e.t === "system" && e.code === "stream_live"), 20_000);
      const listed = await until("room listed live", async () => {
        const { body } = await call(base, "/api/rooms");
        return body.rooms.find((r: Frame) => r.roomId === roomId && r.live);
      });
      assert.equal(listed.live, true);
      const liveNow = await call(base, "/api/me/following/live", { token: fanToken });
      assert.deepEqual(liveNow.body.live.map((r: Frame) => r.roomId), [roomId]);
      const info = await until("the room knows its recording", async () => {
        const { body } = await call(base, `/api/rooms/${roomId}`);
        return body.room.stream?.recordingId ? body.room : undefined;
      });
      assert.equal(info.stream.live, true);
      assert.equal(info.stream.streamId, liveNow.body.live[0].streamId);
      const recordingId: string = info.stream.recordingId;

      // Segments arrive over SSE.
      await sse.waitFor((ev) => ev.some((e) => e.event === "segment_ready"), 30_000);

      // A danmaku burst while recorded: a highlight, then a clip.
      for (let i = 0; i < 25; i++) viewer.send({ type: "say", text: `666 wow ${i % 5}` });
      const hl = await viewer.next(
        (f) => f.type === "batch" && f.events.some((e: Frame) => e.t === "highlight"),
        20_000,
      );
      const highlight = hl.events.find((e: Frame) => e.t === "highlight").h;
      // Keep streaming until the segments cover the highlight and its padding.
      await sse.waitFor(
        (ev) =>
          ev.some((e) =>
            e.event === "segment_ready" &&
            (e.data as { endAt: number }).endAt > highlight.endAt + 3_000
          ),
        30_000,
      );

      // The streamer leaves: offline, recording stopped.
      await streamer.stop();
      await viewer.next((f) =>
        f.type === "batch" &&
        f.events.some((e: Frame) => e.t === "system" && e.code === "stream_offline"), 20_000);
      assert.deepEqual(systemCodes(viewer), ["stream_live", "stream_offline"]);
      await until("room listed offline", async () => {
        const { body } = await call(base, "/api/rooms");
        const r = body.rooms.find((r: Frame) => r.roomId === roomId);
        return r && !r.live ? r : undefined;
      });
      await until("no longer live for followers", async () => {
        const { body } = await call(base, "/api/me/following/live", { token: fanToken });
        return body.live.length === 0 ? true : undefined;
      });
      await sse.waitFor((ev) => ev.some((e) => e.event === "recording_stopped"), 30_000);

      // VOD: the recording, stopped, with a playlist that plays.
      const rec = await until("recording stopped in the VOD", async () => {
        const { body } = await call(base, `/api/vod/rooms/${roomId}/recordings`);
        const r = body.recordings.find((r: Frame) => r.id === recordingId);
        return r?.state === "stopped" ? r : undefined;
      });
      assert.equal(rec.roomId, roomId);
      const playlistUrl = `${base}/api/vod/recordings/${recordingId}/playlist.m3u8`;
      const playlist = parseMediaPlaylist(await (await fetch(playlistUrl)).text());
      assert.equal(playlist.ended, true);
      assert.ok(playlist.segments.length >= 2, `${playlist.segments.length} segments`);
      const played = await probe(playlistUrl);
      assert.equal(played.video?.codec, "h264");
      assert.ok(played.durationSec > 2, `plays ${played.durationSec} s`);

      // The highlight at its VOD offset, and its clip beside the recording.
      const clips = await until("highlight clip", async () => {
        const { body } = await call(base, `/api/vod/recordings/${recordingId}/clips`);
        return body.clips?.length ? body.clips : undefined;
      }, 60_000);
      assert.equal(clips[0].highlightId, highlight.id);
      assert.ok(clips[0].key.startsWith(`recordings/${roomId}/${recordingId}/`), clips[0].key);
      const clipProbe = await probe(clips[0].url);
      assert.ok(clipProbe.durationSec > 0.5, `clip of ${clipProbe.durationSec} s`);
      const timeline = (await call(base, `/api/vod/recordings/${recordingId}`)).body;
      const mapped = timeline.highlights.find((h: Frame) => h.id === highlight.id);
      assert.ok(mapped, "the highlight is on the VOD timeline");
      assert.ok(mapped.startOffsetMs >= 0 && mapped.endOffsetMs > mapped.startOffsetMs);
      assert.ok(mapped.endOffsetMs <= timeline.durationMs);
      assert.equal(timeline.clips.length, 1);
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});
