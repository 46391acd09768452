/**
 * The streamer's voice in an analysis window, measured locally and labelled `source: "local"`:
 * loudness (RMS in dBFS over the speech), pitch (autocorrelation F0 of voiced 20 ms frames,
 * its 10th/50th/90th percentiles and the range between them in semitones) and speaking rate
 * (syllable nuclei: peaks of the loudness envelope at least 3 dB over the dip before them, per
 * second of speech; words per minute too when a transcript exists). From them an "energy"
 * label (low / medium / high) — a heuristic over those three numbers, not an emotion.
 *
 * No package here ships a voice-emotion model: emotion comes only from a configured audio or
 * multimodal LLM (`voiceEmotionTask`, `source: "llm"`), never from these measures.
 */
import { z } from "zod";
import type { JsonTask } from "./llm/client.ts";

export type VoiceEnergy = "low" | "medium" | "high";

export interface VoiceMeasures {
  source: "local";
  /** Seconds of audio above the speech floor that were measured. */
  speechSeconds: number;
  loudnessDb: number | null;
  pitchHz: { p10: number; p50: number; p90: number } | null;
  pitchRangeSemitones: number | null;
  syllablesPerSecond: number | null;
  wordsPerMinute: number | null;
  energy: VoiceEnergy | null;
}

export const VOICE_EMOTIONS = [
  "neutral",
  "calm",
  "happy",
  "excited",
  "tense",
  "sad",
  "angry",
  "tired",
] as const;
export type VoiceEmotion = (typeof VOICE_EMOTIONS)[number];

export interface VoiceEmotionReading {
  emotion: VoiceEmotion;
  confidence: number;
  source: "llm";
}

const FRAME = 320; // 20 ms at 16 kHz
const HOP = 160; // 10 ms
/** Frames quieter than this (dBFS) are never speech for the measures. */
const SPEECH_FLOOR_DB = -60;
const MIN_F0 = 60, MAX_F0 = 400;

const r1 = (v: number) => Math.round(v * 10) / 10;
const db = (rms: number) => 20 * Math.log10(Math.max(rms, 1e-9));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** F0 of one frame by normalised autocorrelation, or null when unvoiced. */
function frameF0(x: Float32Array, at: number, rate: number): number | null {
  const minLag = Math.floor(rate / MAX_F0), maxLag = Math.ceil(rate / MIN_F0);
  const n = FRAME;
  if (at + n + maxLag > x.length) return null;
  let e0 = 0;
  for (let i = 0; i < n; i++) e0 += x[at + i] * x[at + i];
  if (e0 <= 0) return null;
  let best = 0, bestLag = 0;
  for (let lag = minLag; lag <= maxLag; lag++) {
    let c = 0, e1 = 0;
    for (let i = 0; i < n; i++) {
      const b = x[at + i + lag];
      c += x[at + i] * b;
      e1 += b * b;
    }
    const r = c / Math.sqrt(e0 * e1 + 1e-12);
    if (r > best) {
      best = r;
      bestLag = lag;
    }
  }
  return best >= 0.6 && bestLag > 0 ? rate / bestLag : null;
}

/**
 * The window's voice measures (16 kHz mono float samples). Yields to the event loop between
 * seconds of audio: a 300 s window is a few hundred ms of arithmetic in all.
 */
