/**
 * Faces, expressions, antispoof and liveness scores of frames, from the face models' worker
 * (face_worker.ts: `@vladmandic/human` on TensorFlow.js WebAssembly). The models never run on
 * the event loop that serves viewers nor inside an actor's turn: requests go to one Deno
 * Worker, one at a time, through a bounded queue (media/model_worker.ts, shared with the OCR).
 *
 * - `detect(frames)` waits for room in the queue (the analysis of a window: a few frames per
 *   request, never dropped); `offer(frame)` drops the frame when the queue is full (live
 *   sampling) and counts it.
 * - Each request's timeout grows with its input: `loadTimeoutMs` for the first (the models
 *   load) plus `frameTimeoutMs` per frame. A request past it kills the worker (a stuck model
 *   cannot be interrupted otherwise); the next request starts a new one. The figures are
 *   generous on purpose: a loaded machine is slow, not broken.
 */
import { Buffer } from "node:buffer";
import type { FrameFaces, RawImage } from "./face_protocol.ts";
import { metrics } from "../../engine/metrics.ts";
import { ModelTimeout, ModelWorker } from "../model_worker.ts";

/** Prometheus: frames by outcome (analysed, dropped on a full queue, timed_out, failed). */
export const faceFrameCounter = metrics.counter(
  "synapse_face_frames_total",
  "Frames sent to the face models' worker by outcome (analysed, dropped: the queue was full, " +
    "timed_out, failed), and workers started (outcome worker_started)",
);

export type { DetectedFace, FrameFaces, RawImage } from "./face_protocol.ts";

export interface FaceModelsOptions {
  /** Requests waiting for the worker at most (default 4); `offer` drops past it. */
  queue?: number;
  /** Time allowed per frame of a request (default 20 s). */
  frameTimeoutMs?: number;
  /** Extra time for the request that loads the models (default 120 s). */
  loadTimeoutMs?: number;
  /** Frames per request when `detectFiles` splits a window's frames (default 4). */
  batch?: number;
  /** Longest side frames are decoded to (default 640 px). */
  maxSide?: number;
}

export interface FaceModelStats {
  /** Requests waiting, and the one the worker runs (0 or 1). */
  queued: number;
  running: number;
  /** Frames analysed, frames dropped by `offer` on a full queue. */
  frames: number;
  dropped: number;
  timeouts: number;
  failures: number;
  /** Workers started (1 + restarts after a timeout). */
  workers: number;
}

export class FaceQueueFull extends Error {
  constructor() {
    super("face model queue full");
  }
}

/** A request got no answer in time (the worker was stopped). */
export { ModelTimeout as FaceTimeout };

const WORKER = new URL("./face_worker.ts", import.meta.url);

export class FaceModels {
  readonly #worker: ModelWorker<RawImage, FrameFaces>;
  readonly #batch: number;
  readonly #maxSide: number;

  constructor(opts: FaceModelsOptions = {}) {
    this.#worker = new ModelWorker<RawImage, FrameFaces>({
      name: "face models",
      url: WORKER,
      counter: faceFrameCounter,
      transfer: (f) => [f.data.buffer as ArrayBuffer],
    }, {
      queue: opts.queue ?? 4,
      itemTimeoutMs: opts.frameTimeoutMs ?? 20_000,
      loadTimeoutMs: opts.loadTimeoutMs ?? 120_000,
    });
    this.#batch = Math.max(1, opts.batch ?? 4);
    this.#maxSide = opts.maxSide ?? 640;
  }

  stats(): FaceModelStats {
    const { items, ...rest } = this.#worker.stats();
    return { ...rest, frames: items };
  }

  /** The timeout of a request of `frames` frames (the first one also loads the models). */
  timeoutFor(frames: number): number {
    return this.#worker.timeoutFor(frames);
  }

  /** Faces of each frame; waits for room in the queue. */
  detect(frames: RawImage[]): Promise<FrameFaces[]> {
    return this.#worker.run(frames);
  }

  /** Faces of one frame, or `null` when the queue is full (the frame is dropped, counted). */
  offer(frame: RawImage): Promise<FrameFaces> | null {
    return this.#worker.offer(frame);
  }

  /** Faces of image files (JPEG, PNG...), decoded by ffmpeg, `batch` frames per request. */
  async detectFiles(paths: string[]): Promise<FrameFaces[]> {
    const out: FrameFaces[] = [];
    for (let i = 0; i < paths.length; i += this.#batch) {
      const frames: RawImage[] = [];
      for (const p of paths.slice(i, i + this.#batch)) {
        frames.push(await decodeRgb(p, this.#maxSide));
      }
      out.push(...await this.detect(frames));
    }
    return out;
  }

  /** Stops the worker; queued requests are refused. */
  close(): Promise<void> {
    return this.#worker.close();
  }
}

/** Decodes an image file to RGB with ffmpeg, at most `maxSide` px on its long side. */
export async function decodeRgb(path: string, maxSide = 640): Promise<RawImage> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-nostdin", "-v", "error", "-i", path, "-frames:v", "1"],
      ...[
        "-vf",
        `scale='min(${maxSide},iw)':'min(${maxSide},ih)':force_original_aspect_ratio=decrease`,
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
  const start = header[0].length;
  // a copy of its own: the buffer is transferred to the worker
  return { width, height, data: out.stdout.slice(start, start + width * height * 3) };
}
