/**
 * Media benchmark: how fast a finished segment is indexed (SegmentActor: presigned GET from
 * MinIO, ffprobe, validation, Postgres insert) and a highlight clip is cut (fetch the
 * segments, ffmpeg re-encode, upload, index), against the media's duration (× realtime).
 * Baselines in the same run: a bare ffprobe of the local file (indexing), and a stream-copy
 * cut of the same span (clipping: no re-encode, not frame-accurate).
 *
 *   deno run -A tests/bench/media.ts   → tests/bench/results/media.{json,md}
 */
import { SEGMENT_ACTOR_TYPE, segmentActorId } from "../../actors/segment/messages.ts";
import { h264AacArgs, probe, runFfmpeg, synthAvInputArgs } from "../../media/ffmpeg.ts";
import { parseMediaPlaylist } from "../../media/hls.ts";
import { segmentKey } from "../../actors/recording/storage_keys.ts";
import { startMediaStack } from "../helpers/media_stack.ts";

const DURATIONS = [2, 4, 6];
const INDEX_REPS = 7;
const CLIP_REPS = 3;
const SEGMENTS_PER_RECORDING = 3;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const time = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

interface Row {
  segmentSec: number;
  indexMs: number;
  probeBaselineMs: number;
  indexRealtime: number;
  clipSec: number;
  clipMs: number;
  copyBaselineMs: number;
  clipRealtime: number;
}

const stack = await startMediaStack({ streamers: {} });
const rows: Row[] = [];
try {
  for (const d of DURATIONS) {
    const dir = await Deno.makeTempDir({ prefix: "synapse-bench-" });
    await runFfmpeg([
      ...synthAvInputArgs(d * SEGMENTS_PER_RECORDING, { size: "1280x720", rate: 30 }),
      ...h264AacArgs(d, 30),
      "-f",
      "hls",
      "-hls_time",
      String(d),
      "-hls_list_size",
      "0",
      "-hls_segment_filename",
      `${dir}/s%d.ts`,
      `${dir}/p.m3u8`,
    ]);
    const local = parseMediaPlaylist(await Deno.readTextFile(`${dir}/p.m3u8`));
    const files = local.segments.map((s) => `${dir}/${s.uri}`);

    // Indexing: each rep is a fresh recording, so the actor really probes and inserts.
    const indexTimes: number[] = [];
    const probeTimes: number[] = [];
    let clipRecording = "";
    for (let rep = 0; rep < INDEX_REPS; rep++) {
      const recordingId = `bench_${d}s_${rep}`;
      let at = Date.now();
      for (const [seq, file] of files.entries()) {
        const key = segmentKey("benchroom", recordingId, seq);
        await stack.objects.putFile(key, file, "video/mp2t");
        const durationSec = local.segments[seq].durationSec;
        const msg = {
          kind: "segment_ready",
          recordingId,
          roomId: "benchroom",
          seq,
          key,
          startAt: at,
          endAt: at + Math.round(durationSec * 1000),
          durationSec,
          source: "egress",
        };
        at += Math.round(durationSec * 1000);
        const ms = await time(() =>
          stack.actors.ask(SEGMENT_ACTOR_TYPE, segmentActorId(recordingId, seq), msg)
        );
        if (seq === 0) {
          indexTimes.push(ms);
          probeTimes.push(await time(() => probe(file)));
        }
      }
      clipRecording = recordingId;
    }

    // Clips: a span of one segment's length straddling the first two segments.
    const span = { startOffsetMs: (d * 1000) / 2, endOffsetMs: (d * 1000) / 2 + d * 1000 };
    const clipTimes: number[] = [];
    const copyTimes: number[] = [];
    await Deno.writeTextFile(`${dir}/list.txt`, files.map((f) => `file '${f}'`).join("\n") + "\n");
    for (let rep = 0; rep < CLIP_REPS; rep++) {
      clipTimes.push(
        await time(() => stack.vod.cutClip(clipRecording, { id: `h${rep}`, ...span })),
      );
      copyTimes.push(
        await time(() =>
          runFfmpeg([
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            `${dir}/list.txt`,
            "-ss",
            String(span.startOffsetMs / 1000),
            "-t",
            String(d),
            "-c",
            "copy",
            `${dir}/copy${rep}.mp4`,
          ])
        ),
      );
    }
    await Deno.remove(dir, { recursive: true });
    const indexMs = median(indexTimes);
    const clipMs = median(clipTimes);
    rows.push({
      segmentSec: d,
      indexMs: Math.round(indexMs),
      probeBaselineMs: Math.round(median(probeTimes)),
      indexRealtime: Math.round((d * 1000) / indexMs * 10) / 10,
      clipSec: d,
      clipMs: Math.round(clipMs),
      copyBaselineMs: Math.round(median(copyTimes)),
      clipRealtime: Math.round((d * 1000) / clipMs * 10) / 10,
    });
    console.log(JSON.stringify(rows.at(-1)));
  }
} finally {
  await stack.close();
}

const ffmpegVersion = new TextDecoder().decode(
  (await new Deno.Command("ffmpeg", { args: ["-version"], stdout: "piped" }).output()).stdout,
).split("\n")[0];
const meta = {
  at: new Date().toISOString(),
  cores: navigator.hardwareConcurrency,
  ffmpeg: ffmpegVersion,
  media: "1280x720 30 fps testsrc2 + 440 Hz tone, H.264 veryfast + AAC 96k",
  indexReps: INDEX_REPS,
  clipReps: CLIP_REPS,
};
const out = new URL("./results/", import.meta.url);
await Deno.mkdir(out, { recursive: true });
await Deno.writeTextFile(
  new URL("media.json", out),
  JSON.stringify({ ...meta, rows }, null, 2) + "\n",
);
const md = [
  "# Media: segment indexing and highlight clips vs media duration",
  "",
  `${meta.at} · ${meta.cores} cores · ${meta.ffmpeg}`,
  "",
  `Media: ${meta.media}. Medians of ${INDEX_REPS} (indexing) and ${CLIP_REPS} (clips) runs.`,
  "Indexing = SegmentActor on `segment_ready`: presign, ffprobe over HTTP from MinIO, validation,",
  "Postgres upsert, actor state persisted. Baseline: ffprobe of the local file.",
  "Clip = VodService.cutClip of a span one segment long straddling two segments: fetch both",
  "from MinIO, ffmpeg frame-accurate re-encode, upload, index. Baseline: `-c copy` cut of the",
  "same span from local files (keyframe-aligned, no re-encode).",
  "",
  "| segment | index (median) | ffprobe baseline | index ratio | × realtime | clip | clip (median) | copy baseline | clip ratio | × realtime |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...rows.map((r) =>
    `| ${r.segmentSec} s | ${r.indexMs} ms | ${r.probeBaselineMs} ms | ${
      (r.indexMs / r.probeBaselineMs).toFixed(1)
    }× | ${r.indexRealtime}× | ${r.clipSec} s | ${r.clipMs} ms | ${r.copyBaselineMs} ms | ${
      (r.clipMs / r.copyBaselineMs).toFixed(1)
    }× | ${r.clipRealtime}× |`
  ),
  "",
  "× realtime = media seconds handled per wall-clock second (above 1 keeps up with a live stream).",
  "",
].join("\n");
await Deno.writeTextFile(new URL("media.md", out), md);
console.log(md);
