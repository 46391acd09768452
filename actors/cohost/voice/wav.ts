/**
 * Reading 16-bit PCM WAV (what espeak-ng and `/audio/speech` `wav` give), writing it, and
 * resampling.
 */

export interface Pcm {
  sampleRate: number;
  /** Mono samples (channels are averaged). */
  samples: Int16Array;
}

export function parseWav(bytes: Uint8Array): Pcm {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 44 || tag(0) !== "RIFF" || tag(8) !== "WAVE") {
    throw new Error("not a WAV file");
  }
  let at = 12;
  let channels = 1;
  let sampleRate = 0;
  let bits = 0;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    let size = v.getUint32(at + 4, true);
    const body = at + 8;
    if (id === "fmt ") {
      channels = v.getUint16(body + 2, true);
      sampleRate = v.getUint32(body + 4, true);
      bits = v.getUint16(body + 14, true);
    } else if (id === "data") {
      if (bits !== 16 || sampleRate === 0) throw new Error("only 16-bit PCM WAV is read");
      // Streamed WAVs may carry a placeholder size: read to the end.
      if (size === 0 || size === 0xffffffff || body + size > bytes.length) {
        size = bytes.length - body;
      }
      const frames = Math.floor(size / 2 / channels);
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += v.getInt16(body + (i * channels + c) * 2, true);
        samples[i] = Math.round(sum / channels);
      }
      return { sampleRate, samples };
    }
    at = body + size + (size & 1);
  }
  throw new Error("WAV without a data chunk");
}

/** Linear resampling (speech only needs to sound right, not to be mastered). */
export function resample(pcm: Pcm, rate: number): Int16Array {
  if (pcm.sampleRate === rate) return pcm.samples;
  const n = Math.floor(pcm.samples.length * rate / pcm.sampleRate);
  const out = new Int16Array(n);
  const step = pcm.sampleRate / rate;
  for (let i = 0; i < n; i++) {
    const x = i * step;
    const k = Math.floor(x);
    const f = x - k;
    const a = pcm.samples[k] ?? 0;
    const b = pcm.samples[k + 1] ?? a;
    out[i] = Math.round(a + (b - a) * f);
  }
  return out;
}

/** A RIFF/WAVE file of 16-bit mono samples. */
export function encodeWav(samples: Int16Array, sampleRate: number): Uint8Array {
  const data = samples.byteLength;
  const buf = new ArrayBuffer(44 + data);
  const v = new DataView(buf);
  const ascii = (off: number, s: string) =>
    [...s].forEach((c, i) => v.setUint8(off + i, c.charCodeAt(0)));
  ascii(0, "RIFF");
  v.setUint32(4, 36 + data, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  ascii(36, "data");
  v.setUint32(40, data, true);
  new Int16Array(buf, 44).set(samples);
  return new Uint8Array(buf);
}
