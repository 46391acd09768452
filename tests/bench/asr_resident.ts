/**
 * Local recognition time per utterance: the old way (one `pocketsphinx_continuous` process
 * per utterance, model loaded each time) vs the resident `pocketsphinx_batch` process of
 * PocketsphinxRecogniser. espeak-ng phrases (the caption_latency ones), levelled the same way,
 * each recognised `ROUNDS` times by both, interleaved; median and max per way.
 *
 * Writes tests/bench/results/asr_resident.{json,md}.
 *
 *   deno run -A tests/bench/asr_resident.ts
 */
import { fileURLToPath } from "node:url";
import { decodePcm16k, floatToInt16, SAMPLE_RATE } from "../../media/audio/pcm.ts";
import {
  DEBIAN_POCKETSPHINX,
  levelled,
  parsePocketsphinx,
  PocketsphinxRecogniser,
} from "../../media/audio/asr.ts";
import { speak, STREAMER_PHRASES } from "../helpers/speech.ts";
import { median } from "./helpers/stats.ts";

const PHRASES = [...STREAMER_PHRASES];
const ROUNDS = 3;
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

/** The recogniser as it was: a new process per utterance. */
async function oneShot(pcm: Float32Array): Promise<string> {
  const file = await Deno.makeTempFile({ prefix: "asr-", suffix: ".raw" });
  try {
    const s = floatToInt16(levelled(pcm));
    await Deno.writeFile(file, new Uint8Array(s.buffer, 0, s.byteLength));
    const out = await new Deno.Command("pocketsphinx_continuous", {
      args: [
        ...["-infile", file, "-hmm", DEBIAN_POCKETSPHINX.hmm, "-lm", DEBIAN_POCKETSPHINX.lm],
        ...["-dict", DEBIAN_POCKETSPHINX.dict, "-samprate", String(SAMPLE_RATE)],
        ...["-time", "yes", "-logfn", "/dev/null"],
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    return parsePocketsphinx(new TextDecoder().decode(out.stdout)).map((w) => w.word).join(" ");
  } finally {
    await Deno.remove(file);
  }
}

const dir = await Deno.makeTempDir({ prefix: "bench-asr-" });
const resident = new PocketsphinxRecogniser();
try {
  const pcms = [];
  for (const [i, p] of PHRASES.entries()) {
    pcms.push(await decodePcm16k(await speak(dir, `p${i}`, p)));
  }
  await resident.transcribe(new Float32Array(SAMPLE_RATE / 2)); // start it: load once
  const times = { perUtterance: [] as number[], resident: [] as number[] };
  const heard = { perUtterance: [] as string[], resident: [] as string[] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const pcm of pcms) {
      let t0 = performance.now();
      const a = await oneShot(pcm);
      times.perUtterance.push(performance.now() - t0);
      t0 = performance.now();
      const b = await resident.transcribe(pcm);
      times.resident.push(performance.now() - t0);
      if (r === 0) heard.perUtterance.push(a), heard.resident.push(b.text);
    }
  }
  const audioMs = pcms.map((p) => Math.round((p.length / SAMPLE_RATE) * 1000));
  const row = (k: keyof typeof times) =>
    `| ${k} | ${Math.round(median(times[k]))} | ${Math.round(Math.max(...times[k]))} | ${
      heard[k].map((h) => JSON.stringify(h)).join(", ")
    } |`;
  const at = new Date().toISOString();
  const md = [
    "# Local recognition time per utterance: a process per utterance vs one resident process",
    "",
    `${at}, ${navigator.hardwareConcurrency} cores; ${PHRASES.length} espeak-ng phrases ` +
    `(${
      audioMs.join(", ")
    } ms of audio) × ${ROUNDS}; resident processes started: ${resident.starts}.`,
    "",
    "| recogniser | median ms | max ms | heard (round 1) |",
    "|---|---:|---:|---|",
    row("perUtterance"),
    row("resident"),
    "",
  ].join("\n");
  await Deno.mkdir(resultsDir, { recursive: true });
  await Deno.writeTextFile(`${resultsDir}asr_resident.md`, md);
  await Deno.writeTextFile(
    `${resultsDir}asr_resident.json`,
    JSON.stringify(
      {
        at,
        machine: { cores: navigator.hardwareConcurrency, deno: Deno.version.deno },
        phrases: PHRASES,
        audioMs,
        rounds: ROUNDS,
        residentStarts: resident.starts,
        medianMs: {
          perUtterance: Math.round(median(times.perUtterance)),
          resident: Math.round(median(times.resident)),
        },
        timesMs: {
          perUtterance: times.perUtterance.map(Math.round),
          resident: times.resident.map(Math.round),
        },
        heard,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(md);
} finally {
  await resident.close();
  await Deno.remove(dir, { recursive: true });
}
