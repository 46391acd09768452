/**
 * The transcription stand-in's ear for known phrases: what the test synthesised (espeak-ng
 * speech of a few Chinese or English phrases) is registered with its text; an uploaded
 * utterance is recognised as the registered phrase whose loudness envelope (log energy per
 * 20 ms, normalised) correlates best with it, above a threshold, at the best alignment — a
 * template matcher like the isolated-word recognisers of old. It answers only for audio that
 * really carries one of those phrases (after the AAC round trip, resampling and VAD cuts);
 * silence, noise or other speech get no text. No model is involved.
 */
import { parseWav } from "../../actors/cohost/voice/wav.ts";

const FRAME = 320; // 20 ms at 16 kHz

/** Log energy per frame, z-normalised. */
export function envelope(pcm: Float32Array): Float32Array {
  const n = Math.floor(pcm.length / FRAME);
  const e = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * FRAME; j < (i + 1) * FRAME; j++) s += pcm[j] * pcm[j];
    e[i] = Math.log10(s / FRAME + 1e-8);
  }
  let mean = 0;
  for (const x of e) mean += x;
  mean /= n || 1;
  let sd = 0;
  for (const x of e) sd += (x - mean) ** 2;
  sd = Math.sqrt(sd / (n || 1)) || 1;
  return e.map((x) => (x - mean) / sd);
}

/** The best Pearson correlation of `a` against `b` over shifts where they overlap by ≥ 80 %. */
function bestCorrelation(a: Float32Array, b: Float32Array): number {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  const minOverlap = Math.floor(short.length * 0.8);
  let best = -1;
  for (let shift = -short.length + minOverlap; shift <= long.length - minOverlap; shift++) {
    let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, n = 0;
    for (let i = 0; i < short.length; i++) {
      const j = i + shift;
      if (j < 0 || j >= long.length) continue;
      const x = short[i], y = long[j];
      sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y, n++;
    }
    if (n < minOverlap) continue;
    const cov = sxy / n - (sx / n) * (sy / n);
    const vx = sxx / n - (sx / n) ** 2, vy = syy / n - (sy / n) ** 2;
    if (vx > 0 && vy > 0) best = Math.max(best, cov / Math.sqrt(vx * vy));
  }
  return best;
}

export class PhraseMatcher {
  readonly #phrases: { text: string; env: Float32Array }[] = [];
  /** What each recognition scored (text or "" for none), for the test's messages. */
  readonly log: { text: string; score: number }[] = [];

  constructor(private readonly threshold = 0.75) {}

  /** Registers a phrase's speech (16 kHz mono). */
  add(text: string, pcm: Float32Array): void {
    this.#phrases.push({ text, env: envelope(pcm) });
  }

  /** The phrase a 16 kHz mono WAV file carries, or "". */
  recognise(wav: Uint8Array): string {
    const { samples, sampleRate } = parseWav(wav);
    if (sampleRate !== 16_000) throw new Error(`expected 16 kHz, got ${sampleRate}`);
    const env = envelope(Float32Array.from(samples, (x) => x / 32768));
    let best = { text: "", score: -1 };
    for (const p of this.#phrases) {
      // an utterance much shorter or longer than the phrase is not it
      const ratio = env.length / p.env.length;
      if (ratio < 0.6 || ratio > 1.6) continue;
      const score = bestCorrelation(env, p.env);
      if (score > best.score) best = { text: p.text, score };
    }
    const text = best.score >= this.threshold ? best.text : "";
    this.log.push({ text, score: Math.round(best.score * 1000) / 1000 });
    return text;
  }
}
