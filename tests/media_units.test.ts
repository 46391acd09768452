/** Pure parts of the media layer: playlists, timeline and highlight mapping, validation, guards. */
import assert from "node:assert/strict";
import { segmentProblem } from "../actors/segment/validate.ts";
import { buildMediaPlaylist, parseMediaPlaylist } from "../media/hls.ts";
import type { RecordingRow, SegmentRow } from "../actors/recording/recording_index.ts";
import { streamStateCommand } from "../media/livekit/stream_state.ts";
import { brokenLimit } from "../media/recorder/guards.ts";
import { i420Size, scaleI420 } from "../media/recorder/i420.ts";
import { ChainResolver, DirectUrlResolver } from "../media/recorder/url_source.ts";
import { buildTimeline, mapSpans, vodOffsetOf } from "../actors/recording/timeline.ts";

Deno.test("HLS playlist: build → parse round trip, discontinuity, ENDLIST", () => {
  const text = buildMediaPlaylist([
    { uri: "a.ts", durationSec: 2, programDateTime: Date.UTC(2026, 0, 1) },
    { uri: "b.ts", durationSec: 1.5, discontinuity: true },
  ], { ended: true, mediaSequence: 3 });
  const p = parseMediaPlaylist(text);
  assert.equal(p.ended, true);
  assert.equal(p.mediaSequence, 3);
  assert.equal(p.targetDurationSec, 2);
  assert.deepEqual(p.segments.map((s) => [s.uri, s.durationSec, s.discontinuity ?? false]), [
    ["a.ts", 2, false],
    ["b.ts", 1.5, true],
  ]);
  assert.equal(p.segments[0].programDateTime, Date.UTC(2026, 0, 1));
  assert.throws(() => parseMediaPlaylist("hello"), /EXTM3U/);
  assert.throws(() => parseMediaPlaylist("#EXTM3U\nseg.ts\n"), /EXTINF/);
});

const rec: RecordingRow = {
  id: "r",
  roomId: "room",
  streamerId: null,
  source: "livekit",
  sourceRef: null,
  state: "stopped",
  startedAt: 0,
  endedAt: null,
  endReason: null,
};
const seg = (seq: number, startAt: number, durationMs: number, valid = true): SegmentRow => ({
  recordingId: "r",
  seq,
  roomId: "room",
  streamerId: null,
  key: `k${seq}`,
  startAt,
  endAt: startAt + durationMs,
  durationMs,
  bytes: 1,
  videoCodec: "h264",
  audioCodec: "aac",
  width: 1,
  height: 1,
  valid,
  problem: null,
});

Deno.test("timeline: offsets, invalid segments skipped, holes become discontinuities, spans map", () => {
  const t = buildTimeline(rec, [
    seg(0, 10_000, 2_000),
    seg(1, 12_000, 2_000),
    seg(2, 14_000, 2_000, false),
    seg(3, 20_000, 2_000),
  ], []);
  assert.deepEqual(t.segments.map((s) => [s.seq, s.offsetMs, s.discontinuity]), [
    [0, 0, false],
    [1, 2_000, false],
    [3, 4_000, true],
  ]);
  assert.equal(t.durationMs, 6_000);
  assert.equal(vodOffsetOf(t, 5_000), 0, "before the start");
  assert.equal(vodOffsetOf(t, 12_500), 2_500);
  assert.equal(vodOffsetOf(t, 17_000), 4_000, "in a hole: snaps to the next segment");
  assert.equal(vodOffsetOf(t, 99_000), 6_000, "after the end");
  assert.deepEqual(
    mapSpans(t, [
      { id: "a", startAt: 11_000, endAt: 21_000, score: 1 },
      { id: "outside", startAt: 1_000, endAt: 2_000 },
    ]),
    [{ id: "a", startOffsetMs: 1_000, endOffsetMs: 5_000, score: 1 }],
  );
  const withGap = buildTimeline(rec, [seg(0, 0, 2_000), seg(1, 2_100, 2_000)], [{
    from: 2_000,
    to: 2_100,
    reason: "paused",
  }]);
  assert.equal(withGap.segments[1].discontinuity, true, "a recorded gap marks the next segment");
});

Deno.test("segment validation: codecs, duration against the announcement", () => {
  const ok = {
    durationSec: 2,
    formatName: "mpegts",
    video: { codec: "h264", width: 2, height: 2 },
    audio: { codec: "aac", sampleRate: 48000, channels: 1 },
  };
  assert.equal(segmentProblem(ok, 2), null);
  assert.match(segmentProblem({ ...ok, durationSec: 5 }, 2)!, /duration/);
  assert.match(
    segmentProblem({ ...ok, video: { codec: "mjpeg", width: 1, height: 1 } }, 2)!,
    /video codec/,
  );
  assert.match(
    segmentProblem({ durationSec: 2 }, undefined)!,
    /no audio or video/,
  );
});

