/**
 * Segment analysis benchmark, no remote calls: one 300 s window (720p25 H.264 + AAC speech,
 * MPEG-TS as recorded, in 6 s segments; a face — scikit-image's astronaut — and a line of
 * Chinese price text drawn over the picture) through the AnalysisActor's own media path — join
 * the segments, audio to 16 kHz mono (ffmpeg), key frames (`-skip_frame nokey`, every 10 s,
 * ≤24, ≤480p) and Silero VAD — CPU time of this process and its ffmpeg children, × realtime.
 * Baseline in the same run: key frames by decoding every frame (fps filter, no skip_frame).
 *
 * Then the window's model steps as the analysis runs them (SharedModels with OCR and faces on):
 * the audio denoised by RNNoise at AUDIO_DENOISE_DB's default (100 dB), faces and expressions
 * on the key frames (media/vision/faces.ts, in the face models' worker) and on-screen text
 * (PP-OCRv4, in the OCR's worker). The workers are threads of this process, so /proc/self/stat
 * counts their CPU; models are loaded before the timed runs (their load is reported apart).
 * The whole window (media path + models) is set beside today's path before this stop (the media
 * path alone). Medians of SEGMENT_BENCH_RUNS runs (default 3); BENCH_NOTE, when set, is written
 * beside the load average (what else shared the machine).
 * Writes tests/bench/results/segment_analysis.{json,md}.
 *
 *   deno run -A tests/bench/segment_analysis.ts
 */
import { fileURLToPath } from "node:url";
import { joinSegments, keyFrames, windowAudio } from "../../media/analysis/window_media.ts";
import { SharedModels } from "../../media/analysis/shared_models.ts";
import { runFfmpeg } from "../../media/ffmpeg.ts";
import { FACE_IMAGE } from "../helpers/face_images.ts";
import { CJK_FONT } from "../helpers/text_frame.ts";
import { median, selfAndChildrenCpuMs as cpuMs } from "./helpers/stats.ts";

