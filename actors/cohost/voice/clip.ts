/**
 * One spoken sentence as Open-LLM-VTuber clients play it: a base64 WAV and the normalised
 * loudness of each `sliceMs` slice (their Live2D mouth follows it), as its
 * `prepare_audio_payload` builds them. Speech above `MAX_CLIP_RATE` is resampled down so a
 * sentence (at most 120 characters) stays well under NATS' 1 MiB payload.
 */
import { encodeWav, type Pcm, resample } from "./wav.ts";

export const CLIP_SLICE_MS = 20;
const MAX_CLIP_RATE = 24_000;

export interface SpeechClip {
  /** Base64 of a 16-bit mono WAV file. */
  wav: string;
  /** RMS of each slice divided by the loudest slice's (0..1). */
  volumes: number[];
  sliceMs: number;
  durationMs: number;
}

export function speechClip(pcm: Pcm, sliceMs = CLIP_SLICE_MS): SpeechClip {
  const rate = Math.min(pcm.sampleRate, MAX_CLIP_RATE);
  const samples = resample(pcm, rate);
  const per = Math.max(1, Math.round(rate * sliceMs / 1000));
  const rms: number[] = [];
  for (let at = 0; at < samples.length; at += per) {
    const end = Math.min(at + per, samples.length);
    let sum = 0;
    for (let i = at; i < end; i++) sum += samples[i] * samples[i];
    rms.push(Math.sqrt(sum / (end - at)));
  }
  const loudest = Math.max(0, ...rms);
  return {
    wav: encodeWav(samples, rate).toBase64(),
    volumes: rms.map((v) => loudest > 0 ? Math.round(v / loudest * 1000) / 1000 : 0),
    sliceMs,
    durationMs: Math.round(samples.length * 1000 / rate),
  };
}
