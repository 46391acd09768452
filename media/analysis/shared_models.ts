/**
 * The models the analysis shares in one process, loaded on first use: Silero VAD (one
 * instance, used by one window at a time) and the recogniser `ASR_ENGINE` selects. Implements
 * the analysis actor's `AnalysisModels` port (actors/segment/ports.ts).
 */
import type { Logger } from "../../engine/log.ts";
import { createRecogniser, type Recogniser, type RecogniserConfig } from "../audio/asr.ts";
import { SileroVad, VadStream } from "../audio/vad.ts";
import type { AnalysisModels, Utterance } from "../../actors/segment/ports.ts";

export class SharedModels implements AnalysisModels {
  #vad?: Promise<SileroVad>;
  #asr?: Promise<Recogniser | null>;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly makeRecogniser: () => Promise<Recogniser | null>,
  ) {}

  static fromConfig(cfg: RecogniserConfig, log?: Logger): SharedModels {
    return new SharedModels(() => createRecogniser(cfg, log));
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
    if (this.#asr) await (await this.#asr.catch(() => null))?.close?.(); // a resident process
  }
}
