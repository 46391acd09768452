/**
 * The recorder agent end to end with real servers: a synthetic streamer publishes audio and
 * video into livekit-server, the recorder joins hidden, ffmpeg writes HLS segments, each is
 * uploaded to MinIO and announced as `segment_ready`; a killed ffmpeg is restarted and the
 * gap recorded; the streamer leaving ends the recording with a VOD playlist.
 */
import assert from "node:assert/strict";
import { createLogger } from "../engine/log.ts";
import { probe } from "../media/ffmpeg.ts";
import { parseMediaPlaylist } from "../media/hls.ts";
import { livekitSettings } from "../media/livekit/settings.ts";
import { issueToken } from "../media/livekit/tokens.ts";
import type { RecordingEvent, SegmentReady } from "../media/recorder/events.ts";
import { RecordingManager } from "../media/recorder/manager.ts";
import { S3ObjectStore } from "../media/s3.ts";
import { playlistKey } from "../actors/recording/storage_keys.ts";
import { startLivekit, startSyntheticStreamer } from "./helpers/livekit.ts";
import { startMinio } from "./helpers/minio.ts";

const log = createLogger(
  { test: "media_recorder" },
  (Deno.env.get("TEST_LOG") ?? "error") as "error",
);

Deno.test({
  name:
    "recorder agent: live room → HLS segments in MinIO, restart gap, VOD playlist on stream end",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const [minio, lk] = await Promise.all([startMinio(), startLivekit()]);
    const settings = livekitSettings(lk.wsUrl, lk.apiKey, lk.apiSecret);
    const store = new S3ObjectStore({
      endpoint: minio.endpoint,
      region: minio.region,
      bucket: "recordings",
      accessKeyId: minio.accessKey,
      secretAccessKey: minio.secretKey,
    });
    await store.ensureBucket();
    const workRoot = await Deno.makeTempDir({ prefix: "synapse-rec-" });
    const manager = new RecordingManager({
      store,
      livekit: settings,
      workRoot,
      segmentSeconds: 2,
      log,
      backoffBaseMs: 200,
      guardEveryMs: 60_000,
    });
    const events: RecordingEvent[] = [];
    manager.events.subscribe((e) => events.push(e));
    if (Deno.env.get("TEST_LOG")) {
      manager.events.subscribe((e) => console.error("EVENT", JSON.stringify(e)));
    }
    const streamer = await startSyntheticStreamer(
      settings.wsUrl,
      await issueToken(settings, "streamer", { roomId: "roomR", identity: "alice", name: "Alice" }),
    );
    try {
      const started = await manager.startRoom("roomR");
      assert.equal(started.state, "recording");
      assert.equal(
        (await manager.startRoom("roomR")).recordingId,
        started.recordingId,
        "idempotent per room",
      );
      const isSeg = (e: RecordingEvent): e is SegmentReady => e.type === "segment_ready";
      await manager.events.next((e) => isSeg(e) && e.seq === 1, 30_000);

      // The recorder is hidden: the streamer's room does not list it.
      assert.deepEqual([...streamer.room.remoteParticipants.keys()], []);

      // ffmpeg dies: restarted, the hole is a recorded gap, numbering continues.
      manager.session(started.recordingId)!.crashEncoderForTest();
      const gap = await manager.events.next((e) => e.type === "recording_gap", 30_000);
      assert.equal(gap.type === "recording_gap" && gap.reason, "encoder_restart");
      await manager.events.next((e) => isSeg(e) && e.seq >= 3, 30_000);

      await streamer.stop();
      const stopped = await manager.events.next((e) => e.type === "recording_stopped", 30_000);
      assert.equal(stopped.type === "recording_stopped" && stopped.reason, "stream_ended");

      const segs = events.filter(isSeg);
      assert.deepEqual(segs.map((s) => s.seq), segs.map((_, i) => i), "seq 0..n without holes");
      for (const [i, s] of segs.entries()) {
        assert.ok(s.endAt > s.startAt);
        if (i > 0) assert.ok(s.startAt >= segs[i - 1].startAt);
        assert.ok(await store.exists(s.key), `${s.key} uploaded`);
      }
      const playlist = parseMediaPlaylist(
        (await store.getText(playlistKey("roomR", started.recordingId)))!,
      );
      assert.equal(playlist.ended, true);
      assert.equal(playlist.segments.length, segs.length);
      assert.equal(
        playlist.segments.filter((s) => s.discontinuity).length,
        1,
        "one discontinuity at the restart",
      );

      const first = await probe(await store.presignGet(segs[0].key));
      assert.equal(first.video?.codec, "h264");
      assert.equal(first.video?.width, 320);
      assert.equal(first.audio?.codec, "aac");
      assert.ok(
        first.durationSec > 1 && first.durationSec < 4,
        `segment of ~2 s, got ${first.durationSec}`,
      );

      const status = manager.status(started.recordingId)!;
      assert.equal(status.state, "stopped");
      assert.equal(status.restarts, 1);
      assert.equal(status.gaps.length, 1);
    } finally {
      await streamer.stop();
      await manager.close();
      store.close();
      await Promise.all([minio.stop(), lk.stop()]);
      await Deno.remove(workRoot, { recursive: true }).catch(() => {});
    }
  },
});