export async function voiceMeasures(
  pcm: Float32Array,
  opts: { rate?: number; transcript?: string } = {},
): Promise<VoiceMeasures> {
  const rate = opts.rate ?? 16_000;
  const levels: number[] = [];
  const energies: number[] = [];
  for (let at = 0; at + FRAME <= pcm.length; at += HOP) {
    let s = 0;
    for (let i = 0; i < FRAME; i++) s += pcm[at + i] * pcm[at + i];
    energies.push(s);
    levels.push(db(Math.sqrt(s / FRAME)));
  }
  // speech: frames within 30 dB of the window's loud end (and above an absolute floor), so a
  // quiet voice is measured over its own syllables, not over its pauses
  const sortedLevels = [...levels].sort((a, b) => a - b);
  const floor = sortedLevels.length
    ? Math.max(SPEECH_FLOOR_DB, percentile(sortedLevels, 0.95) - 30)
    : SPEECH_FLOOR_DB;
  const f0s: number[] = [];
  let speechSq = 0, speechN = 0;
  for (let k = 0; k < levels.length; k++) {
    if (levels[k] <= floor) continue;
    speechSq += energies[k];
    speechN += FRAME;
    // pitch on every 5th speech frame (50 ms apart) keeps the cost down
    if (k % 5 === 0) {
      const f0 = frameF0(pcm, k * HOP, rate);
      if (f0 !== null) f0s.push(f0);
    }
    if (k % 100 === 99) await new Promise((r) => setTimeout(r, 0)); // a second of audio
  }
  const speechFrames = levels.filter((l) => l > floor).length;
  const speechSeconds = r1((speechFrames * HOP) / rate);
  if (speechFrames < 50) {
    return {
      source: "local",
      speechSeconds,
      loudnessDb: null,
      pitchHz: null,
      pitchRangeSemitones: null,
      syllablesPerSecond: null,
      wordsPerMinute: null,
      energy: null,
    };
  }
  const loudnessDb = r1(db(Math.sqrt(speechSq / speechN)));
  f0s.sort((a, b) => a - b);
  const pitchHz = f0s.length >= 10
    ? {
      p10: Math.round(percentile(f0s, 0.1)),
      p50: Math.round(percentile(f0s, 0.5)),
      p90: Math.round(percentile(f0s, 0.9)),
    }
    : null;
  const pitchRangeSemitones = pitchHz ? r1(12 * Math.log2(pitchHz.p90 / pitchHz.p10)) : null;
  // syllable nuclei: envelope peaks (smoothed over 50 ms) 3 dB above the dip before them
  const smooth = levels.map((_, i) => {
    let s = 0, n = 0;
    for (let j = Math.max(0, i - 2); j <= Math.min(levels.length - 1, i + 2); j++) {
      s += levels[j];
      n++;
    }
    return s / n;
  });
  let peaks = 0, dip = Infinity;
  for (let i = 1; i < smooth.length - 1; i++) {
    dip = Math.min(dip, smooth[i]);
    const isPeak = smooth[i] > smooth[i - 1] && smooth[i] >= smooth[i + 1];
    if (isPeak && smooth[i] > floor && smooth[i] - dip >= 3) {
      peaks++;
      dip = Infinity;
    }
  }
  const syllablesPerSecond = r1(peaks / Math.max(1, speechSeconds));
  const words = opts.transcript?.trim()
    ? (opts.transcript.match(/\p{Script=Han}|[\p{L}\p{N}']+/gu) ?? []).length
    : 0;
  const wordsPerMinute = words > 0 ? Math.round(words / (speechSeconds / 60)) : null;
  return {
    source: "local",
    speechSeconds,
    loudnessDb,
    pitchHz,
    pitchRangeSemitones,
    syllablesPerSecond,
    wordsPerMinute,
    energy: energyOf(loudnessDb, pitchRangeSemitones, syllablesPerSecond),
  };
}

/**
 * Energy from loudness (-35 → -18 dBFS), pitch range (2 → 10 semitones) and syllable rate
 * (2 → 6 per second), each scaled to 0..1 and averaged: under 1/3 low, over 2/3 high.
 */
export function energyOf(
  loudnessDb: number,
  rangeSemitones: number | null,
  syllablesPerSecond: number,
): VoiceEnergy {
  const scale = (v: number, lo: number, hi: number) =>
    Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
  const parts = [
    scale(loudnessDb, -35, -18),
    scale(syllablesPerSecond, 2, 6),
    ...(rangeSemitones === null ? [] : [scale(rangeSemitones, 2, 10)]),
  ];
  const score = parts.reduce((a, b) => a + b, 0) / parts.length;
  return score < 1 / 3 ? "low" : score > 2 / 3 ? "high" : "medium";
}

const EmotionAnswer = z.object({
  emotion: z.enum(VOICE_EMOTIONS),
  confidence: z.number().min(0).max(1),
});

/** The LLM task that reads the emotion in the streamer's voice from a WAV clip. */
export function voiceEmotionTask(
  room: string,
  wav: Uint8Array,
): JsonTask<z.infer<typeof EmotionAnswer>> {
  return {
    room,
    purpose: "voice_emotion",
    system: "You listen to a clip of a live streamer's voice and judge the emotion it " +
      "carries (tone, not words). Answer JSON " +
      `{"emotion": one of ${VOICE_EMOTIONS.join("|")}, "confidence": number 0..1}.`,
    user: "The streamer's voice, a few seconds of this window's speech.",
    audio: { data: wav, format: "wav" },
    schema: EmotionAnswer,
    maxTokens: 60,
  };
}

/** Up to `maxSeconds` of the loudest speech as a 16-bit mono WAV (for the audio LLM). */
export function speechClipWav(pcm: Float32Array, rate = 16_000, maxSeconds = 20): Uint8Array {
  // the most speech-dense stretch: the first `maxSeconds` after the first loud frame
  let start = 0;
  for (let at = 0; at + FRAME <= pcm.length; at += HOP) {
    let s = 0;
    for (let i = 0; i < FRAME; i++) s += pcm[at + i] * pcm[at + i];
    if (db(Math.sqrt(s / FRAME)) > SPEECH_FLOOR_DB) {
      start = at;
      break;
    }
  }
  const clip = pcm.subarray(start, Math.min(pcm.length, start + maxSeconds * rate));
  const out = new Uint8Array(44 + clip.length * 2);
  const v = new DataView(out.buffer);
  const str = (o: number, s: string) =>
    [...s].forEach((c, i) => v.setUint8(o + i, c.charCodeAt(0)));
  str(0, "RIFF");
  v.setUint32(4, 36 + clip.length * 2, true);
  str(8, "WAVEfmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  str(36, "data");
  v.setUint32(40, clip.length * 2, true);
  for (let i = 0; i < clip.length; i++) {
    v.setInt16(44 + i * 2, Math.max(-32768, Math.min(32767, Math.round(clip[i] * 32767))), true);
  }
  return out;
}

/** The measures with words per minute from the window's transcript (none: unchanged). */
export function withWordsPerMinute<T extends VoiceMeasures>(v: T, transcript: string | null): T {
  const words = (transcript?.match(/\p{Script=Han}|[\p{L}\p{N}']+/gu) ?? []).length;
  if (words === 0 || v.speechSeconds <= 0) return v;
  return { ...v, wordsPerMinute: Math.round(words / (v.speechSeconds / 60)) };
}

/** A coaching line when the voice's energy is low (quiet, flat, slow). */
export function voiceTip(
  v: VoiceMeasures | undefined,
  zh: boolean,
): { text: string; tags: string[]; score: number } | null {
  if (!v || v.energy !== "low") return null;
  return {
    text: zh
      ? `这几分钟你的声音能量偏低（音量 ${v.loudnessDb} dB，语速约 ${v.syllablesPerSecond} 字/秒）：提高音量、加快一点节奏，「听得到的扣1」。`
      : `Your voice energy was low in these minutes (${v.loudnessDb} dBFS, about ${v.syllablesPerSecond} syllables/s) — speak up, pick up the pace and ask “type 1 if you can hear me”.`,
    tags: ["voice", "energy"],
    score: 0.6,
  };
}

/** One line on the voice for the LLM's tips prompt. */
export function voicePromptLine(v: VoiceMeasures & { emotion?: VoiceEmotionReading }): string {
  const parts = [
    `energy ${v.energy ?? "unknown"} (local measures)`,
    `loudness ${v.loudnessDb ?? "?"} dBFS`,
    `pitch range ${v.pitchRangeSemitones ?? "?"} semitones`,
    `${v.syllablesPerSecond ?? "?"} syllables/s`,
    ...(v.emotion ? [`emotion heard by the audio model: ${v.emotion.emotion}`] : []),
  ];
  return `Streamer's voice: ${parts.join("; ")}`;
}
