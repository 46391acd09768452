/**
 * The streamer's voice: local measures on real speech made here by espeak-ng (loud and fast
 * vs quiet and slow: energy high vs low; silence: nothing measured), the coaching line a low
 * energy gives, and the emotion only from an audio LLM — the local OpenAI-compatible
 * stand-in receives the clip as an `input_audio` WAV part and answers from what it hears
 * (`source: "llm"`); the window's voice is stored with its tips on both databases.
 */
import assert from "node:assert/strict";
import {
  speechClipWav,
  voiceEmotionTask,
  voiceMeasures,
  withWordsPerMinute,
} from "../actors/ai/voice.ts";
import { localTips, tipsPrompt, type TipWindow } from "../actors/ai/tips.ts";
import { AnalysisStore } from "../actors/segment/analysis_store.ts";
import { decodeSpeech16k } from "../media/audio/speech_audio.ts";
import { speak } from "./helpers/speech.ts";
import { type ChatMessage, startFakeOpenAi } from "./helpers/fake_openai.ts";
import { testLlm } from "./helpers/ai_llm.ts";
import { dbTest } from "./helpers/db.ts";

const SENTENCE = "welcome everyone, today we have a great phone for you, the battery lasts " +
  "about four hours and the price is very good";

/** espeak-ng speech at `speed` words per minute, scaled by `gain`, as 16 kHz floats. */
async function speech(dir: string, name: string, speed: number, gain: number) {
  const wav = await speak(dir, name, SENTENCE, speed);
  const pcm = await decodeSpeech16k(wav, 0);
  return pcm.map((x) => x * gain);
}

Deno.test("voice: loud fast speech has high energy, quiet slow speech low, silence none", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ai-voice-" });
  try {
    const lively = await voiceMeasures(await speech(dir, "fast", 230, 1));
    const flat = await voiceMeasures(await speech(dir, "slow", 90, 0.05));
    assert.equal(lively.source, "local");
    assert.ok(lively.speechSeconds > 1, JSON.stringify(lively));
    assert.ok(lively.pitchHz && lively.pitchHz.p50 > 60 && lively.pitchHz.p50 < 400);
    assert.ok(
      lively.loudnessDb! > flat.loudnessDb! + 15,
      `${lively.loudnessDb} ${flat.loudnessDb}`,
    );
    assert.ok(
      lively.syllablesPerSecond! > flat.syllablesPerSecond!,
      `${lively.syllablesPerSecond} vs ${flat.syllablesPerSecond}`,
    );
    assert.equal(lively.energy, "high", JSON.stringify(lively));
    assert.equal(flat.energy, "low", JSON.stringify(flat));
    const words = withWordsPerMinute(lively, SENTENCE);
    assert.ok(words.wordsPerMinute! > 100, JSON.stringify(words));

    const silent = await voiceMeasures(new Float32Array(16_000 * 5));
    assert.equal(silent.energy, null);
    assert.equal(silent.loudnessDb, null);

    const w: TipWindow = {
      roomId: "r",
      recordingId: "rec",
      seq: 0,
      startAt: 0,
      endAt: 300_000,
      liveForMs: 300_000,
      transcript: SENTENCE,
      danmaku: [],
      topics: [],
      language: "en",
      voice: flat,
    };
    const line = localTips(w).find((t) => t.tags.includes("voice"));
    assert.ok(line && /voice energy was low/.test(line.text), JSON.stringify(localTips(w)));
    assert.match(tipsPrompt(w), /Streamer's voice: energy low \(local measures\)/);
    assert.equal(localTips({ ...w, voice: lively }).some((t) => t.tags.includes("voice")), false);
    const zh = localTips({ ...w, language: "zh-CN" }).find((t) => t.tags.includes("voice"));
    assert.ok(zh && /声音能量偏低/.test(zh.text));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("voice: the emotion comes from the audio LLM, which receives the speech as a WAV part", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ai-voice-llm-" });
  const fake = startFakeOpenAi();
  const heard: { bytes: number; rate: number }[] = [];
  // the stand-in "listens": a loud clip sounds excited, a quiet one calm
  fake.chatReply = (messages: ChatMessage[]) => {
    const parts = messages.flatMap((m) => (typeof m.content === "string" ? [] : m.content)) as {
      type: string;
      input_audio?: { data: string; format: string };
    }[];
    const audio = parts.find((p) => p.type === "input_audio")?.input_audio;
    if (!audio || audio.format !== "wav") return '{"emotion":"neutral","confidence":0.1}';
    const bytes = Uint8Array.from(atob(audio.data), (c) => c.charCodeAt(0));
    const v = new DataView(bytes.buffer);
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), "RIFF");
    heard.push({ bytes: bytes.length, rate: v.getUint32(24, true) });
    let peak = 0;
    for (let i = 44; i + 1 < bytes.length; i += 2) {
      peak = Math.max(peak, Math.abs(v.getInt16(i, true)));
    }
    return JSON.stringify(
      peak > 8000 ? { emotion: "excited", confidence: 0.8 } : { emotion: "calm", confidence: 0.7 },
    );
  };
  const llm = testLlm(fake.url);
  try {
    const loud = await speech(dir, "loud", 200, 1);
    const quiet = await speech(dir, "quiet", 120, 0.05);
    const a = await llm.completeJson(voiceEmotionTask("r", speechClipWav(loud)));
    const b = await llm.completeJson(voiceEmotionTask("r", speechClipWav(quiet)));
    assert.deepEqual(a, { emotion: "excited", confidence: 0.8 });
    assert.deepEqual(b, { emotion: "calm", confidence: 0.7 });
    assert.equal(heard.length, 2);
    assert.equal(heard[0].rate, 16_000);
    assert.ok(heard[0].bytes > 44 + 16_000, "at least a second of audio");
    assert.ok(heard[0].bytes <= 44 + 2 * 16_000 * 20, "at most 20 s");
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

dbTest("voice: a window's voice is stored with its tips", async (db) => {
  const store = new AnalysisStore(db.store);
  const voice = {
    source: "local" as const,
    speechSeconds: 42.5,
    loudnessDb: -21.3,
    pitchHz: { p10: 110, p50: 150, p90: 210 },
    pitchRangeSemitones: 11.2,
    syllablesPerSecond: 4.1,
    wordsPerMinute: 160,
    energy: "high" as const,
    emotion: { emotion: "excited" as const, confidence: 0.8, source: "llm" as const },
  };
  const row = await store.putTips({
    recordingId: "rec_v",
    window: 0,
    roomId: "r",
    startAt: 0,
    endAt: 300_000,
    tips: [],
    source: "local",
    transcript: "",
    speechRatio: 0.5,
    frames: 0,
    danmaku: 0,
    run: 1,
    language: "en",
    screenText: [],
    voice,
  });
  assert.deepEqual(row.voice, voice);
  const none = await store.putTips({ ...row, window: 1, voice: null });
  assert.equal(none.voice, null);
});
