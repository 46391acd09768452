/**
 * Audio as the AI side wants it: 16 kHz mono. ffmpeg decodes any input (a recorded HLS
 * segment, a WAV) to float samples or to a 16-bit WAV file; helpers convert and encode.
 */

export const SAMPLE_RATE = 16_000;

async function runFfmpeg(args: string[], signal?: AbortSignal): Promise<Uint8Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-nostdin", "-v", "error", ...args],
    stdout: "piped",
    stderr: "piped",
    signal,
  }).output();
  if (!out.success) {
    const msg = new TextDecoder().decode(out.stderr).trim().slice(0, 500);
    throw new Error(`ffmpeg failed (${out.code}): ${msg}`);
  }
  return out.stdout;
}

/** Decodes the audio of `input` to 16 kHz mono float samples in [-1, 1]. */
export function decodePcm16k(input: string, signal?: AbortSignal): Promise<Float32Array> {
  return decodePcm(input, SAMPLE_RATE, signal);
}

/** Decodes the audio of `input` to mono float samples in [-1, 1] at `rate`. */
export async function decodePcm(
  input: string,
  rate: number,
  signal?: AbortSignal,
): Promise<Float32Array> {
  const bytes = await runFfmpeg(
    ["-i", input, "-vn", "-ac", "1", "-ar", String(rate), "-f", "f32le", "pipe:1"],
    signal,
  );
  return new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
}

/** Writes the audio of `input` as a 16 kHz mono 16-bit WAV file (for storage and ASR). */
export async function extractWav16k(input: string, output: string, signal?: AbortSignal) {
  await runFfmpeg(
    ["-y", "-i", input, "-vn", "-ac", "1", "-ar", String(SAMPLE_RATE), "-c:a", "pcm_s16le", output],
    signal,
  );
}

export function floatToInt16(pcm: Float32Array): Int16Array {
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    const s = Math.max(-1, Math.min(1, pcm[i]));
    out[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
  }
  return out;
}

/** A RIFF/WAVE file of 16-bit mono samples (one writer for the AI side and the co-host). */
export { encodeWav } from "../../actors/cohost/voice/wav.ts";
