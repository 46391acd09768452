/**
 * What RNNoise buys before VAD and recognition, side by side in one run, at suppression limits
 * of 0 (off), 20 and 100 dB (AUDIO_DENOISE_DB):
 * - CPU per audio second of denoising 48 kHz audio in 10 ms frames (as the live path does),
 *   beside the 48 → 16 kHz resampling and Silero VAD the same audio already goes through;
 * - VAD false starts (segments, speech ms) on 10 s of each kind of pure noise;
 * - words recognised by the local pocketsphinx recogniser in espeak-ng phrases mixed by sox
 *   with pink noise at 0, 5 and 10 dB SNR (and clean), through the per-segment path
 *   (decode → denoise → 16 kHz → VAD utterances → recogniser).
 *
 * Writes tests/bench/results/denoise.{json,md}.
 *
 *   deno run -A tests/bench/denoise.ts
 */
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Denoiser } from "../../media/audio/denoise.ts";
import { decodePcm } from "../../media/audio/pcm.ts";
import { resampleTo16k } from "../../media/audio/resample.ts";
import { decodeSpeech16k } from "../../media/audio/speech_audio.ts";
import { SileroVad, VadStream } from "../../media/audio/vad.ts";
import { DEBIAN_POCKETSPHINX, PocketsphinxRecogniser } from "../../media/audio/asr.ts";
import { speak, STREAMER_PHRASES } from "../helpers/speech.ts";
import { mixAtSnr, NOISES, noiseWav } from "../helpers/noisy_speech.ts";
import { median } from "./helpers/stats.ts";

const LEVELS = [0, 20, 100];
const SNRS = [0, 5, 10];
/** Loudness of the pure noise (RMS): a quiet room, and noise close to the microphone. */
const NOISE_LEVELS = [-20, -6];
const CPU_ROUNDS = 5;
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Spoken words heard (length ≥ 3, not "and"/"the": luck on short words does not count). */
function wordsHeard(spoken: string, heard: string): number {
  const got = new Set(heard.toLowerCase().split(/\s+/));
  return [...new Set(spoken.toLowerCase().split(/\s+/))]
    .filter((w) => w.length >= 3 && w !== "and" && w !== "the" && got.has(w)).length;
}
const wordsSpoken = (spoken: string) => wordsHeard(spoken, spoken);