Deno.test("guards: disk before quota", () => {
  assert.equal(brokenLimit({ minFreeDiskBytes: 10 }, 5, 0), "disk_low");
  assert.equal(
    brokenLimit({ minFreeDiskBytes: 10, bucketQuotaBytes: 100 }, 50, 101),
    "bucket_quota",
  );
  assert.equal(brokenLimit({ minFreeDiskBytes: 10, bucketQuotaBytes: 100 }, 50, 100), undefined);
});

Deno.test("I420 scaling keeps planes in place", () => {
  const src = new Uint8Array(i420Size(4, 4));
  src.fill(10, 0, 16);
  src.fill(20, 16, 20);
  src.fill(30, 20, 24);
  const dst = scaleI420(src, 4, 4, 8, 6);
  assert.equal(dst.length, i420Size(8, 6));
  assert.ok(dst.subarray(0, 48).every((v) => v === 10));
  assert.ok(dst.subarray(48, 60).every((v) => v === 20));
  assert.ok(dst.subarray(60, 72).every((v) => v === 30));
});

Deno.test("stream state: live on the streamer's track, offline when they leave; recorder ignored", () => {
  const base = { eventId: "e", roomId: "r", at: 1 };
  assert.equal(
    streamStateCommand({
      ...base,
      kind: "track_published",
      participant: { identity: "a", name: "a", role: "streamer" },
    })?.state,
    "live",
  );
  assert.equal(
    streamStateCommand({
      ...base,
      kind: "track_published",
      participant: { identity: "recorder-x", name: "r" },
    }),
    undefined,
  );
  assert.equal(
    streamStateCommand({
      ...base,
      kind: "participant_left",
      participant: { identity: "a", name: "a", role: "streamer" },
    })?.state,
    "offline",
  );
  assert.equal(
    streamStateCommand({
      ...base,
      kind: "participant_left",
      participant: { identity: "v", name: "v", role: "viewer" },
    }),
    undefined,
  );
  assert.equal(streamStateCommand({ ...base, kind: "room_finished" })?.state, "offline");
});

Deno.test("URL resolvers: direct HLS/FLV accepted, others refused with stable codes, chain falls through", async () => {
  // Names resolve through an injected lookup (no DNS here; see media_url_guard.test.ts).
  const dns: Record<string, string[]> = {
    "localhost": ["127.0.0.1"],
    "cdn.example": ["93.184.216.34"],
    "h": ["93.184.216.35"],
  };
  const direct = new DirectUrlResolver({
    lookup: (h) => dns[h] ? Promise.resolve(dns[h]) : Promise.reject(new Error("ENOTFOUND")),
  });
  for (
    const internal of [
      "http://127.0.0.1/a.m3u8",
      "http://localhost:8080/a.m3u8",
      "http://10.1.2.3/a.flv",
      "http://[::1]/a.m3u8",
      "http://169.254.169.254/a.m3u8",
      "http://192.168.0.5/x.m3u8",
    ]
  ) {
    await assert.rejects(
      direct.resolve(internal),
      (e: { code?: string }) => e.code === "url_forbidden",
      internal,
    );
  }
  assert.equal(
    (await new DirectUrlResolver({ allowPrivateHosts: true }).resolve("http://127.0.0.1:9/a.m3u8"))
      .format,
    "hls",
  );
  const cdn = await direct.resolve("https://cdn.example/live/x.m3u8?t=1");
  assert.deepEqual({ url: cdn.url, format: cdn.format }, {
    url: "https://cdn.example/live/x.m3u8?t=1",
    format: "hls",
  });
  assert.equal((await direct.resolve("http://h/x.flv")).format, "flv");
  await assert.rejects(
    direct.resolve("rtmp://h/app/key"),
    (e: { code?: string }) => e.code === "url_unsupported",
  );
  await assert.rejects(direct.resolve("::"), (e: { code?: string }) => e.code === "url_invalid");
  const platform = {
    resolve: (u: string) =>
      u.startsWith("https://platform.example/")
        ? Promise.resolve({ url: "http://cdn/p.m3u8", format: "hls" as const })
        : direct.resolve(u),
  };
  const chain = new ChainResolver([platform, direct]);
  assert.equal(
    (await chain.resolve("https://platform.example/channel/42")).url,
    "http://cdn/p.m3u8",
  );
});
