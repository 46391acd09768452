/**
 * Streaming conversion of live 16-bit PCM (LiveKit's 48 kHz mono frames) to the 16 kHz mono
 * float samples VAD and ASR want. An integer ratio (48 k, 32 k → 16 k) is decimated through a
 * windowed-sinc low-pass (no aliasing from 8–24 kHz); any other rate is interpolated
 * linearly. State is kept between frames, so frames of any size give the same output as
 * one long buffer.
 */
import { SAMPLE_RATE } from "./pcm.ts";

const TAPS_PER_PHASE = 16;

/** Low-pass FIR for decimation by `factor` (cut-off at 0.9 × the new Nyquist). */
function lowPass(factor: number): Float32Array {
  const n = TAPS_PER_PHASE * factor + 1;
  const taps = new Float32Array(n);
  const fc = 0.9 / (2 * factor); // cycles per input sample
  const mid = (n - 1) / 2;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = i - mid;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)) +
      0.08 * Math.cos((4 * Math.PI * i) / (n - 1)); // Blackman
    taps[i] = sinc * w;
    sum += taps[i];
  }
  for (let i = 0; i < n; i++) taps[i] /= sum;
  return taps;
}

/** 16-bit PCM (interleaved `channels` mixed down) as mono float samples in [-1, 1]. */
export function monoFloat(pcm: Int16Array, channels = 1): Float32Array {
  const frames = Math.floor(pcm.length / channels);
  const mono = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += pcm[i * channels + c];
    mono[i] = s / channels / 32768;
  }
  return mono;
}

/** Resamples a whole mono float buffer to 16 kHz. */
export function resampleTo16k(mono: Float32Array, inRate: number): Float32Array {
  return new To16k(inRate).pushFloat(mono);
}

export class To16k {
  readonly #factor: number;
  readonly #taps?: Float32Array;
  /** Last input samples (the filter's history), as floats. */
  #hist: Float32Array;
  /** Where the next output sample falls in the next input (fractional when linear; -1..0
   * reads the previous frame's last sample). */
  #phase = 0;
  #last = 0;

  constructor(readonly inRate: number) {
    if (!Number.isInteger(inRate) || inRate < 8_000) {
      throw new RangeError(`unsupported sample rate ${inRate}`);
    }
    this.#factor = inRate % SAMPLE_RATE === 0 ? inRate / SAMPLE_RATE : 0;
    if (this.#factor > 1) this.#taps = lowPass(this.#factor);
    this.#hist = new Float32Array(this.#taps ? this.#taps.length - 1 : 0);
  }

  /** Converts one frame (mono, or interleaved with `channels` mixed down). */
  push(pcm: Int16Array, channels = 1): Float32Array {
    return this.pushFloat(monoFloat(pcm, channels));
  }

  /** Converts mono float samples in [-1, 1] at `inRate`. */
  pushFloat(mono: Float32Array): Float32Array {
    if (this.#factor === 1) return mono;
    if (this.#taps) return this.#decimate(mono);
    return this.#linear(mono);
  }

  #decimate(x: Float32Array): Float32Array {
    const taps = this.#taps!;
    const h = this.#hist.length;
    const all = new Float32Array(h + x.length);
    all.set(this.#hist);
    all.set(x, h);
    const out: number[] = [];
    // Output k uses inputs ending at position h + phase (inclusive, the newest sample).
    let pos = this.#phase;
    for (; pos < x.length; pos += this.#factor) {
      const end = h + pos;
      let acc = 0;
      for (let t = 0; t < taps.length; t++) acc += taps[t] * all[end - t];
      out.push(acc);
    }
    this.#phase = pos - x.length;
    this.#hist = all.slice(all.length - h);
    return Float32Array.from(out);
  }

  #linear(x: Float32Array): Float32Array {
    const step = this.inRate / SAMPLE_RATE;
    const out: number[] = [];
    let pos = this.#phase; // read position relative to x[0]; x[-1] is #last
    for (; pos < x.length - 1; pos += step) {
      const i = Math.floor(pos);
      const a = i < 0 ? this.#last : x[i];
      out.push(a + (x[i + 1] - a) * (pos - i));
    }
    this.#phase = pos - x.length;
    if (x.length > 0) this.#last = x[x.length - 1];
    return Float32Array.from(out);
  }
}
