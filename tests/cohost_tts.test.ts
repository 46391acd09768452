/**
 * The co-host's speech synthesis: an OpenAI-compatible `/audio/speech` endpoint (the local
 * stand-in answers WAV) read at its own rate (the LiveKit track resamples to 48 kHz); WAV parsing of
 * stereo and streamed (size-less) files; a failing endpoint is an error.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { EspeakSynth, OpenAiSpeechSynth } from "../actors/cohost/voice/tts.ts";
import { parseWav, resample } from "../actors/cohost/voice/wav.ts";
import { startFakeOpenAi } from "./helpers/fake_openai.ts";

function wav(samples: Int16Array, rate: number, channels = 1, sizeless = false): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(out.buffer);
  const tag = (at: number, s: string) => [...s].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  tag(0, "RIFF");
  v.setUint32(4, 36 + samples.length * 2, true);
  tag(8, "WAVE");
  tag(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  tag(36, "data");
  v.setUint32(40, sizeless ? 0xffffffff : samples.length * 2, true);
  samples.forEach((s, i) => v.setInt16(44 + i * 2, s, true));
  return out;
}

Deno.test("tts: /audio/speech WAV becomes mono samples at its own rate; a failing endpoint throws", async () => {
  const fake = startFakeOpenAi();
  const tone = Int16Array.from({ length: 24_000 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
  fake.speech = () => wav(tone, 24_000);
  try {
    const synth = new OpenAiSpeechSynth({
      baseUrl: fake.url,
      apiKey: "k",
      model: "tts-1",
      voice: "alloy",
    });
    const pcm = await synth.synth("hello there", "en", new AbortController().signal);
    assert.equal(pcm.sampleRate, 24_000);
    assert.equal(pcm.samples.length, 24_000, "one second");
    const req = fake.requests.at(-1)!;
    assert.equal(req.path, "/v1/audio/speech");
    assert.deepEqual([req.body.input, req.body.voice, req.body.response_format], [
      "hello there",
      "alloy",
      "wav",
    ]);
    assert.equal(req.authorization, "Bearer k");
    fake.faults.push({ kind: "status", status: 500 });
    await assert.rejects(synth.synth("x", "en", new AbortController().signal), /answered 500/);
  } finally {
    await fake.close();
  }
});

Deno.test("wav: stereo is averaged, a size-less data chunk is read to the end, junk is refused", () => {
  const stereo = Int16Array.from([100, 300, -100, -300]);
  assert.deepEqual([...parseWav(wav(stereo, 16_000, 2)).samples], [200, -200]);
  const mono = Int16Array.from([1, 2, 3, 4]);
  assert.deepEqual([...parseWav(wav(mono, 8_000, 1, true)).samples], [1, 2, 3, 4]);
  assert.throws(() => parseWav(new Uint8Array(50)), /not a WAV/);
  assert.equal(resample({ sampleRate: 16_000, samples: new Int16Array(160) }, 48_000).length, 480);
});

Deno.test("espeak: synthesis (text2wav) leaves no process listener behind, so each wasm instance can be freed", async () => {
  const synth = new EspeakSynth();
  const count = () =>
    process.listenerCount("uncaughtException") + process.listenerCount("unhandledRejection");
  const before = count();
  const pcms = await Promise.all([
    synth.synth("hello there", "en"),
    synth.synth("你好，欢迎来到直播间", "zh"),
    synth.synth("see you next time", "en"),
  ]);
  for (const pcm of pcms) {
    assert(pcm.samples.length / pcm.sampleRate > 0.4, "speech came out");
  }
  assert.equal(count(), before, "each call's module hooks are gone");
});
