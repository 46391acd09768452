/**
 * Audio: Silero VAD on espeak-ng speech vs silence, streaming cuts, the local pocketsphinx
 * recogniser on espeak-ng speech, and the OpenAI-compatible transcription client (with its
 * local fallback) against the fake server.
 */
import assert from "node:assert/strict";
import { decodePcm16k, SAMPLE_RATE } from "../media/audio/pcm.ts";
import { SileroVad, VadStream } from "../media/audio/vad.ts";
import { parseConfig } from "../edge/wiring/config.ts";
import {
  createRecogniser,
  DEBIAN_POCKETSPHINX,
  FallbackRecogniser,
  LanguageRoutedRecogniser,
  OpenAiTranscriber,
  parseHypseg,
  parsePocketsphinx,
  PocketsphinxRecogniser,
  type Transcript,
} from "../media/audio/asr.ts";
import { type CaptionCue, CaptionPipeline, toWebVtt } from "../media/audio/captions.ts";
import { startFakeOpenAi } from "./helpers/fake_openai.ts";
import { speak, speechWithPauses } from "./helpers/speech.ts";

const SENTENCES = [
  "today we are talking about the new phone and its camera",
  "please ask your questions in the chat",
];

/** Spoken words recognised (length ≥ 3, so "the"/"and" luck does not count). */
function overlap(spoken: string, heard: string): string[] {
  const heardSet = new Set(heard.toLowerCase().split(/\s+/));
  return [...new Set(spoken.toLowerCase().split(/\s+/))]
    .filter((w) => w.length >= 3 && w !== "and" && w !== "the" && heardSet.has(w));
}

