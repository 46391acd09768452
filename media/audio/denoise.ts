/**
 * Noise suppression of the streamer's audio before VAD and recognition: RNNoise (a small
 * recurrent network with its weights built in) compiled to WebAssembly, as shipped in the npm
 * package `@jitsi/rnnoise-wasm` (its `rnnoise-sync.js` embeds the wasm, so nothing is fetched).
 * Chosen over `@echogarden/rnnoise-wasm` for its stronger suppression of pure noise, which is
 * what keeps the VAD from starting utterances on a fan or street noise.
 *
 * RNNoise takes 48 kHz mono in frames of 480 samples (10 ms) scaled to ±32768. `Denoiser`
 * takes float samples in [-1, 1] in chunks of any size and returns the denoised samples of
 * every whole frame so far: its output lags its input by less than one frame (`pending`).
 *
 * The suppression level is a limit in dB (`limitDb`): at most that much noise is removed.
 * Each frame's output is `denoised + a × (input − denoised)` with `a = 10^(−limitDb/20)`,
 * so 0 dB gives the input unchanged and 100 dB is RNNoise's full output. A gentler limit keeps
 * some of the signal RNNoise would remove with the noise (it can clip quiet word endings).
 *
 * It runs inline on the caller's thread: about 0.5 ms of CPU per 10 ms frame on an idle core
 * (see tests/bench/denoise.ts), synchronous, with no I/O.
 */
import type { RnnoiseModule } from "./rnnoise_wasm.d.ts";

export const DENOISE_RATE = 48_000;
const FRAME = 480;
const SCALE = 32_768;

let wasm: Promise<RnnoiseModule> | undefined;
/**
 * One WebAssembly instance per process (about 2 MB); each stream has its own RNNoise state.
 * Imported on first use: a process that never denoises (an edge without captions) does not
 * hold the module's embedded wasm (about 11 MB of RSS).
 */
const loadModule = () =>
  wasm ??= import("@jitsi/rnnoise-wasm/dist/rnnoise-sync.js").then((m) =>
    (m.default as () => Promise<RnnoiseModule>)()
  );

export class Denoiser {
  readonly #mix: number;
  #state: number;
  readonly #buf: number;
  #pending = new Float32Array(FRAME);
  #fill = 0;

  private constructor(private readonly m: RnnoiseModule, limitDb: number) {
    this.#mix = Math.pow(10, -limitDb / 20);
    this.#state = m._rnnoise_create(0);
    this.#buf = m._malloc(FRAME * 4);
  }

  /** A denoiser removing at most `limitDb` dB of noise (> 0; 0 means no denoiser at all). */
  static async create(limitDb: number): Promise<Denoiser> {
    if (!(limitDb > 0 && limitDb <= 100)) throw new RangeError("limitDb must be in (0, 100]");
    return new Denoiser(await loadModule(), limitDb);
  }

  /** Input samples held until their frame is whole. */
  get pending(): number {
    return this.#fill;
  }

  /** Denoises 48 kHz mono samples in [-1, 1]; returns the output of each completed frame. */
  process(input: Float32Array): Float32Array {
    if (this.#state === 0) throw new Error("denoiser closed");
    const frames = Math.floor((this.#fill + input.length) / FRAME);
    const out = new Float32Array(frames * FRAME);
    let at = 0, written = 0;
    while (at < input.length) {
      const take = Math.min(FRAME - this.#fill, input.length - at);
      this.#pending.set(input.subarray(at, at + take), this.#fill);
      this.#fill += take;
      at += take;
      if (this.#fill === FRAME) {
        this.#frame(out.subarray(written, written + FRAME));
        written += FRAME;
        this.#fill = 0;
      }
    }
    return out;
  }

  /** The samples still pending, denoised with silence after them (end of the stream). */
  flush(): Float32Array {
    if (this.#fill === 0) return new Float32Array(0);
    const n = this.#fill;
    this.#pending.fill(0, n);
    const out = new Float32Array(FRAME);
    this.#frame(out);
    this.#fill = 0;
    return out.subarray(0, n);
  }

  #frame(out: Float32Array): void {
    const heap = new Float32Array(this.m.HEAPF32.buffer, this.#buf, FRAME);
    const x = this.#pending;
    for (let i = 0; i < FRAME; i++) heap[i] = x[i] * SCALE;
    this.m._rnnoise_process_frame(this.#state, this.#buf, this.#buf);
    const a = this.#mix;
    for (let i = 0; i < FRAME; i++) {
      const d = heap[i] / SCALE;
      out[i] = d + a * (x[i] - d);
    }
  }

  close(): void {
    if (this.#state === 0) return;
    this.m._rnnoise_destroy(this.#state);
    this.m._free(this.#buf);
    this.#state = 0;
  }
}

/** Denoises a whole 48 kHz buffer (same length out). */
export async function denoiseBuffer(pcm48k: Float32Array, limitDb: number): Promise<Float32Array> {
  const d = await Denoiser.create(limitDb);
  try {
    const head = d.process(pcm48k);
    const tail = d.flush();
    const out = new Float32Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  } finally {
    d.close();
  }
}
