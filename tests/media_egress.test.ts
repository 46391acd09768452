/**
 * Cluster-mode recording through LiveKit egress, with test code playing egress's part
 * (real HLS from ffmpeg uploaded to MinIO, egress webhooks signed like LiveKit's): the
 * recording is found in S3 segment by segment, indexed by SegmentActors, served as VOD;
 * a room highlight is mapped onto the VOD and cut into a clip stored beside it.
 */
import assert from "node:assert/strict";
import { probe } from "../media/ffmpeg.ts";
import { issueToken } from "../media/livekit/tokens.ts";
import { EgressStandIn } from "./helpers/egress_standin.ts";
import { startSyntheticStreamer } from "./helpers/livekit.ts";
import { openSse, startMediaStack } from "./helpers/media_stack.ts";

const auth = (token: string, body?: unknown) => ({
  method: body === undefined ? "GET" : "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: body === undefined ? undefined : JSON.stringify(body),
});

Deno.test({
  name: "egress stand-in: segments in S3 → segment_ready → index → VOD → highlight clip",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    let standIn: EgressStandIn | undefined;
    const stack = await startMediaStack({
      withLivekit: true,
      streamers: { carol: ["roomG"] },
      egress: (
        objects,
        settings,
      ) => (standIn = new EgressStandIn({ objects, settings, mediaSeconds: 7 })),
    });
    standIn!.webhookUrl = `${stack.baseUrl}/webhooks/livekit`;
    const base = stack.baseUrl;
    const sse = await openSse(`${base}/api/recording/events?roomId=roomG`, "carol");
    const streamer = await startSyntheticStreamer(
      stack.settings.wsUrl,
      await issueToken(stack.settings, "streamer", { roomId: "roomG", identity: "carol" }),
    );
    try {
      await sse.waitFor((ev) => ev.some((e) => e.event === "recording_stopped"), 45_000);
      await Promise.all(standIn!.runs);
      await stack.media.settled();
      assert.equal(standIn!.runs.length, 1, "one egress per stream");
      assert.deepEqual(standIn!.webhookStatuses, [200, 200]);

      const started = sse.events.find((e) => e.event === "recording_started")!.data as {
        recordingId: string;
        source: string;
      };
      assert.equal(started.source, "egress");
      const recordingId = started.recordingId;
      const readies = sse.events.filter((e) => e.event === "segment_ready").map((e) =>
        e.data as { seq: number; key: string }
      );
      assert.deepEqual(readies.map((r) => r.seq), [0, 1, 2, 3]);
      assert.ok(readies.every((r) => r.key.startsWith(`recordings/roomG/${recordingId}/seg_`)));

      const rows = await stack.index.segments(recordingId);
      assert.equal(rows.length, 4);
      assert.ok(
        rows.every((r) => r.valid && r.videoCodec === "h264" && r.audioCodec === "aac"),
        JSON.stringify(rows),
      );
      const rec = await stack.index.recording(recordingId);
      assert.equal(rec?.source, "egress");
      assert.equal(rec?.sourceRef, "EG_standin1");
      assert.equal(rec?.state, "stopped");

      // VOD: the timeline has offsets; the playlist plays for the whole recording.
      const highlightStart = rows[1].startAt + 500;
      stack.highlights.set("roomG", [
        { id: "h1", startAt: highlightStart, endAt: highlightStart + 2_000, score: 0.9 },
        { id: "before", startAt: rows[0].startAt - 60_000, endAt: rows[0].startAt - 50_000 },
      ]);
      const vod = await (await fetch(`${base}/api/vod/recordings/${recordingId}`)).json();
      // Offsets add up the measured (ffprobe) durations; highlights map through wall clock.
      const offsets = rows.map((_, i) =>
        rows.slice(0, i).reduce((sum, r) => sum + r.durationMs, 0)
      );
      assert.deepEqual(vod.segments.map((s: { offsetMs: number }) => s.offsetMs), offsets);
      assert.ok(rows.every((r) => Math.abs(r.durationMs - (r.endAt - r.startAt)) < 100));
      const endOffset = offsets[2] + (highlightStart + 2_000 - rows[2].startAt);
      assert.deepEqual(vod.highlights, [{
        id: "h1",
        startOffsetMs: offsets[1] + 500,
        endOffsetMs: endOffset,
        score: 0.9,
      }]);
      const played = await probe(`${base}/api/vod/recordings/${recordingId}/playlist.m3u8`);
      assert.ok(Math.abs(played.durationSec - 7) < 0.5, `VOD plays ${played.durationSec} s`);

      // Clips: streamer only; one per highlight inside the recording, stored beside it.
      const denied = await fetch(
        `${base}/api/vod/recordings/${recordingId}/clips`,
        auth("bob", {}),
      );
      assert.equal(denied.status, 403);
      await denied.body?.cancel();
      const cut = await fetch(
        `${base}/api/vod/recordings/${recordingId}/clips`,
        auth("carol", { padMs: 0 }),
      );
      assert.equal(cut.status, 201);
      const { clips } = await cut.json();
      assert.equal(clips.length, 1);
      assert.equal(clips[0].key, `recordings/roomG/${recordingId}/clips/h1.mp4`);
      const listed = await (await fetch(`${base}/api/vod/recordings/${recordingId}/clips`)).json();
      const clip = await probe(listed.clips[0].url);
      const expected = (endOffset - offsets[1] - 500) / 1000;
      assert.ok(
        Math.abs(clip.durationSec - expected) < 0.3,
        `clip of ${clip.durationSec} s, span ${expected} s`,
      );
      assert.equal(clip.video?.codec, "h264");
    } finally {
      await streamer.stop();
      await sse.close();
      await stack.close();
    }
  },
});
