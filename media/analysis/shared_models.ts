/**
 * The models the analysis shares in one process, loaded on first use: Silero VAD (one
 * instance, used by one window at a time) and the recogniser `ASR_ENGINE` selects.
 */
import type { Config } from "../../engine/config.ts";
import type { Logger } from "../../engine/log.ts";
import { createRecogniser, type Recogniser } from "../../media/audio/asr.ts";
import { SileroVad } from "../../media/audio/vad.ts";
import type { AnalysisModels } from "./analysis_actor.ts";

export class SharedModels implements AnalysisModels {
  #vad?: Promise<SileroVad>;
  #asr?: Promise<Recogniser | null>;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly makeRecogniser: () => Promise<Recogniser | null>,
  ) {}

  static fromConfig(cfg: Config, log?: Logger): SharedModels {
    return new SharedModels(() => createRecogniser(cfg, log));
  }

  withVad<T>(fn: (vad: SileroVad) => Promise<T>): Promise<T> {
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