Deno.test("vad: speech from espeak-ng is found between pauses, silence is not speech", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ai-vad-" });
  const vad = await SileroVad.load();
  try {
    const mix = await speechWithPauses(dir, SENTENCES, 2);
    const pcm = await decodePcm16k(mix);
    const first = await decodePcm16k(await speak(dir, "first", SENTENCES[0]));
    const result = await vad.detect(pcm);
    assert.equal(result.segments.length, 2, JSON.stringify(result.segments));
    const [a, b] = result.segments;
    // the first sentence starts after 2 s of silence and lasts as long as its own file
    assert.ok(Math.abs(a.startMs - 2000) < 300, `start ${a.startMs}`);
    const firstMs = (first.length / SAMPLE_RATE) * 1000;
    assert.ok(Math.abs(a.endMs - (2000 + firstMs)) < 500, `end ${a.endMs} vs ${2000 + firstMs}`);
    assert.ok(b.startMs > a.endMs + 1500, "the pause separates the utterances");
    assert.ok(result.speechRatio > 0.3 && result.speechRatio < 0.8, `${result.speechRatio}`);

    const silence = new Float32Array(SAMPLE_RATE * 4);
    assert.equal((await vad.detect(silence)).segments.length, 0);
    let seed = 7;
    const noise = silence.map(() =>
      ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.02
    );
    const noisy = await vad.detect(noise);
    assert.equal(noisy.segments.length, 0, "low noise is not speech");
    assert.equal(noisy.speechRatio, 0);

    // streaming in odd-sized chunks finds the same utterances and keeps their audio
    const stream = new VadStream(vad, {}, true);
    const streamed = [];
    for (let i = 0; i < pcm.length; i += 1234) {
      streamed.push(...await stream.push(pcm.subarray(i, i + 1234)));
    }
    streamed.push(...await stream.end());
    assert.deepEqual(
      streamed.map((s) => [s.startMs, s.endMs]),
      result.segments.map((s) => [s.startMs, s.endMs]),
    );
    for (const s of streamed) {
      assert.equal(s.audio?.length, s.endSample - s.startSample);
    }
  } finally {
    await vad.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("asr: pocketsphinx recognises words of espeak-ng speech cut by the VAD", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ai-asr-" });
  const vad = await SileroVad.load();
  try {
    const pcm = await decodePcm16k(await speechWithPauses(dir, SENTENCES, 1));
    const stream = new VadStream(vad, {}, true);
    const utterances = [...await stream.push(pcm), ...await stream.end()];
    assert.equal(utterances.length, 2);
    const asr = new PocketsphinxRecogniser();
    const heard: string[] = [];
    for (const u of utterances) {
      const t = await asr.transcribe(u.audio!);
      assert.equal(t.source, "local");
      assert.equal(t.engine, "pocketsphinx");
      assert.ok(t.words.every((w) => w.endMs >= w.startMs));
      heard.push(t.text);
    }
    const common = overlap(SENTENCES.join(" "), heard.join(" "));
    console.log(
      `spoken: ${JSON.stringify(SENTENCES)}\nheard:  ${JSON.stringify(heard)}\n` +
        `overlap: ${JSON.stringify(common)}`,
    );
    assert.ok(common.length >= 3, `too little overlap: ${JSON.stringify(heard)}`);
    const silent = await asr.transcribe(new Float32Array(SAMPLE_RATE));
    assert.equal(overlap(SENTENCES.join(" "), silent.text).length, 0);
    assert.equal(asr.starts, 1, "one resident process answered every utterance");
    await asr.close();
  } finally {
    await vad.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("asr: the resident pocketsphinx answers utterances in order from one process, recovers when killed or stuck", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ai-asr-res-" });
  // The stuck case waits out this timeout once; a loaded machine can take more than a
  // second to decode the long utterance, which must not count as stuck.
  const asr = new PocketsphinxRecogniser(undefined, { timeoutMs: 8_000, restartBaseMs: 50 });
  try {
    const long = await decodePcm16k(
      await speak(
        dir,
        "long",
        "please ask your questions in the chat and tell us about the camera",
      ),
    );
    const short = await decodePcm16k(await speak(dir, "short", "thank you"));
    const silence = new Float32Array(SAMPLE_RATE);
    const shortMs = (short.length / SAMPLE_RATE) * 1000;
    assert.ok(long.length > 2 * short.length + SAMPLE_RATE);
    /** Each answer belongs to its own utterance: the long one has words past the short one's end. */
    const check = (ts: Transcript[]) => {
      assert.deepEqual(ts.map((t) => t.engine), ["pocketsphinx", "pocketsphinx", "pocketsphinx"]);
      assert.ok(ts[0].words.some((w) => w.endMs > shortMs + 500), JSON.stringify(ts[0]));
      assert.ok(ts[1].words.length > 0, "the short phrase has words");
      assert.ok(ts[1].words.every((w) => w.endMs <= shortMs + 50), JSON.stringify(ts[1]));
      assert.equal(ts[2].text, "", "silence has no words");
    };

    // queued together, answered in order by one process
    const first = await Promise.all([long, short, silence].map((u) => asr.transcribe(u)));
    check(first);
    console.log(`heard: ${JSON.stringify(first.map((t) => t.text))}`);
    assert.equal(asr.starts, 1);
    const pid = asr.pid!;
    assert.ok(pid > 0);

    // killed while idle: the next utterance starts a new process
    Deno.kill(pid, "SIGKILL");
    const again = await Promise.all([long, short, silence].map((u) => asr.transcribe(u)));
    check(again);
    assert.equal(asr.starts, 2);
    assert.notEqual(asr.pid, pid);

    // stuck (stopped): the utterance times out, the process is killed and replaced
    Deno.kill(asr.pid!, "SIGSTOP");
    await assert.rejects(asr.transcribe(short), /no answer in \d+ ms/);
    check(await Promise.all([long, short, silence].map((u) => asr.transcribe(u))));
    assert.equal(asr.starts, 3);

    await asr.close();
    assert.equal(asr.pid, undefined, "closed: no process left");
    await assert.rejects(asr.transcribe(short), /closed/);
  } finally {
    await asr.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("asr: a recogniser using CPU is slow, not stuck; one using none past its timeout is stuck", async () => {
  // Stand-ins for pocketsphinx_batch, only to control what it does before its first answer:
  // compute for a few seconds (a model loading on a saturated machine), or sleep (stuck).
  const dir = await Deno.makeTempDir({ prefix: "ai-asr-watchdog-" });
  const answer =
    'while read id; do echo "$id S 0 T 0 A 0 L 0 0 0 0 <s> 5 0 0 hello 40 0 0 </s> 60"; done';
  const fake = async (name: string, before: string) => {
    await Deno.writeTextFile(`${dir}/${name}`, `#!/bin/sh\n${before}\n${answer}\n`);
    await Deno.chmod(`${dir}/${name}`, 0o755);
    // A 1 s window: on a saturated 2-core machine a runnable shell can get no CPU tick
    // (10 ms) in 300 ms, and would be judged stuck while it works; `sleep` uses none in any.
    return new PocketsphinxRecogniser(
      { ...DEBIAN_POCKETSPHINX, hmm: dir, binary: `${dir}/${name}` },
      { timeoutMs: 1_000 },
    );
  };
  const busy = await fake(
    "busy.sh",
    "i=0; while [ $i -lt 1000000 ]; do i=$((i + 1)); done",
  );
  const idle = await fake("idle.sh", "sleep 3");
  const tiny = new Float32Array(160);
  try {
    assert.equal((await busy.transcribe(tiny)).text, "hello");
    assert.equal(busy.starts, 1, "not killed while it worked");
    await assert.rejects(idle.transcribe(tiny), /no answer in \d+ ms/);
  } finally {
    await busy.close();
    await idle.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("asr: parse pocketsphinx -hypseg lines", () => {
  assert.deepEqual(
    parseHypseg(
      "u7 S 0 T -98 A -87 L -10 0 -218 0 <s> 57 -605 -232 you 72 -733 -524 <sil> 95 -825 -336 are(2) 108 -585 -220 the 117 -1766 -125 </s> 232",
    ),
    {
      id: "u7",
      words: [
        { word: "you", startMs: 570, endMs: 710 },
        { word: "are", startMs: 950, endMs: 1070 },
        { word: "the", startMs: 1080, endMs: 1160 },
      ],
    },
  );
  assert.deepEqual(parseHypseg("u8 S 0 T 0 A 0 L 0 0"), { id: "u8", words: [] });
  assert.equal(parseHypseg("INFO: batch.c(729): Decoding 'u9'"), null);
});

Deno.test("asr: parse pocketsphinx timings", () => {
  const words = parsePocketsphinx(
    "we are\n<s> 0.000 0.290 0.99\nwe 0.440 0.580 0.51\n<sil> 0.7 1.2 0.9\nare(2) 0.590 0.700 0.44\n",
  );
  assert.deepEqual(words, [
    { word: "we", startMs: 440, endMs: 580 },
    { word: "are", startMs: 590, endMs: 700 },
  ]);
});

Deno.test("asr: remote transcription sends the utterance as WAV; failures fall back to local", async () => {
  const fake = startFakeOpenAi();
  fake.transcript = " hello from the remote model ";
  try {
    const remote = new OpenAiTranscriber({
      baseUrl: fake.url,
      apiKey: "asr-key",
      model: "whisper-test",
      timeoutMs: 2000,
      retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 10 },
    });
    const pcm = new Float32Array(SAMPLE_RATE / 2).map((_, i) => Math.sin(i / 10) * 0.2);
    fake.faults.push({ kind: "status", status: 500 });
    const t = await remote.transcribe(pcm, { language: "en" });
    assert.deepEqual(t, {
      text: "hello from the remote model",
      words: [],
      engine: "openai",
      source: "llm",
    });
    assert.equal(fake.requests.length, 2, "one retry after the 500");
    const req = fake.requests[1];
    assert.equal(req.path, "/v1/audio/transcriptions");
    assert.equal(req.body.model, "whisper-test");
    assert.equal(req.body.language, "en");
    assert.equal(req.fileBytes, 44 + pcm.length * 2, "16-bit mono WAV of the utterance");

    // remote down: the local recogniser answers, labelled local
    const local = {
      engine: "pocketsphinx" as const,
      transcribe: () =>
        Promise.resolve({
          text: "local words",
          words: [],
          engine: "pocketsphinx" as const,
          source: "local" as const,
        }),
    };
    const both = new FallbackRecogniser(remote, local);
    for (let i = 0; i < 3; i++) fake.faults.push({ kind: "status", status: 500 });
    const fallback = await both.transcribe(pcm);
    assert.equal(fallback.source, "local");
    assert.equal(fallback.text, "local words");
  } finally {
    await fake.close();
  }
});

Deno.test("captions: chunks of live audio become cues in order and a WebVTT track", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ai-cap-" });
  const vad = await SileroVad.load();
  try {
    const pcm = await decodePcm16k(
      await speechWithPauses(dir, ["one two three", "four five six"], 1.5),
    );
    // a fake recogniser that reports the utterance length, so cue order and timing are checkable
    let calls = 0;
    const asr = {
      engine: "pocketsphinx" as const,
      transcribe: async (audio: Float32Array) => {
        await new Promise((r) => setTimeout(r, calls++ === 0 ? 50 : 0)); // the first is slower
        return {
          text: `utterance of ${audio.length} samples <b>`,
          words: [],
          engine: "pocketsphinx" as const,
          source: "local" as const,
        };
      },
    };
    const live: CaptionCue[] = [];
    const pipeline = new CaptionPipeline(vad, asr, (c) => live.push(c), {}, 60_000);
    for (let i = 0; i < pcm.length; i += 8000) await pipeline.push(pcm.subarray(i, i + 8000));
    const cues = await pipeline.end();
    assert.equal(cues.length, 2);
    assert.deepEqual(live, cues);
    assert.ok(cues[0].startMs >= 61_000 && cues[0].startMs < 62_000, `${cues[0].startMs}`);
    assert.ok(cues[1].startMs > cues[0].endMs);
    const vtt = toWebVtt(cues);
    assert.match(
      vtt,
      /^WEBVTT\n\n1\n00:01:01\.\d{3} --> 00:01:0\d\.\d{3}\nutterance of \d+ samples &lt;b&gt;/,
    );
    assert.equal(vtt.match(/-->/g)?.length, 2);
  } finally {
    await vad.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("asr: ASR_ENGINE chooses the recogniser; other languages than English go remote", async () => {
  const remote = { ASR_BASE_URL: "http://127.0.0.1:1/v1", ASR_MODEL: "whisper-1" };
  const routed = async (env: Record<string, string>) => {
    const r = await createRecogniser(parseConfig(env));
    assert.ok(r instanceof LanguageRoutedRecogniser, `routed by language: ${JSON.stringify(env)}`);
    return r;
  };
  assert.equal(await createRecogniser(parseConfig({ ASR_ENGINE: "off", ...remote })), null);
  const onlyRemote = await routed({ ASR_ENGINE: "remote", ...remote });
  assert.ok(
    onlyRemote.english instanceof OpenAiTranscriber && onlyRemote.remote === onlyRemote.english,
  );
  assert.ok(
    await createRecogniser(parseConfig({ ASR_ENGINE: "local", ...remote })) instanceof
      PocketsphinxRecogniser,
  );
  const auto = await routed(remote);
  assert.ok(auto.english instanceof FallbackRecogniser, "auto: remote, local behind it");
  assert.ok(auto.remote instanceof OpenAiTranscriber, "auto: Chinese goes to the endpoint");
  const noEndpoint = await routed({});
  assert.ok(noEndpoint.english instanceof PocketsphinxRecogniser, "auto, no endpoint: local");
  assert.equal(noEndpoint.remote, null);
  // Chinese without an endpoint: nothing rather than English words from the en-US model
  const zh = await noEndpoint.transcribe(new Float32Array(16_000), { language: "zh-CN" });
  assert.deepEqual([zh.text, noEndpoint.unrecognised], ["", 1]);
  assert.equal(
    await createRecogniser(parseConfig({ ASR_ENGINE: "remote" })),
    null,
    "remote without an endpoint",
  );
});
