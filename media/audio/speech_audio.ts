/**
 * A recorded file's audio as VAD and recognition want it: 16 kHz mono float, denoised first
 * when a suppression limit is set (RNNoise runs at 48 kHz, so the file is decoded at 48 kHz,
 * denoised, then brought down to 16 kHz). The per-segment captions and the analysis windows
 * read their audio here; the live path denoises frame by frame in LiveCaptioner.
 */
import { decodePcm, decodePcm16k } from "./pcm.ts";
import { DENOISE_RATE, denoiseBuffer } from "./denoise.ts";
import { resampleTo16k } from "./resample.ts";

/** 16 kHz mono float audio of `input`; `denoiseDb` > 0 removes at most that much noise. */
export async function decodeSpeech16k(
  input: string,
  denoiseDb: number,
  signal?: AbortSignal,
): Promise<Float32Array> {
  if (denoiseDb <= 0) return decodePcm16k(input, signal);
  const pcm = await decodePcm(input, DENOISE_RATE, signal);
  return resampleTo16k(await denoiseBuffer(pcm, denoiseDb), DENOISE_RATE);
}
