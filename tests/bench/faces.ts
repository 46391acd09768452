/**
 * Faces and expressions per key frame (@vladmandic/human 3.3.6 on TensorFlow.js WebAssembly,
 * in the face models' worker: detector, 7-class expressions, antispoof and liveness) beside
 * today's analysis path on the same frames: PP-OCRv4 (on-screen text) and the frame's decode
 * alone (the ffmpeg child every read starts). CPU is this process's (the worker is a thread of
 * it), so the faces' figure includes the decode and the copy to the worker.
 *
 * Frames: scikit-image's astronaut (one face), its coffee (none), Human's own sample picture
 * (a group: several small faces), each as a 854×480 JPEG as the analysis extracts them.
 *
 * Writes tests/bench/results/faces.{json,md}.
 *
 *   deno run -A tests/bench/faces.ts
 */
import { fileURLToPath } from "node:url";
import { FaceModels } from "../../media/vision/faces.ts";
import { Ocr } from "../../media/analysis/ocr.ts";
import { COFFEE, FACE_IMAGE } from "../helpers/face_images.ts";
import { median, processCpuSeconds } from "./helpers/stats.ts";

const ROUNDS = 7;
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));
const dir = await Deno.makeTempDir({ prefix: "bench-faces-" });
const GROUP = fileURLToPath(
  new URL("../../node_modules/@vladmandic/human/assets/samples.jpg", import.meta.url),
);

/** The picture as a 854×480 key frame (letterboxed), as the analysis extracts them. */
async function keyFrame(src: string, name: string): Promise<string> {
  const out = `${dir}/${name}.jpg`;
  const r = await new Deno.Command("ffmpeg", {
    args: [
      ...["-v", "error", "-i", src, "-frames:v", "1", "-vf"],
      "scale=854:480:force_original_aspect_ratio=decrease,pad=854:480:(ow-iw)/2:(oh-ih)/2",
      ...["-q:v", "5", out],
    ],
  }).output();
  if (!r.success) throw new Error(`ffmpeg failed on ${src}`);
  return out;
}

const faces = new FaceModels();
const ocr = await Ocr.load({ threads: 1 });
try {
  const frames: Record<string, string> = {
    "astronaut (1 face)": await keyFrame(FACE_IMAGE, "astronaut"),
    "coffee (no face)": await keyFrame(COFFEE, "coffee"),
    "group (several faces)": await keyFrame(GROUP, "group"),
  };
  const c0 = await processCpuSeconds(Deno.pid);
  const t0 = performance.now();
  await faces.detectFiles([frames["astronaut (1 face)"]]); // loads the models
  const load = {
    cpuMs: Math.round((await processCpuSeconds(Deno.pid) - c0) * 1000),
    wallMs: Math.round(performance.now() - t0),
  };
  await ocr.read(frames["astronaut (1 face)"]); // warm up
  type Row = {
    faces: number;
    facesCpuMs: number;
    facesWallMs: number;
    ocrCpuMs: number;
    ocrWallMs: number;
    decodeWallMs: number;
  };
  const rows: Record<string, Row> = {};
  const time = async (fn: () => Promise<unknown>) => {
    const c = await processCpuSeconds(Deno.pid);
    const t = performance.now();
    await fn();
    return { cpu: (await processCpuSeconds(Deno.pid) - c) * 1000, wall: performance.now() - t };
  };
  for (const [name, path] of Object.entries(frames)) {
    const fc: number[] = [], fw: number[] = [], oc: number[] = [], ow: number[] = [];
    const dw: number[] = [];
    let found = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const f = await time(async () => {
        found = (await faces.detectFiles([path]))[0].faces.length;
      });
      fc.push(f.cpu);
      fw.push(f.wall);
      const o = await time(() => ocr.read(path));
      oc.push(o.cpu);
      ow.push(o.wall);
      const d = await time(() =>
        new Deno.Command("ffmpeg", {
          args: ["-v", "error", "-i", path, "-f", "image2pipe", "-c:v", "ppm", "pipe:1"],
          stdout: "null",
        }).output()
      );
      dw.push(d.wall);
    }
    rows[name] = {
      faces: found,
      facesCpuMs: Math.round(median(fc)),
      facesWallMs: Math.round(median(fw)),
      ocrCpuMs: Math.round(median(oc)),
      ocrWallMs: Math.round(median(ow)),
      decodeWallMs: Math.round(median(dw)),
    };
  }
  // a whole window's 24 key frames (300 s at one per 10 s, the analysis' cap), in one go
  const window = Array.from({ length: 24 }, (_, i) => Object.values(frames)[i % 3]);
  const win = await time(() => faces.detectFiles(window));
  const winOcr = await time(async () => {
    for (const p of window) await ocr.read(p);
  });
  const at = new Date().toISOString();
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const md = [
    "# Faces and expressions (@vladmandic/human on tfjs-wasm, in a worker) per 854×480 key frame, beside OCR",
    "",
    `${at}, ${navigator.hardwareConcurrency} cores, load average ${
      Deno.loadavg().map(r2).join(" ")
    }; medians of ${ROUNDS}. Faces: detector + 7-class expressions + antispoof + liveness, ` +
    "frames decoded by ffmpeg to at most 640 px and sent to the worker; OCR: PP-OCRv4, one thread " +
    "(today's per-window analysis path).",
    "",
    `Model load (first request): ${load.cpuMs} ms CPU, ${load.wallMs} ms wall.`,
    "",
    "| frame | faces found | faces CPU ms | faces wall ms | OCR CPU ms | OCR wall ms | faces / OCR CPU | decode alone wall ms |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...Object.entries(rows).map(([k, v]) =>
      `| ${k} | ${v.faces} | ${v.facesCpuMs} | ${v.facesWallMs} | ${v.ocrCpuMs} | ${v.ocrWallMs} | ${
        r2(v.facesCpuMs / Math.max(1, v.ocrCpuMs))
      } | ${v.decodeWallMs} |`
    ),
    "",
    `A window's 24 key frames: faces ${Math.round(win.cpu)} ms CPU (${
      Math.round(win.wall)
    } ms wall), OCR ${Math.round(winOcr.cpu)} ms CPU (${Math.round(winOcr.wall)} ms wall).`,
    "",
  ].join("\n");
  await Deno.mkdir(resultsDir, { recursive: true });
  await Deno.writeTextFile(`${resultsDir}faces.md`, md);
  await Deno.writeTextFile(
    `${resultsDir}faces.json`,
    JSON.stringify(
      {
        at,
        machine: {
          cores: navigator.hardwareConcurrency,
          loadavg: Deno.loadavg(),
          deno: Deno.version.deno,
        },
        rounds: ROUNDS,
        load,
        frames: rows,
        window24: {
          facesCpuMs: Math.round(win.cpu),
          facesWallMs: Math.round(win.wall),
          ocrCpuMs: Math.round(winOcr.cpu),
          ocrWallMs: Math.round(winOcr.wall),
        },
      },
      null,
      2,
    ) + "\n",
  );
  console.log(md);
} finally {
  await faces.close();
  await ocr.close();
  await Deno.remove(dir, { recursive: true });
}
