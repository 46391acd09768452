/**
 * What issue 15's co-host adds per spoken sentence, each beside its baseline in one run
 * (medians of COHOST_BENCH_RUNS runs, default 5, variants alternating):
 * - moderation of one sentence: the old local check (default blocklist + must-not-say) vs the
 *   room's own rules applied directly (`RoomModerator.screen`) vs the real path, the room's
 *   `speech_screen` command asked through an embedded engine (in-process transport, the room
 *   actor's mailbox); µs per sentence, wall;
 * - the Open-LLM-VTuber payload of one sentence (`speechClip`: resample, WAV, 20 ms volumes,
 *   base64) beside the espeak-ng synthesis (text2wav, WebAssembly) that produced it; CPU ms per
 *   second of speech, and bytes on the wire per second.
 * Writes tests/bench/results/cohost_speech.{json,md}.
 *
 *   deno run -A tests/bench/cohost_speech.ts
 */
import { fileURLToPath } from "node:url";
import { RoomModerator } from "../../actors/ai/moderation/room_manager.ts";
import { Persona } from "../../actors/cohost/persona.ts";
import { speechModeration } from "../../actors/cohost/speech_moderation.ts";
import { speechClip } from "../../actors/cohost/voice/clip.ts";
import { EspeakSynth } from "../../actors/cohost/voice/tts.ts";
import { RoomClient } from "../../actors/room/client.ts";
import { roomActorType } from "../../actors/room/room_actor.ts";
import { startEmbeddedEngine } from "../../engine/embedded.ts";
import { DenoKvStateStore } from "../../engine/state_store_denokv.ts";
import { median, round, selfCpuMs } from "./helpers/stats.ts";

const RUNS = Number(Deno.env.get("COHOST_BENCH_RUNS") ?? 5);
const SENTENCES = 400;
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

const cpuMs = selfCpuMs;

/** Sentences as a co-host says them: mostly clean, some with a link or a blocked word. */
const sentences = Array.from(
  { length: SENTENCES },
  (_, i) =>
    i % 10 === 3
      ? `Check www.deal-${i}.xyz for more, it is great.`
      : i % 10 === 7
      ? `That was a damn fine play number ${i}!`
      : i % 2
      ? `谢谢第${i}位观众的支持，我们下一局见。`
      : `Thanks for asking, the next round starts in ${i} seconds.`,
);
const persona = Persona.parse({ enabled: true, mustNotSay: ["acmecorp"] });

async function moderationRun(
  dir: string,
): Promise<Record<"local" | "screen" | "room", number>> {
  const local = speechModeration();
  const moderator = new RoomModerator({ roomId: "bench" });
  const store = await DenoKvStateStore.open(`${dir}/state-${crypto.randomUUID()}.kv`);
  const engine = await startEmbeddedEngine({ store, types: [roomActorType({ tickMs: 50 })] });
  const rooms = new RoomClient(engine.client);
  await rooms.screenSpeech("bench", "warm up"); // activation is not what we measure
  const out = { local: 0, screen: 0, room: 0 };
  const variants: [keyof typeof out, (s: string) => unknown][] = [
    ["local", (s) => local(s, persona)],
    ["screen", (s) => moderator.screen(s)],
    ["room", (s) => rooms.screenSpeech("bench", s)],
  ];
  // Each variant twice in turn (the first pass warms the JIT), the second pass counts.
  for (const pass of [0, 1]) {
    for (const [name, check] of variants) {
      const t = performance.now();
      for (const s of sentences) await check(s); // one at a time, in order, as the co-host does
      if (pass === 1) out[name] = (performance.now() - t) * 1000 / SENTENCES;
    }
  }
  await engine.close();
  await store.close();
  return out;
}

async function speechRun(synth: EspeakSynth) {
  const texts = [
    "Thanks for asking, the next round starts in ten seconds.",
    "谢谢大家的支持，我们下一局见。",
  ];
  let synthCpu = 0;
  let clipCpu = 0;
  let seconds = 0;
  let bytes = 0;
  for (const [i, text] of texts.entries()) {
    let c = cpuMs();
    const pcm = await synth.synth(text, i === 0 ? "en" : "zh");
    synthCpu += cpuMs() - c;
    c = cpuMs();
    for (let k = 0; k < 20; k++) bytes += speechClip(pcm).wav.length / 20;
    clipCpu += (cpuMs() - c) / 20;
    seconds += pcm.samples.length / pcm.sampleRate;
  }
  return {
    synthCpuMsPerSpeechS: synthCpu / seconds,
    clipCpuMsPerSpeechS: clipCpu / seconds,
    base64BytesPerSpeechS: bytes / seconds,
  };
}

const dir = await Deno.makeTempDir({ prefix: "bench_cohost_" });
const synth = new EspeakSynth();
await synth.synth("warm up", "en");
const mods: Record<"local" | "screen" | "room", number>[] = [];
const speech: Awaited<ReturnType<typeof speechRun>>[] = [];
for (let r = 0; r < RUNS; r++) {
  mods.push(await moderationRun(dir));
  speech.push(await speechRun(synth));
}
await Deno.remove(dir, { recursive: true });

const med = <T>(xs: T[], f: (x: T) => number) => round(median(xs.map(f)), 2);
const m = {
  local: med(mods, (x) => x.local),
  screen: med(mods, (x) => x.screen),
  room: med(mods, (x) => x.room),
};
const s = {
  synthCpuMsPerSpeechS: med(speech, (x) => x.synthCpuMsPerSpeechS),
  clipCpuMsPerSpeechS: med(speech, (x) => x.clipCpuMsPerSpeechS),
  base64BytesPerSpeechS: Math.round(median(speech.map((x) => x.base64BytesPerSpeechS))),
};
const load = Deno.loadavg()[0];
const results = {
  runs: RUNS,
  loadAverage1m: round(load, 1),
  moderationMicrosPerSentence: {
    ...m,
    screenVsLocal: round(m.screen / m.local, 2),
    roomVsLocal: round(m.room / m.local, 2),
  },
  speech: { ...s, clipVsSynth: round(s.clipCpuMsPerSpeechS / s.synthCpuMsPerSpeechS, 3) },
};
await Deno.mkdir(resultsDir, { recursive: true });
await Deno.writeTextFile(
  `${resultsDir}cohost_speech.json`,
  JSON.stringify(results, null, 2) + "\n",
);
const md = `# Co-host: per-sentence moderation and the OLV speech payload

Medians of ${RUNS} runs, ${SENTENCES} sentences each; machine load (1 min) ${
  round(load, 1)
} at the end.

| moderation of one sentence | µs (wall) | vs local |
| --- | --- | --- |
| local check (default blocklist + must-not-say; before) | ${m.local} | 1 |
| the room's rules, direct (\`RoomModerator.screen\`) | ${m.screen} | ${results.moderationMicrosPerSentence.screenVsLocal} |
| the room's \`speech_screen\` through the embedded engine (the real path) | ${m.room} | ${results.moderationMicrosPerSentence.roomVsLocal} |

| speech, per second of audio | CPU ms | |
| --- | --- | --- |
| espeak-ng synthesis (text2wav, WebAssembly) | ${s.synthCpuMsPerSpeechS} | 1 |
| OLV payload (\`speechClip\`: WAV, 20 ms volumes, base64) | ${s.clipCpuMsPerSpeechS} | ${results.speech.clipVsSynth} |
| bytes of base64 WAV per second of speech | ${s.base64BytesPerSpeechS} | |
`;
await Deno.writeTextFile(`${resultsDir}cohost_speech.md`, md);
console.log(md);
