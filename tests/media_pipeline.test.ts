/**
 * The live path end to end on real servers: the streamer gets a token from the edge and
 * publishes generated audio+video into livekit-server; LiveKit's signed webhooks reach the
 * edge and verify; the room hears "live"; the recorder agent writes segments to MinIO;
 * `segment_ready` arrives over SSE; SegmentActors index them in Postgres; the VOD playlist
 * lists them and plays in ffprobe. Forged and replayed webhooks are refused.
 */
import assert from "node:assert/strict";
import { Room, RoomEvent } from "@livekit/rtc-node";
import { probe } from "../media/ffmpeg.ts";
import { parseMediaPlaylist } from "../media/hls.ts";
import { streamStateCommand } from "../media/livekit/stream_state.ts";
import { signWebhook, webhookEvent } from "../media/livekit/webhooks.ts";
import { startSyntheticStreamer } from "./helpers/livekit.ts";
import { openSse, startMediaStack } from "./helpers/media_stack.ts";

const json = (token: string, body?: unknown) => ({
  method: body === undefined ? "GET" : "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: body === undefined ? undefined : JSON.stringify(body),
});

Deno.test({
  name: "media pipeline: token → publish → webhooks → recorder → MinIO → SSE → index → VOD",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const stack = await startMediaStack({ withLivekit: true, streamers: { alice: ["roomE"] } });
    const viewer = new Room();
    let sse: Awaited<ReturnType<typeof openSse>> | undefined;
    let streamer: Awaited<ReturnType<typeof startSyntheticStreamer>> | undefined;
    try {
      const base = stack.baseUrl;
      // Tokens: bob may watch but not stream; alice streams her room.
      const denied = await fetch(`${base}/api/media/token?roomId=roomE&role=streamer`, json("bob"));
      assert.equal(denied.status, 403);
      assert.equal((await denied.json()).error.code, "forbidden");
      const anon = await fetch(`${base}/api/media/token?roomId=roomE`);
      assert.equal(anon.status, 401);
      await anon.body?.cancel();
      const tokenRes = await fetch(
        `${base}/api/media/token?roomId=roomE&role=streamer`,
        json("alice"),
      );
      assert.equal(tokenRes.status, 200);
      const { token, url } = await tokenRes.json();
      assert.equal(url, stack.settings.wsUrl);

      sse = await openSse(`${base}/api/recording/events?roomId=roomE`, "alice");
      const sseDenied = await fetch(`${base}/api/recording/events?roomId=roomE`, json("bob"));
      assert.equal(sseDenied.status, 403);
      await sseDenied.body?.cancel();

      streamer = await startSyntheticStreamer(url, token);
      // Webhooks → the room goes live → the recorder starts on its own → segments over SSE.
      await sse.waitFor((ev) => ev.filter((e) => e.event === "segment_ready").length >= 2, 40_000);
      const live = stack.roomEvents.map(streamStateCommand).filter((c) => c !== undefined);
      assert.equal(live[0]?.state, "live");
      assert.equal(live[0]?.streamerId, "alice");

      // A viewer with a viewer token watches over WebRTC: the streamer's tracks reach it.
      const viewerToken =
        (await (await fetch(`${base}/api/media/token?roomId=roomE`, json("bob"))).json()).token;
      const gotTrack = new Promise<void>((r) => viewer.once(RoomEvent.TrackSubscribed, () => r()));
      await viewer.connect(url, viewerToken, { autoSubscribe: true, dynacast: false });
      await gotTrack;

      const status = await (await fetch(`${base}/api/recording/status?roomId=roomE`, json("alice")))
        .json();
      const recordingId: string = status.recording.recordingId;
      assert.equal(status.recording.state, "recording");
      assert.equal(status.recording.source, "livekit");

      await streamer.stop();
      await sse.waitFor((ev) => ev.some((e) => e.event === "recording_stopped"), 30_000);
      await stack.media.settled();

      const readies = sse.events.filter((e) => e.event === "segment_ready").map((e) =>
        e.data as { seq: number; key: string; recordingId: string }
      );
      assert.ok(readies.every((r) => r.recordingId === recordingId));
      assert.deepEqual(readies.map((r) => r.seq), readies.map((_, i) => i));

      // Index: every segment validated by its SegmentActor (ffprobe) and stored in Postgres.
      const rows = await stack.index.segments(recordingId);
      assert.equal(rows.length, readies.length);
      for (const row of rows) {
        assert.equal(row.roomId, "roomE");
        assert.equal(row.streamerId, "alice");
        assert.equal(row.videoCodec, "h264");
        assert.equal(row.audioCodec, "aac");
      }
      assert.ok(
        rows.filter((r) => r.valid).length >= rows.length - 1,
        "at most the tail segment is short",
      );
      const rec = await stack.index.recording(recordingId);
      assert.equal(rec?.state, "stopped");
      assert.equal(rec?.endReason, "stream_ended");

      // VOD: listed, playable; the playlist's segments are presigned and play in ffprobe.
      const list = await (await fetch(`${base}/api/vod/rooms/roomE/recordings`)).json();
      assert.deepEqual(list.recordings.map((r: { id: string }) => r.id), [recordingId]);
      const playlistUrl = `${base}/api/vod/recordings/${recordingId}/playlist.m3u8`;
      const playlist = parseMediaPlaylist(await (await fetch(playlistUrl)).text());
      assert.equal(playlist.ended, true);
      const valid = rows.filter((r) => r.valid);
      assert.equal(playlist.segments.length, valid.length);
      const played = await probe(playlistUrl);
      const expected = valid.reduce((s, r) => s + r.durationMs, 0) / 1000;
      assert.ok(
        Math.abs(played.durationSec - expected) < 1,
        `playlist plays ${played.durationSec} s of ${expected} s`,
      );
      assert.equal(played.video?.codec, "h264");

      // Stream going offline reached the room.
      const states = stack.roomEvents.map(streamStateCommand).filter((c) => c !== undefined).map((
        c,
      ) => c.state);
      assert.equal(states.at(-1), "offline");

      // Webhooks: a replay of a real one and a forged one are refused over HTTP.
      const signed = await signWebhook(
        stack.settings,
        webhookEvent({
          id: "EV_test_1",
          event: "room_started",
          room: { name: "roomE" },
          createdAt: BigInt(Math.floor(Date.now() / 1000)),
        }),
      );
      const post = (auth: string, bodyText: string) =>
        fetch(`${base}/webhooks/livekit`, {
          method: "POST",
          headers: { authorization: auth, "content-type": "application/webhook+json" },
          body: bodyText,
        });
      const first = await post(signed.authorization, signed.body);
      assert.equal(first.status, 200);
      await first.body?.cancel();
      const replayed = await post(signed.authorization, signed.body);
      assert.equal(replayed.status, 409);
      assert.equal((await replayed.json()).error.code, "webhook_replayed");
      const forged = await post(
        signed.authorization,
        signed.body.replace("EV_test_1", "EV_test_2"),
      );
      assert.equal(forged.status, 401);
      assert.equal((await forged.json()).error.code, "webhook_bad_signature");
    } finally {
      await viewer.disconnect().catch(() => {});
      await streamer?.stop();
      await sse?.close();
      await stack.close();
    }
  },
});
