/**
 * Faces, expressions, antispoof and liveness scores of frames, from the face models' worker
 * (face_worker.ts: `@vladmandic/human` on TensorFlow.js WebAssembly). The models never run on
 * the event loop that serves viewers nor inside an actor's turn: requests go to one Deno
 * Worker, one at a time, through a bounded queue.
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
import type { FaceRequest, FaceResponse, FrameFaces, RawImage } from "./face_protocol.ts";
import { metrics } from "../../engine/metrics.ts";

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

export class FaceTimeout extends Error {}

interface Pending {
  frames: RawImage[];
  resolve(v: FrameFaces[]): void;
  reject(e: Error): void;
}

const WORKER = new URL("./face_worker.ts", import.meta.url);

export class FaceModels {
  readonly #queueMax: number;
  readonly #frameTimeoutMs: number;
  readonly #loadTimeoutMs: number;
  readonly #batch: number;
  readonly #maxSide: number;
  #worker?: Worker;
  #loaded = false;
  #nextId = 1;
  #queue: Pending[] = [];
  #running: Pending | null = null;
  #waiters: (() => void)[] = [];
  #closed = false;
  #stats = { frames: 0, dropped: 0, timeouts: 0, failures: 0, workers: 0 };

  constructor(opts: FaceModelsOptions = {}) {
    this.#queueMax = Math.max(1, opts.queue ?? 4);
    this.#frameTimeoutMs = opts.frameTimeoutMs ?? 20_000;
    this.#loadTimeoutMs = opts.loadTimeoutMs ?? 120_000;
    this.#batch = Math.max(1, opts.batch ?? 4);
    this.#maxSide = opts.maxSide ?? 640;
  }

  stats(): FaceModelStats {
    return { queued: this.#queue.length, running: this.#running ? 1 : 0, ...this.#stats };
  }

  /** The timeout of a request of `frames` frames (the first one also loads the models). */
  timeoutFor(frames: number): number {
    return (this.#loaded ? 0 : this.#loadTimeoutMs) + Math.max(1, frames) * this.#frameTimeoutMs;
  }

  /** Faces of each frame; waits for room in the queue. */
  async detect(frames: RawImage[]): Promise<FrameFaces[]> {
    while (this.#queue.length >= this.#queueMax && !this.#closed) {
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    return await this.#enqueue(frames);
  }

  /** Faces of one frame, or `null` when the queue is full (the frame is dropped, counted). */
  offer(frame: RawImage): Promise<FrameFaces> | null {
    if (this.#queue.length >= this.#queueMax) {
      this.#stats.dropped++;
      faceFrameCounter.inc({ outcome: "dropped" });
      return null;
    }
    return this.#enqueue([frame]).then((r) => r[0]);
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

  #enqueue(frames: RawImage[]): Promise<FrameFaces[]> {
    if (this.#closed) return Promise.reject(new Error("face models closed"));
    return new Promise((resolve, reject) => {
      this.#queue.push({ frames, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#running || this.#queue.length === 0 || this.#closed) return;
    const job = this.#queue.shift()!;
    this.#waiters.shift()?.();
    this.#running = job;
    const worker = this.#worker ??= this.#start();
    const id = this.#nextId++;
    const timeoutMs = this.timeoutFor(job.frames.length);
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
      this.#running = null;
      fn();
      this.#pump();
    };
    const onMessage = (e: MessageEvent<FaceResponse>) => {
      if (e.data.id !== id) return;
      const res = e.data;
      finish(() => {
        if (res.ok) {
          this.#loaded = true;
          this.#stats.frames += res.frames.length;
          faceFrameCounter.inc({ outcome: "analysed" }, res.frames.length);
          job.resolve(res.frames);
        } else {
          this.#stats.failures++;
          faceFrameCounter.inc({ outcome: "failed" }, job.frames.length);
          job.reject(new Error(`face models: ${res.error}`));
        }
      });
    };
    const onError = (e: ErrorEvent) => {
      e.preventDefault();
      finish(() => {
        this.#stats.failures++;
        faceFrameCounter.inc({ outcome: "failed" }, job.frames.length);
        this.#kill();
        job.reject(new Error(`face worker failed: ${e.message}`));
      });
    };
    const timer = setTimeout(() =>
      finish(() => {
        this.#stats.timeouts++;
        faceFrameCounter.inc({ outcome: "timed_out" }, job.frames.length);
        this.#kill();
        job.reject(
          new FaceTimeout(
            `face models: no answer for ${job.frames.length} frame(s) in ${timeoutMs} ms`,
          ),
        );
      }), timeoutMs);
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
    const transfer = job.frames.map((f) => f.data.buffer as ArrayBuffer);
    const msg: FaceRequest = { id, op: "detect", frames: job.frames };
    worker.postMessage(msg, transfer);
  }

  #start(): Worker {
    this.#stats.workers++;
    faceFrameCounter.inc({ outcome: "worker_started" });
    this.#loaded = false;
    return new Worker(WORKER, { type: "module", name: "face-models" });
  }

  #kill(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  /** Stops the worker; queued requests are refused. */
  close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error("face models closed"));
    for (const w of this.#waiters.splice(0)) w();
    this.#kill();
    this.#running?.reject(new Error("face models closed"));
    this.#running = null;
    return Promise.resolve();
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