const RUNS = Number(Deno.env.get("SEGMENT_BENCH_RUNS") ?? 3);
const WINDOW_S = 300;
const SEGMENT_S = 6;
/** AUDIO_DENOISE_DB's default (media/config.ts). */
const DENOISE_DB = 100;
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

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
    "-loop",
    "1",
    "-i",
    FACE_IMAGE,
    "-filter_complex",
    "[2:v]scale=-2:400[face];[0:v][face]overlay=x=W-w-60:y=(H-h)/2:shortest=1," +
    `drawtext=fontfile=${CJK_FONT}:text='新款相机 限时特价 ¥2999':fontsize=56:` +
    "fontcolor=white:box=1:boxcolor=black:x=60:y=60[v]",
    "-map",
    "[v]",
    "-map",
    "1:a",
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
const models = new SharedModels(() => Promise.resolve(null), { ocr: true, faces: true });
try {
  const segments = await makeSegments(dir);
  const input = `${dir}/window.ts`;
  const join = await measure(() => joinSegments(input, segments));
  let samples = 0;
  const audio = await measure(async () => (samples = (await windowAudio(input)).length));
  const pcm = await windowAudio(input);
  let framePaths: string[] = [];
  const keyOnly = await measure(async () => {
    await Deno.remove(`${dir}/kf`, { recursive: true }).catch(() => {});
    framePaths = await keyFrames(input, `${dir}/kf`);
  });
  const frames = framePaths.length;
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

  // --- the window's model steps, models loaded first (a running analysis has them resident)
  const c0 = cpuMs();
  const t0 = performance.now();
  await models.faces!(framePaths.slice(0, 1));
  await models.screenLines!(framePaths.slice(0, 1));
  const modelLoad = { cpuMs: cpuMs() - c0, wallMs: performance.now() - t0 };
  const denoised = await measure(() => windowAudio(input, DENOISE_DB));
  let facesFound = 0;
  const faces = await measure(async () => {
    facesFound = (await models.faces!(framePaths)).reduce((n, f) => n + f.faces.length, 0);
  });
  let textLines = 0;
  const ocr = await measure(async () => {
    textLines = (await models.screenLines!(framePaths)).reduce((n, f) => n + f.length, 0);
  });

  const x = (m: { cpuMs: number }) => Math.round((WINDOW_S * 1000) / Math.max(1, m.cpuMs));
  const r1 = (v: number) => Math.round(v * 10) / 10;
  const perFrame = (m: { cpuMs: number }) => r1(m.cpuMs / Math.max(1, frames));
  const denoiseCpuMs = Math.max(0, denoised.cpuMs - audio.cpuMs);
  const mediaPathCpuMs = join.cpuMs + audio.cpuMs + keyOnly.cpuMs + vad.cpuMs;
  const wholeCpuMs = join.cpuMs + denoised.cpuMs + keyOnly.cpuMs + vad.cpuMs + faces.cpuMs +
    ocr.cpuMs;
  const wholeWallMs = join.wallMs + denoised.wallMs + keyOnly.wallMs + vad.wallMs +
    faces.wallMs + ocr.wallMs;
  const at = new Date().toISOString();
  const loadavg = Deno.loadavg().map((l) => Math.round(l * 100) / 100);
  const result = {
    at,
    machine: {
      cores: navigator.hardwareConcurrency,
      loadavg,
      deno: Deno.version.deno,
      note: Deno.env.get("BENCH_NOTE"),
    },
    windowSeconds: WINDOW_S,
    segments: segments.length,
    runs: RUNS,
    join,
    audio: { ...audio, samples, xRealtime: x(audio) },
    keyFrames: { ...keyOnly, frames, xRealtime: x(keyOnly) },
    keyFramesBaselineFullDecode: { ...fullDecode, xRealtime: x(fullDecode) },
    vad: { ...vad, speechRatio: Math.round(speechRatio * 1000) / 1000, xRealtime: x(vad) },
    totalCpuMs: mediaPathCpuMs,
    models: {
      load: { cpuMs: modelLoad.cpuMs, wallMs: Math.round(modelLoad.wallMs) },
      denoisedAudio: { ...denoised, limitDb: DENOISE_DB, xRealtime: x(denoised) },
      denoise: {
        cpuMs: denoiseCpuMs,
        cpuMsPerAudioSecond: r1(denoiseCpuMs / WINDOW_S),
        xRealtime: x({ cpuMs: denoiseCpuMs }),
      },
      faces: { ...faces, frames, facesFound, cpuMsPerFrame: perFrame(faces), xRealtime: x(faces) },
      ocr: { ...ocr, frames, textLines, cpuMsPerFrame: perFrame(ocr), xRealtime: x(ocr) },
    },
    window: {
      todayBeforeThisStop: { cpuMs: mediaPathCpuMs, xRealtime: x({ cpuMs: mediaPathCpuMs }) },
      withModels: { cpuMs: wholeCpuMs, wallMs: wholeWallMs, xRealtime: x({ cpuMs: wholeCpuMs }) },
      ratio: r1(wholeCpuMs / Math.max(1, mediaPathCpuMs)),
    },
  };
  const row = (name: string, m: { cpuMs: number; wallMs: number }) =>
    `| ${name} | ${m.cpuMs} | ${m.wallMs.toFixed(0)} | ${x(m)} |`;
  const md = [
    `# Segment analysis (one ${WINDOW_S} s window, ${segments.length} segments, median of ${RUNS})`,
    "",
    `${at}, ${navigator.hardwareConcurrency} cores, load average ${loadavg.join(" ")}${
      Deno.env.get("BENCH_NOTE") ? ` (${Deno.env.get("BENCH_NOTE")})` : ""
    }. CPU: this process (all threads, the model workers included) and its ffmpeg children.`,
    "",
    "## Today's path before this stop: the media path",
    "",
    "| step | CPU ms | wall ms | × realtime (CPU) |",
    "| --- | ---: | ---: | ---: |",
    row("join segments", join),
    row("audio → 16 kHz mono", audio),
    row(`key frames, skip_frame nokey (${frames})`, keyOnly),
    row("baseline: key frames by full decode", fullDecode),
    row(`Silero VAD (speech ratio ${result.vad.speechRatio})`, vad),
    "",
    `Media path total: ${mediaPathCpuMs} ms CPU per ${WINDOW_S} s window (${
      x({ cpuMs: mediaPathCpuMs })
    }× realtime); key-frame-only decode is ${
      (fullDecode.cpuMs / Math.max(1, keyOnly.cpuMs)).toFixed(1)
    }× cheaper than the full-decode baseline.`,
    "",
    "## The window's model steps (in their workers)",
    "",
    "| step | CPU ms | wall ms | × realtime (CPU) | CPU per unit |",
    "| --- | ---: | ---: | ---: | ---: |",
    `${row(`audio → 16 kHz mono, denoised (RNNoise, ${DENOISE_DB} dB)`, denoised)} |`,
    `| denoise alone (the row above − plain audio) | ${denoiseCpuMs} | | ${
      x({ cpuMs: denoiseCpuMs })
    } | ${result.models.denoise.cpuMsPerAudioSecond} ms per audio s |`,
    `${row(`faces and expressions, ${frames} key frames (${facesFound} faces)`, faces)} ${
      perFrame(faces)
    } ms per frame |`,
    `${row(`OCR (PP-OCRv4), ${frames} key frames (${textLines} lines)`, ocr)} ${
      perFrame(ocr)
    } ms per frame |`,
    "",
    `Model load before the timed runs (first faces and OCR request): ${modelLoad.cpuMs} ms CPU, ${
      Math.round(modelLoad.wallMs)
    } ms wall.`,
    "",
    "## The whole window",
    "",
    "| path | CPU ms per window | × realtime (CPU) |",
    "| --- | ---: | ---: |",
    `| today's path before this stop (media path) | ${mediaPathCpuMs} | ${
      x({ cpuMs: mediaPathCpuMs })
    } |`,
    `| with the models (denoised audio, VAD, faces, OCR) | ${wholeCpuMs} | ${
      x({ cpuMs: wholeCpuMs })
    } |`,
    "",
    `The whole analysis costs ${result.window.ratio}× today's media path; sums of the steps' ` +
    `medians (wall ${Math.round(wholeWallMs)} ms on this machine, steps one after another).`,
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
