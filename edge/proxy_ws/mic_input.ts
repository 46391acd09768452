/**
 * Spoken input of one /proxy-ws client, as Open-LLM-VTuber's server takes it:
 * - `mic-audio-data` {audio: float samples, 16 kHz mono} is buffered, and `mic-audio-end`
 *   transcribes the buffer (its front end runs the VAD itself);
 * - `raw-audio-data` {audio} is cut by Silero VAD here: when speech starts the client is told
 *   `control` `interrupt` (stop playing), when it ends `control` `mic-audio-end`, and the
 *   utterance is transcribed at once.
 * The transcription comes from the project's recogniser (`ASR_ENGINE`: the configured
 * `/audio/transcriptions` endpoint or the local pocketsphinx) and goes on as a text input.
 */
import type { Recogniser } from "../../media/audio/asr.ts";
import { SAMPLE_RATE } from "../../media/audio/pcm.ts";
import type { VadStream } from "../../media/audio/vad.ts";

/** At most this much audio is buffered for one utterance (30 s). */
export const MAX_UTTERANCE_SAMPLES = 30 * SAMPLE_RATE;

export class MicInputError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export interface MicInputDeps {
  recogniser(): Promise<Recogniser | null>;
  /** A fresh VAD for this client's raw audio (one model state per stream). */
  vad(): Promise<{ stream: VadStream; close(): Promise<void> }>;
  language: string;
}

/** What a piece of raw audio led to, for the client. */
export type RawAudioSignal = "speech-start" | "speech-end";

export class MicInput {
  #chunks: Float32Array[] = [];
  #samples = 0;
  #vad: Promise<{ stream: VadStream; close(): Promise<void> }> | null = null;
  /** Raw audio is pushed through the VAD one chunk after the other. */
  #rawLine: Promise<unknown> = Promise.resolve();
  #speaking = false;

  constructor(private readonly deps: MicInputDeps) {}

  /** `mic-audio-data`: more samples of the current utterance. */
  data(samples: Float32Array): void {
    if (this.#samples + samples.length > MAX_UTTERANCE_SAMPLES) {
      this.#reset();
      throw new MicInputError(
        "audio_too_long",
        `an utterance is at most ${MAX_UTTERANCE_SAMPLES / SAMPLE_RATE} s; it was dropped`,
      );
    }
    this.#chunks.push(samples);
    this.#samples += samples.length;
  }

  /**
   * `mic-audio-end`: the buffered utterance's text ("" when nothing was buffered: a client that
   * answers our own `mic-audio-end` signal after raw audio). Nothing heard is `no_speech`.
   */
  async end(): Promise<string> {
    const pcm = this.#take();
    if (pcm.length === 0) return "";
    const text = await this.#transcribe(pcm);
    if (!text) throw new MicInputError("no_speech", "no words were recognised in that audio");
    return text;
  }

  /**
   * `raw-audio-data`: the VAD looks for speech; `onSignal` hears when it starts and ends, and
   * the text of each finished utterance is returned (in order, one chunk after the other).
   */
  raw(samples: Float32Array, onSignal: (s: RawAudioSignal) => void): Promise<string[]> {
    const run = this.#rawLine.then(async () => {
      const vad = await (this.#vad ??= this.deps.vad());
      const before = this.#speaking;
      const segments = await vad.stream.push(samples);
      // The stream keeps audio: an open segment means speech is going on.
      this.#speaking = vad.stream.open;
      if (!before && (this.#speaking || segments.length > 0)) onSignal("speech-start");
      const texts: string[] = [];
      for (const s of segments) {
        onSignal("speech-end");
        if (s.audio && s.audio.length > 0) {
          const text = await this.#transcribe(s.audio);
          if (text) texts.push(text);
        }
      }
      return texts;
    });
    this.#rawLine = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    this.#reset();
    await this.#rawLine;
    if (this.#vad) await (await this.#vad.catch(() => null))?.close();
  }

  async #transcribe(pcm: Float32Array): Promise<string> {
    const asr = await this.deps.recogniser();
    if (!asr) {
      throw new MicInputError("asr_unavailable", "speech recognition is off on this server");
    }
    const t = await asr.transcribe(pcm, { language: this.deps.language });
    return t.text.trim();
  }

  #take(): Float32Array {
    const out = new Float32Array(this.#samples);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    this.#reset();
    return out;
  }

  #reset(): void {
    this.#chunks = [];
    this.#samples = 0;
  }
}
