/** Types of `@jitsi/rnnoise-wasm/dist/rnnoise-sync.js` (an Emscripten module, shipped untyped). */
export interface RnnoiseModule {
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  /** A new RNNoise state (0: the built-in model). */
  _rnnoise_create(model: number): number;
  _rnnoise_destroy(state: number): void;
  /** Denoises 480 samples in place (input and output may be the same); returns the frame's
   * voice probability. */
  _rnnoise_process_frame(state: number, out: number, input: number): number;
}
declare const createRnnoiseModule: () => Promise<RnnoiseModule>;
export default createRnnoiseModule;
