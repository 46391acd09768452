/**
 * The streamer's microphone track in, a noise-suppressed track out: RNNoise (the WebAssembly
 * build of `@jitsi/rnnoise-wasm`, served from `/vendor/effects/rnnoise-sync.js`) in an
 * AudioWorklet at 48 kHz, 480-sample frames. Switched off, samples pass through the same
 * worklet untouched, so the output track stays the same.
 */
import { VENDOR } from "./models.ts";

/** The worklet: frames of 480 in, denoised frames out, one frame (10 ms) behind. */
function workletSource(rnnoiseUrl: string): string {
  return `import createRnnoise from ${JSON.stringify(rnnoiseUrl)};
const FRAME = 480, SCALE = 32768;
class RnnoiseProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.enabled = true;
    this.inBuf = new Float32Array(FRAME); this.fill = 0;
    this.outBuf = new Float32Array(FRAME * 4); this.outRead = 0; this.outWrite = FRAME;
    this.port.onmessage = (e) => { this.enabled = e.data.enabled; };
    const m = createRnnoise();
    const init = () => { this.m = m; this.st = m._rnnoise_create(0); this.ptr = m._malloc(FRAME * 4);
      this.port.postMessage({ ready: true }); };
    if (m._rnnoise_create) init(); else m.ready.then(init);
  }
  frame() {
    const heap = new Float32Array(this.m.HEAPF32.buffer, this.ptr, FRAME);
    for (let i = 0; i < FRAME; i++) heap[i] = this.inBuf[i] * SCALE;
    this.m._rnnoise_process_frame(this.st, this.ptr, this.ptr);
    const n = this.outBuf.length;
    for (let i = 0; i < FRAME; i++) this.outBuf[(this.outWrite + i) % n] = heap[i] / SCALE;
    this.outWrite = (this.outWrite + FRAME) % n;
  }
  process(inputs, outputs) {
    const input = inputs[0] && inputs[0][0], output = outputs[0][0];
    if (!output) return true;
    if (!input) { output.fill(0); return true; }
    if (!this.enabled || !this.m) { output.set(input); return true; }
    const n = this.outBuf.length;
    for (let i = 0; i < input.length; i++) {
      this.inBuf[this.fill++] = input[i];
      if (this.fill === FRAME) { this.frame(); this.fill = 0; }
      output[i] = this.outBuf[this.outRead];
      this.outRead = (this.outRead + 1) % n;
    }
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(output);
    return true;
  }
}
registerProcessor("synapse-rnnoise", RnnoiseProcessor);
`;
}

export class AudioPipeline {
  readonly track: MediaStreamTrack;
  readonly #ctx: AudioContext;
  readonly #node: AudioWorkletNode;
  readonly ready: Promise<void>;
  #enabled = false;

  private constructor(ctx: AudioContext, node: AudioWorkletNode, track: MediaStreamTrack) {
    this.#ctx = ctx;
    this.#node = node;
    this.track = track;
    this.ready = new Promise((resolve) => {
      node.port.onmessage = (e) => e.data?.ready && resolve();
    });
  }

  static async create(input: MediaStreamTrack): Promise<AudioPipeline> {
    const ctx = new AudioContext({ sampleRate: 48_000 });
    const url = URL.createObjectURL(
      new Blob([workletSource(new URL(`${VENDOR}/rnnoise-sync.js`, location.href).href)], {
        type: "text/javascript",
      }),
    );
    try {
      await ctx.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    const node = new AudioWorkletNode(ctx, "synapse-rnnoise", {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
    });
    const dest = ctx.createMediaStreamDestination();
    ctx.createMediaStreamSource(new MediaStream([input])).connect(node).connect(dest);
    const p = new AudioPipeline(ctx, node, dest.stream.getAudioTracks()[0]);
    p.set(false);
    await ctx.resume().catch(() => {});
    return p;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Noise suppression on or off. */
  set(enabled: boolean): void {
    this.#enabled = enabled;
    this.#node.port.postMessage({ enabled });
  }

  stop(): void {
    this.track.stop();
    void this.#ctx.close();
  }
}
