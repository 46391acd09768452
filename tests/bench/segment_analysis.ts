/**
 * Segment analysis benchmark, no remote calls: one 300 s window (720p25 H.264 + AAC speech,
 * MPEG-TS as recorded, in 6 s segments) through the AnalysisActor's own media path — join the
 * segments, audio to 16 kHz mono (ffmpeg), key frames (`-skip_frame nokey`, every 10 s, ≤24,
 * ≤480p) and Silero VAD — CPU time of this process and its ffmpeg children, × realtime.
 * Baseline in the same run: key frames by decoding every frame (fps filter, no skip_frame).
 * Medians of SEGMENT_BENCH_RUNS runs (default 3). Writes tests/bench/results/segment_analysis.{json,md}.
 *
 *   deno run -A tests/bench/segment_analysis.ts
 */
import { fileURLToPath } from "node:url";
import { joinSegments, keyFrames, windowAudio } from "../../media/analysis/window_media.ts";
import { SharedModels } from "../../media/analysis/shared_models.ts";
import { runFfmpeg } from "../../media/ffmpeg.ts";

const RUNS = Number(Deno.env.get("SEGMENT_BENCH_RUNS") ?? 3);
const WINDOW_S = 300;
const SEGMENT_S = 6;
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

function cpuMs(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const n = (i: number) => Number(f[i - 3]);
  return (n(14) + n(15) + n(16) + n(17)) * 10; // self + waited-for children, USER_HZ 100
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function measure(fn: () => Promise<unknown>): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
  }
  return { cpuMs: median(cpu), wallMs: median(wall) };
}

async function makeSegments(dir: string): Promise<Uint8Array[]> {
  await new Deno.Command("espeak-ng", {
    args: ["-v", "en-us", "-w", `${dir}/s.wav`, "hello everyone, today I show you the new camera"],
  }).output();
  await runFfmpeg([
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=1280x720:rate=25:duration=${WINDOW_S}`,
    "-stream_loop",
    "-1",
    "-i",
    `${dir}/s.wav`,
    "-af",
    "apad=pad_dur=3",
    "-t",
    String(WINDOW_S),
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-g",
    "50",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-ar",
    "48000",
    "-f",
    "segment",
    "-segment_time",
    String(SEGMENT_S),
    "-segment_format",
    "mpegts",
    `${dir}/seg_%03d.ts`,
  ]);
  const names = [];
  for await (const e of Deno.readDir(dir)) if (e.name.startsWith("seg_")) names.push(e.name);
  return await Promise.all(names.sort().map((n) => Deno.readFile(`${dir}/${n}`)));
}

const dir = await Deno.makeTempDir({ prefix: "bench-segment-analysis-" });
const models = new SharedModels(() => Promise.resolve(null));
try {
  const segments = await makeSegments(dir);
  const input = `${dir}/window.ts`;
  const join = await measure(() => joinSegments(input, segments));
  let samples = 0;
  const audio = await measure(async () => (samples = (await windowAudio(input)).length));
  const pcm = await windowAudio(input);
  let frames = 0;
  const keyOnly = await measure(async () => {
    await Deno.remove(`${dir}/kf`, { recursive: true }).catch(() => {});
    frames = (await keyFrames(input, `${dir}/kf`)).length;
  });
  const fullDecode = await measure(() =>
    runFfmpeg([
      "-i",
      input,
      "-an",
      "-vf",
      "fps=1/10,scale=-2:'min(480,ih)'",
      "-frames:v",
      "24",
      "-q:v",
      "5",
      `${dir}/full_%02d.jpg`,
    ])
  );
  let speechRatio = 0;
  const vad = await measure(async () => {
    speechRatio = (await models.speech(pcm)).speechRatio;
  });
  const x = (m: { cpuMs: number }) => Math.round((WINDOW_S * 1000) / Math.max(1, m.cpuMs));
  const result = {
    windowSeconds: WINDOW_S,
    segments: segments.length,
    runs: RUNS,
    join,
    audio: { ...audio, samples, xRealtime: x(audio) },
    keyFrames: { ...keyOnly, frames, xRealtime: x(keyOnly) },
    keyFramesBaselineFullDecode: { ...fullDecode, xRealtime: x(fullDecode) },
    vad: { ...vad, speechRatio: Math.round(speechRatio * 1000) / 1000, xRealtime: x(vad) },
    totalCpuMs: join.cpuMs + audio.cpuMs + keyOnly.cpuMs + vad.cpuMs,
  };
  const md = [
    `# Segment analysis (one ${WINDOW_S} s window, ${segments.length} segments, median of ${RUNS})`,
    "",
    "| step | CPU ms | wall ms | × realtime (CPU) |",
    "| --- | ---: | ---: | ---: |",
    `| join segments | ${join.cpuMs} | ${join.wallMs.toFixed(0)} | ${x(join)} |`,
    `| audio → 16 kHz mono | ${audio.cpuMs} | ${audio.wallMs.toFixed(0)} | ${x(audio)} |`,
    `| key frames, skip_frame nokey (${frames}) | ${keyOnly.cpuMs} | ${
      keyOnly.wallMs.toFixed(0)
    } | ${x(keyOnly)} |`,
    `| baseline: key frames by full decode | ${fullDecode.cpuMs} | ${
      fullDecode.wallMs.toFixed(0)
    } | ${x(fullDecode)} |`,
    `| Silero VAD (speech ratio ${result.vad.speechRatio}) | ${vad.cpuMs} | ${
      vad.wallMs.toFixed(0)
    } | ${x(vad)} |`,
    "",
    `Media path total: ${result.totalCpuMs} ms CPU per ${WINDOW_S} s window (${
      Math.round((WINDOW_S * 1000) / result.totalCpuMs)
    }× realtime); key-frame-only decode is ${
      (fullDecode.cpuMs / Math.max(1, keyOnly.cpuMs)).toFixed(1)
    }× cheaper than the full-decode baseline.`,
    "",
  ].join("\n");
  await Deno.mkdir(resultsDir, { recursive: true });
  await Deno.writeTextFile(`${resultsDir}segment_analysis.json`, JSON.stringify(result, null, 2));
  await Deno.writeTextFile(`${resultsDir}segment_analysis.md`, md);
  console.log(md);
} finally {
  await models.close();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
