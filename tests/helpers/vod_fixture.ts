/**
 * A recording laid out the way the recorder writes one, for the VOD tests: real H.264/AAC
 * HLS segments from ffmpeg uploaded to MinIO and indexed, plus the Chromium capability check
 * the VOD browser tests share.
 */
import { openPostgresStore } from "../../engine/sql/postgres_store.ts";
import { h264AacArgs, runFfmpeg, synthAvInputArgs } from "../../media/ffmpeg.ts";
import { parseMediaPlaylist } from "../../media/hls.ts";
import { RecordingIndex, type SegmentRow } from "../../actors/recording/recording_index.ts";
import { S3ObjectStore } from "../../media/s3.ts";
import { segmentKey } from "../../actors/recording/storage_keys.ts";
import { CHROMIUM, launchChromium } from "./browser.ts";
import { startMediaServer } from "./media_server.ts";

/** Chromium flags for a page that must play video without a click. */
export const AUTOPLAY = ["--autoplay-policy=no-user-gesture-required"];

/** Why a VOD browser test cannot run here (no Chromium, no H.264 through MSE), or undefined. */
export async function vodPlaybackSkipReason(): Promise<string | undefined> {
  if (!(await Deno.stat(CHROMIUM).then(() => true, () => false))) {
    return `${CHROMIUM} not found (apt-get install chromium)`;
  }
  const browser = await launchChromium(AUTOPLAY);
  try {
    const page = await browser.newPage();
    const h264 = await page.evaluate(
      `typeof MediaSource !== "undefined" &&
        MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"')`,
    );
    return h264 ? undefined : "this Chromium build cannot play H.264 through MSE";
  } finally {
    await browser.close();
  }
}

/** One index row of a valid 320×240 H.264/AAC segment (the fields the tests vary given). */
export function segmentRow(
  s: Pick<SegmentRow, "recordingId" | "seq" | "roomId" | "key" | "startAt" | "durationMs"> & {
    bytes?: number;
  },
): SegmentRow {
  return {
    streamerId: null,
    endAt: s.startAt + s.durationMs,
    bytes: 1000,
    videoCodec: "h264",
    audioCodec: "aac",
    width: 320,
    height: 240,
    valid: true,
    problem: null,
    ...s,
  };
}

/**
 * Writes a stopped recording of `seconds` of synthetic video in 2 s segments starting at
 * `startedAt`: segments in `objects`, rows in `index`. Returns the segment count and end.
 */
export async function writeRecording(opts: {
  index: RecordingIndex;
  objects: S3ObjectStore;
  roomId: string;
  recordingId: string;
  seconds: number;
  startedAt: number;
}): Promise<{ segments: number; endedAt: number }> {
  const { index, objects, roomId, recordingId } = opts;
  const dir = await Deno.makeTempDir({ prefix: "synapse-vod-fixture-" });
  try {
    await runFfmpeg([
      ...synthAvInputArgs(opts.seconds),
      ...h264AacArgs(2),
      "-f",
      "hls",
      "-hls_time",
      "2",
      "-hls_list_size",
      "0",
      "-hls_segment_filename",
      `${dir}/seg%d.ts`,
      `${dir}/index.m3u8`,
    ]);
    const produced = parseMediaPlaylist(await Deno.readTextFile(`${dir}/index.m3u8`));
    await index.upsertRecording({
      id: recordingId,
      roomId,
      streamerId: null,
      source: "livekit",
      state: "recording",
      startedAt: opts.startedAt,
    });
    let at = opts.startedAt;
    for (const [seq, seg] of produced.segments.entries()) {
      const key = segmentKey(roomId, recordingId, seq);
      await objects.putFile(key, `${dir}/${seg.uri}`, "video/mp2t");
      const durationMs = Math.round(seg.durationSec * 1000);
      const bytes = (await Deno.stat(`${dir}/${seg.uri}`)).size;
      await index.putSegment(
        segmentRow({ recordingId, seq, roomId, key, startAt: at, durationMs, bytes }),
      );
      at += durationMs;
    }
    const row = (await index.recording(recordingId))!;
    await index.upsertRecording({ ...row, state: "stopped", endedAt: at, endReason: "test" });
    return { segments: produced.segments.length, endedAt: at };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * A started server with media (no LiveKit) plus direct handles on its bucket and recording
 * index, to lay recordings out as the recorder would. Everything is closed by `cleanups`.
 */
export async function startVodStack(cleanups: (() => Promise<unknown>)[], bucket: string) {
  const { server, minio, db } = await startMediaServer(cleanups, { bucket, livekit: false });
  const objects = new S3ObjectStore({
    endpoint: minio.endpoint,
    region: minio.region,
    bucket,
    accessKeyId: minio.accessKey,
    secretAccessKey: minio.secretKey,
  });
  cleanups.push(() => Promise.resolve(objects.close()));
  const sql = openPostgresStore(db.url);
  cleanups.push(() => sql.close());
  return { server, db, objects, sql, index: new RecordingIndex(sql) };
}
