/**
 * Recording an external live HLS stream (generated here by ffmpeg in real time and served
 * on loopback) through the recording API: segments flow; the disk guard pauses and
 * resumes the recording with a recorded gap; the concurrent-recordings limit holds; when
 * the stream dies mid-way ffmpeg is restarted with backoff, then the recording ends as
 * `source_lost` with what was recorded still playable.
 */
import assert from "node:assert/strict";
import { probe } from "../media/ffmpeg.ts";
import { liveHls } from "./helpers/live_hls.ts";
import { openSse, startMediaStack } from "./helpers/media_stack.ts";

const auth = (token: string, body?: unknown) => ({
  method: body === undefined ? "GET" : "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: body === undefined ? undefined : JSON.stringify(body),
});

Deno.test({
  name: "external HLS recording: segments, disk pause/resume, limit, stream dying mid-way",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const stack = await startMediaStack({
      streamers: { dave: ["roomX"] },
      manager: { maxConcurrent: 1, maxRestarts: 2, backoffBaseMs: 200 },
    });
    const source = await liveHls({ seconds: 120, host: "127.0.0.1" });
    const sse = await openSse(`${stack.baseUrl}/api/recording/events?roomId=roomX`, "dave");
    const base = stack.baseUrl;
    try {
      const bad = await fetch(
        `${base}/api/recording/start`,
        auth("dave", { roomId: "roomX", url: "not a url" }),
      );
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).error.code, "invalid_request");
      const ftp = await fetch(
        `${base}/api/recording/start`,
        auth("dave", { roomId: "roomX", url: "ftp://x/y.m3u8" }),
      );
      assert.equal((await ftp.json()).error.code, "url_unsupported");
      const unsupported = await fetch(
        `${base}/api/recording/start`,
        auth("dave", { roomId: "roomX", url: "http://127.0.0.1:9/page.html" }),
      );
      assert.equal((await unsupported.json()).error.code, "url_unsupported");
      const notStreamer = await fetch(
        `${base}/api/recording/start`,
        auth("erin", { roomId: "roomX", url: source.url }),
      );
      assert.equal(notStreamer.status, 403);
      await notStreamer.body?.cancel();

      const started = await fetch(
        `${base}/api/recording/start`,
        auth("dave", { roomId: "roomX", url: source.url }),
      );
      assert.equal(started.status, 201);
      const { recording } = await started.json();
      assert.equal(recording.source, "url");
      assert.ok(!JSON.stringify(recording).includes("?"), "no query strings in status");
      const recordingId: string = recording.recordingId;

      // Concurrent-recordings limit (1 here).
      const second = await fetch(
        `${base}/api/recording/start`,
        auth("dave", { roomId: "roomX", url: source.url }),
      );
      assert.equal(second.status, 429);
      assert.equal((await second.json()).error.code, "recording_limit");

      const segs = () => sse.events.filter((e) => e.event === "segment_ready").length;
      await sse.waitFor(() => segs() >= 2, 30_000);

      // Disk guard: below the threshold → paused; recovered → resumed, the hole is a gap.
      stack.manager.setLimits({ minFreeDiskBytes: Number.MAX_SAFE_INTEGER });
      await stack.manager.checkGuards();
      await sse.waitFor((ev) => ev.some((e) => e.event === "recording_paused"));
      const paused = sse.events.find((e) => e.event === "recording_paused")!.data as {
        reason: string;
      };
      assert.equal(paused.reason, "disk_low");
      const status =
        await (await fetch(`${base}/api/recording/status?recordingId=${recordingId}`, auth("dave")))
          .json();
      assert.equal(status.recording.state, "paused");
      const beforeResume = segs();
      stack.manager.setLimits({ minFreeDiskBytes: 1 });
      await stack.manager.checkGuards();
      await sse.waitFor((ev) => ev.some((e) => e.event === "recording_resumed"));
      await sse.waitFor(() => segs() >= beforeResume + 2, 30_000);
      const gaps = () =>
        sse.events.filter((e) => e.event === "recording_gap").map((e) =>
          e.data as { reason: string }
        );
      assert.deepEqual(gaps().map((g) => g.reason), ["paused"]);

      // The stream dies: restarts with backoff fail, the recording ends as source_lost.
      await source.kill();
      await sse.waitFor((ev) => ev.some((e) => e.event === "recording_stopped"), 40_000);
      const stopped = sse.events.find((e) => e.event === "recording_stopped")!.data as {
        reason: string;
      };
      assert.equal(stopped.reason, "source_lost");
      assert.deepEqual(gaps().map((g) => g.reason), ["paused", "source_lost"]);
      await stack.media.settled();

      const row = await stack.index.recording(recordingId);
      assert.equal(row?.state, "failed");
      assert.equal(row?.source, "url");
      const dbGaps = await stack.index.gaps(recordingId);
      assert.deepEqual(dbGaps.map((g) => g.reason), ["paused", "source_lost"]);
      const rows = await stack.index.segments(recordingId);
      assert.equal(rows.length, segs());
      assert.ok(rows.filter((r) => r.valid).length >= rows.length - 2);
      const timeline = await stack.vod.timeline(recordingId);
      assert.equal(
        timeline.segments.filter((s) => s.discontinuity).length >= 1,
        true,
        "pause shows as a discontinuity",
      );
      const played = await probe(`${base}/api/vod/recordings/${recordingId}/playlist.m3u8`);
      assert.ok(played.durationSec > 3, `what was recorded plays (${played.durationSec} s)`);
    } finally {
      await sse.close();
      await source.close();
      await stack.close();
    }
  },
});

Deno.test({
  name: "external HLS recording: stop over the API closes the VOD",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const stack = await startMediaStack({ streamers: { dave: ["roomY"] } });
    const source = await liveHls({ seconds: 120, host: "127.0.0.1" });
    const base = stack.baseUrl;
    try {
      const started = await fetch(
        `${base}/api/recording/start`,
        auth("dave", { roomId: "roomY", url: source.url }),
      );
      const { recording } = await started.json();
      await stack.manager.events.next(
        (e) => e.type === "segment_ready" && e.recordingId === recording.recordingId,
        30_000,
      );
      const foreign = await fetch(
        `${base}/api/recording/stop`,
        auth("erin", { recordingId: recording.recordingId }),
      );
      assert.equal(foreign.status, 403);
      await foreign.body?.cancel();
      const missing = await fetch(
        `${base}/api/recording/stop`,
        auth("dave", { recordingId: "rec_nope" }),
      );
      assert.equal(missing.status, 404);
      await missing.body?.cancel();
      const stop = await fetch(
        `${base}/api/recording/stop`,
        auth("dave", { recordingId: recording.recordingId }),
      );
      assert.equal(stop.status, 200);
      assert.equal((await stop.json()).recording.state, "stopped");
      await stack.media.settled();
      const row = await stack.index.recording(recording.recordingId);
      assert.equal(row?.state, "stopped");
      assert.equal(row?.endReason, "requested");
      const playlist =
        await (await fetch(`${base}/api/vod/recordings/${recording.recordingId}/playlist.m3u8`))
          .text();
      assert.ok(playlist.includes("#EXT-X-ENDLIST"));
    } finally {
      await source.close();
      await stack.close();
    }
  },
});
