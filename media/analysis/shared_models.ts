/**
 * The models the analysis shares in one process, loaded on first use: Silero VAD (one
 * instance, used by one window at a time) and the recogniser `ASR_ENGINE` selects. Implements
 * the analysis actor's `AnalysisModels` port (actors/segment/ports.ts). PP-OCRv4 for the key
 * frames' on-screen text (`ANALYSIS_OCR`) runs in the OCR's worker (media/analysis/ocr_models.ts),
 * faces and expressions (`ANALYSIS_FACES`) in the face models' worker (media/vision/faces.ts):
 * both off the event loop, each through its bounded queue (media/model_worker.ts).
 */
import type { Logger } from "../../engine/log.ts";
import { createRecogniser, type Recogniser, type RecogniserConfig } from "../audio/asr.ts";
import { SileroVad, VadStream } from "../audio/vad.ts";
import { OcrModels, type OcrModelsOptions } from "./ocr_models.ts";
import { FaceModels } from "../vision/faces.ts";
import type { AnalysisModels, FrameText, Utterance } from "../../actors/segment/ports.ts";
import type { FaceModelsOptions, FrameFaces } from "../vision/faces.ts";

const MAX_SCREEN_LINES = 60;

export class SharedModels implements AnalysisModels {
  #vad?: Promise<SileroVad>;
  #asr?: Promise<Recogniser | null>;
  #lock: Promise<unknown> = Promise.resolve();
  /** The OCR (a worker, started on first use); absent when `ANALYSIS_OCR=false`. */
  readonly ocrModels?: OcrModels;
  /** Absent when OCR is off (`ANALYSIS_OCR=false`): the actor then skips it. */
  readonly screenText?: (framePaths: string[]) => Promise<string[]>;
  readonly screenLines?: (framePaths: string[]) => Promise<FrameText[][]>;
  /** The face models (a worker, started on first use); absent when `ANALYSIS_FACES=false`. */
  readonly faceModels?: FaceModels;
  readonly faces?: (framePaths: string[]) => Promise<FrameFaces[]>;

  constructor(
    private readonly makeRecogniser: () => Promise<Recogniser | null>,
    opts: { ocr?: boolean | OcrModelsOptions; faces?: boolean | FaceModelsOptions } = {},
  ) {
    if (opts.faces) {
      const faces = new FaceModels(opts.faces === true ? {} : opts.faces);
      this.faceModels = faces;
      this.faces = (paths) => faces.detectFiles(paths);
    }
    if (opts.ocr) {
      this.ocrModels = new OcrModels(opts.ocr === true ? {} : opts.ocr);
      this.screenLines = (paths) => this.#screenLines(paths);
      this.screenText = async (paths) => distinctLines(await this.#screenLines(paths));
    }
  }

  static fromConfig(
    cfg: RecogniserConfig & {
      ANALYSIS_OCR: boolean;
      ANALYSIS_FACES: boolean;
      FACES_QUEUE: number;
      FACES_FRAME_TIMEOUT_MS: number;
    },
    log?: Logger,
  ): SharedModels {
    return new SharedModels(() => createRecogniser(cfg, log), {
      ocr: cfg.ANALYSIS_OCR,
      faces: cfg.ANALYSIS_FACES &&
        { queue: cfg.FACES_QUEUE, frameTimeoutMs: cfg.FACES_FRAME_TIMEOUT_MS },
    });
  }

  /** The lines read in each frame, in the OCR's worker. */
  async #screenLines(paths: string[]): Promise<FrameText[][]> {
    const frames = await this.ocrModels!.read(paths);
    return frames.map((lines) =>
      lines.map((l) => ({ text: l.text.trim(), confidence: l.score })).filter((l) => l.text !== "")
    );
  }

  speech(pcm: Float32Array): Promise<{ speechRatio: number; speechMs: number }> {
    return this.#withVad((vad) => vad.detect(pcm));
  }

  utterances(pcm: Float32Array): Promise<Utterance[]> {
    return this.#withVad(async (vad) => {
      const stream = new VadStream(vad, {}, true);
      return [...await stream.push(pcm), ...await stream.end()];
    });
  }

  #withVad<T>(fn: (vad: SileroVad) => Promise<T>): Promise<T> {
    const run = this.#lock.then(async () => fn(await (this.#vad ??= SileroVad.load())));
    this.#lock = run.catch(() => {});
    return run;
  }

  recogniser(): Promise<Recogniser | null> {
    return this.#asr ??= this.makeRecogniser();
  }

  async close(): Promise<void> {
    await this.#lock;
    if (this.#vad) await (await this.#vad).close();
    await this.ocrModels?.close();
    if (this.#asr) await (await this.#asr.catch(() => null))?.close?.(); // a resident process
    await this.faceModels?.close();
  }
}

/** Distinct text lines of the frames, first seen first, at most `MAX_SCREEN_LINES`. */
export function distinctLines(frames: FrameText[][]): string[] {
  const seen = new Set<string>();
  for (const f of frames) {
    for (const l of f) if (seen.size < MAX_SCREEN_LINES) seen.add(l.text);
  }
  return [...seen];
}
