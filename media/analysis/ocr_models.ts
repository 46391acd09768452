/**
 * On-screen text of key frames (PP-OCRv4, media/analysis/ocr.ts) read in the OCR's worker
 * (ocr_worker.ts), never on the event loop that serves viewers nor inside an actor's turn:
 * requests go to one Deno Worker, one at a time, through the bounded queue the face models
 * use too (media/model_worker.ts), with timeouts that grow with the frames per request and a
 * stuck worker restarted. `read` waits for room (a window's frames); `offer` drops a frame on
 * a full queue and counts it in `synapse_ocr_frames_total{outcome="dropped"}`.
 */
import { metrics } from "../../engine/metrics.ts";
import { ModelTimeout, ModelWorker, type ModelWorkerStats } from "../model_worker.ts";
import type { OcrLine } from "./ocr.ts";

/** Prometheus: frames by outcome (analysed, dropped on a full queue, timed_out, failed). */
export const ocrFrameCounter = metrics.counter(
  "synapse_ocr_frames_total",
  "Frames sent to the OCR's worker by outcome (analysed, dropped: the queue was full, " +
    "timed_out, failed), and workers started (outcome worker_started)",
);

export { ModelTimeout as OcrTimeout };
export type { OcrLine };

export interface OcrModelsOptions {
  /** Requests waiting for the worker at most (default 4); `offer` drops past it. */
  queue?: number;
  /** Time allowed per frame of a request (default 30 s). */
  frameTimeoutMs?: number;
  /** Extra time for the request that loads the models (default 120 s). */
  loadTimeoutMs?: number;
  /** Frames per request when `read` gets a window's frames (default 4). */
  batch?: number;
}

const WORKER = new URL("./ocr_worker.ts", import.meta.url);

export class OcrModels {
  readonly #worker: ModelWorker<string, OcrLine[]>;
  readonly #batch: number;

  constructor(opts: OcrModelsOptions = {}) {
    this.#worker = new ModelWorker<string, OcrLine[]>({
      name: "ocr",
      url: WORKER,
      counter: ocrFrameCounter,
    }, {
      queue: opts.queue ?? 4,
      itemTimeoutMs: opts.frameTimeoutMs ?? 30_000,
      loadTimeoutMs: opts.loadTimeoutMs ?? 120_000,
    });
    this.#batch = Math.max(1, opts.batch ?? 4);
  }

  stats(): ModelWorkerStats {
    return this.#worker.stats();
  }

  timeoutFor(frames: number): number {
    return this.#worker.timeoutFor(frames);
  }

  /** The lines of each image file (JPEG, PNG...), `batch` frames per request; waits for room. */
  async read(paths: string[]): Promise<OcrLine[][]> {
    const out: OcrLine[][] = [];
    for (let i = 0; i < paths.length; i += this.#batch) {
      out.push(...await this.#worker.run(paths.slice(i, i + this.#batch)));
    }
    return out;
  }

  /** The lines of one frame, or `null` when the queue is full (dropped, counted). */
  offer(path: string): Promise<OcrLine[]> | null {
    return this.#worker.offer(path);
  }

  close(): Promise<void> {
    return this.#worker.close();
  }
}