const dir = await Deno.makeTempDir({ prefix: "bench-denoise-" });
const vad = await SileroVad.load({ threads: 1 });
// a generous timeout: a noisy utterance can run to the VAD's 15 s cut on a loaded machine
const asr = new PocketsphinxRecogniser(DEBIAN_POCKETSPHINX, { timeoutMs: 60_000 });
const PHRASES = STREAMER_PHRASES.slice(0, 4);
try {
  // --- CPU per audio second
  console.log("CPU...");
  const speechParts = [];
  for (const [i, p] of STREAMER_PHRASES.entries()) speechParts.push(await speak(dir, `p${i}`, p));
  const pink = await noiseWav(dir, "pink", 30);
  const cpuClip = await mixAtSnr(dir, "cpu", speechParts[0], pink, 5, 10);
  const pcm48 = await decodePcm(cpuClip, 48_000);
  const audioS = pcm48.length / 48_000;
  const cpu = { denoise: [] as number[], resample: [] as number[], vad: [] as number[] };
  for (let r = 0; r < CPU_ROUNDS; r++) {
    const d = await Denoiser.create(100);
    let c0 = cpuMs();
    for (let i = 0; i < pcm48.length; i += 480) d.process(pcm48.subarray(i, i + 480));
    cpu.denoise.push((cpuMs() - c0) / audioS);
    d.close();
    c0 = cpuMs();
    const pcm16 = resampleTo16k(pcm48, 48_000);
    cpu.resample.push((cpuMs() - c0) / audioS);
    c0 = cpuMs();
    await vad.detect(pcm16);
    cpu.vad.push((cpuMs() - c0) / audioS);
  }
  const cpuMedian = {
    denoise: median(cpu.denoise),
    resample: median(cpu.resample),
    vad: median(cpu.vad),
  };

  // --- VAD false starts on pure noise
  console.log("false starts...");
  const falseStarts: Record<string, Record<number, { starts: number; speechMs: number }>> = {};
  for (const kind of Object.keys(NOISES)) {
    for (const rmsDb of NOISE_LEVELS) {
      const path = await noiseWav(dir, kind, 10, rmsDb);
      const row: Record<number, { starts: number; speechMs: number }> = {};
      for (const db of LEVELS) {
        const r = await vad.detect(await decodeSpeech16k(path, db));
        row[db] = { starts: r.segments.length, speechMs: r.speechMs };
      }
      falseStarts[`${kind} ${rmsDb} dBFS`] = row;
    }
  }

  console.log(JSON.stringify({ cpuMedian, falseStarts }));

  // --- recognised words in noise
  console.log("recognition in noise...");
  await asr.transcribe(new Float32Array(8_000)); // load the model once
  const spoken = PHRASES.reduce((n, p) => n + wordsSpoken(p), 0);
  const conditions = ["clean", ...SNRS.map((s) => `${s} dB`)];
  const heard: Record<string, Record<number, number>> = {};
  const samples: Record<string, Record<number, string[]>> = {};
  for (const cond of conditions) {
    heard[cond] = {};
    samples[cond] = {};
    for (const db of LEVELS) {
      heard[cond][db] = 0;
      samples[cond][db] = [];
    }
  }
  let failed = 0;
  for (const [i, phrase] of PHRASES.entries()) {
    for (const cond of conditions) {
      const file = cond === "clean"
        ? await mixAtSnr(dir, `w${i}`, speechParts[i], pink, 200)
        : await mixAtSnr(dir, `w${i}`, speechParts[i], pink, Number.parseInt(cond));
      for (const db of LEVELS) {
        const pcm = await decodeSpeech16k(file, db);
        const stream = new VadStream(vad, {}, true);
        const texts: string[] = [];
        for (const u of [...await stream.push(pcm), ...await stream.end()]) {
          const t = await asr.transcribe(u.audio!).catch(() => (failed++, { text: "" }));
          if (t.text) texts.push(t.text);
        }
        const text = texts.join(" ");
        heard[cond][db] += wordsHeard(phrase, text);
        samples[cond][db].push(text);
      }
    }
  }

  const at = new Date().toISOString();
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const levelHead = LEVELS.map((l) => (l === 0 ? "off" : `${l} dB`));
  const md = [
    "# Denoise (RNNoise, @jitsi/rnnoise-wasm) before VAD and recognition",
    "",
    `${at}, ${navigator.hardwareConcurrency} cores, load average ${
      Deno.loadavg().map(r2).join(" ")
    }. Suppression limits: ${levelHead.join(", ")} (AUDIO_DENOISE_DB).`,
    "",
    `## CPU per audio second (median of ${CPU_ROUNDS}, ${r2(audioS)} s at 48 kHz)`,
    "",
    "| stage | CPU ms per audio s | share of one core |",
    "|---|---:|---:|",
    ...Object.entries(cpuMedian).map(([k, v]) => `| ${k} | ${r2(v)} | ${r2(v / 10)} % |`),
    "",
    `Denoise / VAD: ${r2(cpuMedian.denoise / cpuMedian.vad)}×.`,
    "",
    "## Silero VAD on 10 s of pure noise: false starts (speech ms)",
    "",
    `| noise | ${levelHead.join(" | ")} |`,
    `|---|${LEVELS.map(() => "---:").join("|")}|`,
    ...Object.entries(falseStarts).map(([k, v]) =>
      `| ${k} | ${LEVELS.map((l) => `${v[l].starts} (${v[l].speechMs})`).join(" | ")} |`
    ),
    "",
    `## Words recognised (pocketsphinx) of ${spoken} spoken, espeak-ng + pink noise (sox)`,
    "",
    `| speech | ${levelHead.join(" | ")} |`,
    `|---|${LEVELS.map(() => "---:").join("|")}|`,
    ...conditions.map((c) => `| ${c} | ${LEVELS.map((l) => heard[c][l]).join(" | ")} |`),
    "",
    `Recognitions that failed (timed out): ${failed}.`,
    "",
  ].join("\n");
  await Deno.mkdir(resultsDir, { recursive: true });
  await Deno.writeTextFile(`${resultsDir}denoise.md`, md);
  await Deno.writeTextFile(
    `${resultsDir}denoise.json`,
    JSON.stringify(
      {
        at,
        machine: {
          cores: navigator.hardwareConcurrency,
          loadavg: Deno.loadavg(),
          deno: Deno.version.deno,
        },
        levelsDb: LEVELS,
        cpuMsPerAudioSecond: { median: cpuMedian, runs: cpu },
        falseStarts,
        words: { phrases: PHRASES, spoken, heard, failed, samples },
      },
      null,
      2,
    ) + "\n",
  );
  console.log(md);
} finally {
  await asr.close();
  await vad.close();
  await Deno.remove(dir, { recursive: true });
}
