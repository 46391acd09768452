/**
 * Denoise (RNNoise in WebAssembly, the real model) on real inputs: sox pink noise and
 * espeak-ng speech mixed with it. Fails if denoising does nothing (noise energy not removed,
 * no more words recognised by the local pocketsphinx recogniser in noisy speech), if it
 * removes the speech (Silero VAD no longer finds it), if the suppression limit is not
 * honoured, or if the live path's frame-by-frame denoising cuts a different utterance.
 */
import assert from "node:assert/strict";
import { denoiseBuffer, Denoiser } from "../media/audio/denoise.ts";
import { decodePcm } from "../media/audio/pcm.ts";
import { decodeSpeech16k } from "../media/audio/speech_audio.ts";
import { SileroVad, VadStream } from "../media/audio/vad.ts";
import { LiveCaptioner } from "../media/audio/live_captioner.ts";
import {
  DEBIAN_POCKETSPHINX,
  PocketsphinxRecogniser,
  type Recogniser,
} from "../media/audio/asr.ts";
import { mixAtSnr, noiseWav } from "./helpers/noisy_speech.ts";
import { speak, STREAMER_PHRASES } from "./helpers/speech.ts";

/** Spoken words heard (length ≥ 3). */
function wordsHeard(spoken: string, heard: string): string[] {
  const got = new Set(heard.toLowerCase().split(/\s+/));
  return spoken.split(" ").filter((w) => w.length >= 3 && w !== "the" && got.has(w));
}

const rmsDb = (x: Float32Array) =>
  10 * Math.log10(x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length) + 1e-20);

Deno.test("denoise: pink noise loses most of its energy, a 20 dB limit removes about 20 dB", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ai-denoise-" });
  try {
    const noise = await decodePcm(await noiseWav(dir, "pink", 3, -25), 48_000);
    const before = rmsDb(noise);
    // skip RNNoise's first 300 ms while it learns the noise
    const tail = (x: Float32Array) => x.subarray(14_400);
    const full = await denoiseBuffer(noise, 100);
    assert.equal(full.length, noise.length, "as many samples out as in");
    const removed = rmsDb(tail(noise)) - rmsDb(tail(full));
    assert.ok(removed > 25, `full suppression removed only ${removed.toFixed(1)} dB`);
    const limited = rmsDb(tail(noise)) - rmsDb(tail(await denoiseBuffer(noise, 20)));
    assert.ok(limited > 15 && limited < 21, `a 20 dB limit removed ${limited.toFixed(1)} dB`);
    // AUDIO_DENOISE_DB=0 is the file as decoded
    assert.deepEqual(
      await decodeSpeech16k(`${dir}/pink.wav`, 0),
      await decodeSpeech16k(`${dir}/pink.wav`, 0),
    );
    assert.ok(Math.abs(before - rmsDb(await decodeSpeech16k(`${dir}/pink.wav`, 0))) < 1.5);
    await assert.rejects(() => Denoiser.create(0), RangeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denoise: speech in noise (5 dB SNR) is still found by the VAD, the noise before it is gone", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ai-denoise-" });
  const vad = await SileroVad.load();
  try {
    const speech = await speak(dir, "s", "please ask your questions in the chat");
    const noise = await noiseWav(dir, "pink", 6);
    const mixed = await mixAtSnr(dir, "m", speech, noise, 5, 1);
    const plain = await decodeSpeech16k(mixed, 0);
    const clean = await decodeSpeech16k(mixed, 100);
    assert.ok(Math.abs(clean.length - plain.length) <= 16, "same duration");
    const found = await vad.detect(clean);
    assert.equal(found.segments.length, 1, JSON.stringify(found.segments));
    const [seg] = found.segments;
    const speechMs = plain.length / 16 - 2_000; // the file: 1 s of noise, speech, 1 s of noise
    assert.ok(seg.startMs > 700 && seg.startMs < 1_300, `starts at ${seg.startMs}`);
    assert.ok(seg.endMs - seg.startMs > speechMs * 0.7, `${seg.endMs - seg.startMs} ms found`);
    // the leading second of noise (after RNNoise has learnt it) is far quieter
    const lead = (x: Float32Array) => x.subarray(4_800, 14_400);
    const drop = rmsDb(lead(plain)) - rmsDb(lead(clean));
    assert.ok(drop > 15, `noise before the speech down only ${drop.toFixed(1)} dB`);
    // and the speech itself keeps its level (within 6 dB)
    const mid = (x: Float32Array) => x.subarray(seg.startMs * 16, seg.endMs * 16);
    assert.ok(Math.abs(rmsDb(mid(plain)) - rmsDb(mid(clean))) < 6, "speech kept");

    // the live path denoises frame by frame: the VAD cuts the same utterance, timed the same
    const raw = await decodePcm(mixed, 48_000);
    const pcm48 = Int16Array.from(raw, (v) => Math.max(-32768, Math.min(32767, v * 32768)));
    const heard: Float32Array[] = [];
    const recogniser: Recogniser = {
      engine: "openai",
      transcribe: (pcm) => {
        heard.push(pcm);
        return Promise.resolve({ text: "x", words: [], engine: "openai", source: "llm" });
      },
    };
    const cues: { startMs: number | null; endMs: number | null }[] = [];
    const live = new LiveCaptioner({
      vad,
      denoiser: await Denoiser.create(100),
      recogniser,
      maxUtteranceMs: 10_000,
      onCue: (c) => cues.push(c),
    });
    for (let i = 0; i < pcm48.length; i += 480) {
      live.push(pcm48.subarray(i, i + 480), 48_000, 1, { at: i / 48, vodMs: i / 48 });
    }
    await live.end();
    assert.equal(cues.length, 1, JSON.stringify(cues));
    assert.ok(Math.abs(cues[0].startMs! - seg.startMs) <= 100, `${cues[0].startMs}`);
    assert.ok(live.metrics().denoiseMs > 0, "the live path denoised");
    assert.equal(heard.length, 1);
  } finally {
    await vad.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denoise: pocketsphinx hears more of three phrases in pink noise at 5 dB SNR", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ai-denoise-" });
  const vad = await SileroVad.load();
  const asr = new PocketsphinxRecogniser(DEBIAN_POCKETSPHINX, { timeoutMs: 60_000 });
  try {
    const noise = await noiseWav(dir, "pink", 6);
    const heard = { off: [] as string[], on: [] as string[] };
    for (const [i, phrase] of STREAMER_PHRASES.slice(1, 4).entries()) {
      const mixed = await mixAtSnr(dir, `p${i}`, await speak(dir, `p${i}`, phrase), noise, 5);
      for (const [way, db] of [["off", 0], ["on", 100]] as const) {
        // the per-segment path: decode (and denoise), VAD utterances, recognise each
        const pcm = await decodeSpeech16k(mixed, db);
        const stream = new VadStream(vad, {}, true);
        for (const u of [...await stream.push(pcm), ...await stream.end()]) {
          heard[way].push(...wordsHeard(phrase, (await asr.transcribe(u.audio!)).text));
        }
      }
    }
    // the benchmark's four phrases at 5 dB: 1 word of 18 without, 12 with
    assert.ok(
      heard.on.length >= 4 && heard.on.length >= 2 * heard.off.length,
      `heard ${JSON.stringify(heard.on)} with denoise, ${JSON.stringify(heard.off)} without`,
    );
  } finally {
    await asr.close();
    await vad.close();
    await Deno.remove(dir, { recursive: true });
  }
});
