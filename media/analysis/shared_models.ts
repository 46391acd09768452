/**
 * The models the analysis shares in one process, loaded on first use: Silero VAD (one
 * instance, used by one window at a time), the recogniser `ASR_ENGINE` selects, and PP-OCRv4
 * for the key frames' on-screen text (`ANALYSIS_OCR`; one window at a time too). Implements
 * the analysis actor's `AnalysisModels` port (actors/segment/ports.ts). Faces and expressions
 * (`ANALYSIS_FACES`) run in the face models' worker (media/vision/faces.ts), off the event
 * loop, through its bounded queue.
 */
import type { Logger } from "../../engine/log.ts";
import { createRecogniser, type Recogniser, type RecogniserConfig } from "../audio/asr.ts";
import { SileroVad, VadStream } from "../audio/vad.ts";
import { Ocr } from "./ocr.ts";
import { FaceModels } from "../vision/faces.ts";
import type { AnalysisModels, FrameText, Utterance } from "../../actors/segment/ports.ts";
import type { FaceModelsOptions, FrameFaces } from "../vision/faces.ts";

const MAX_SCREEN_LINES = 60;

export class SharedModels implements AnalysisModels {
  #vad?: Promise<SileroVad>;
  #asr?: Promise<Recogniser | null>;
  #ocr?: Promise<Ocr>;
  #lock: Promise<unknown> = Promise.resolve();
  #ocrLock: Promise<unknown> = Promise.resolve();
  /** Absent when OCR is off (`ANALYSIS_OCR=false`): the actor then skips it. */
  readonly screenText?: (framePaths: string[]) => Promise<string[]>;
  readonly screenLines?: (framePaths: string[]) => Promise<FrameText[][]>;
  /** The face models (a worker, started on first use); absent when `ANALYSIS_FACES=false`. */
  readonly faceModels?: FaceModels;
  readonly faces?: (framePaths: string[]) => Promise<FrameFaces[]>;

  constructor(
    private readonly makeRecogniser: () => Promise<Recogniser | null>,
    opts: { ocr?: boolean; faces?: boolean | FaceModelsOptions } = {},
  ) {
    if (opts.faces) {
      const faces = new FaceModels(opts.faces === true ? {} : opts.faces);
      this.faceModels = faces;
      this.faces = (paths) => faces.detectFiles(paths);
    }
    if (opts.ocr) {
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

  /** The lines read in each frame (one window's frames at a time). */
  #screenLines(paths: string[]): Promise<FrameText[][]> {
    const run = this.#ocrLock.then(async () => {
      const ocr = await (this.#ocr ??= Ocr.load());
      const frames: FrameText[][] = [];
      for (const p of paths) {
        frames.push(
          (await ocr.read(p)).map((l) => ({ text: l.text.trim(), confidence: l.score }))
            .filter((l) => l.text !== ""),
        );
      }
      return frames;
    });
    this.#ocrLock = run.catch(() => {});
    return run;
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
    await this.#ocrLock;
    if (this.#vad) await (await this.#vad).close();
    if (this.#ocr) await (await this.#ocr.catch(() => null))?.close();
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
