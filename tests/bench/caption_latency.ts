/**
 * Caption latency, live path vs segment path, in one run: a streamer speaks espeak-ng phrases
 * through livekit-server (6 s segments, the default), the real recorder records, LiveCaptions
 * (pocketsphinx) sends cues to a real room actor. Per phrase: the delay from its last sample
 * leaving the streamer to its first caption arriving in the room's batches; median and max.
 * Also how many phrases were captioned before the segment holding their end was ready.
 * Writes tests/bench/results/caption_latency.{json,md}.
 *
 *   deno run -A tests/bench/caption_latency.ts
 */
import { fileURLToPath } from "node:url";
import { matchPhrases, runCaptionScenario } from "../helpers/live_caption_scenario.ts";
import { median } from "./helpers/stats.ts";
import { STREAMER_PHRASES } from "../helpers/speech.ts";

const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));
const PHRASES = [...STREAMER_PHRASES];

async function measure(live: boolean) {
  console.log(`${live ? "live" : "segment"} path...`);
  const r = await runCaptionScenario({ phrases: PHRASES, live, segmentSeconds: 6 });
  const matched = matchPhrases(r);
  const delays = matched.flatMap((m) =>
    m.caption === undefined ? [] : [r.log[m.caption].arrivedAt - m.phrase.endAt]
  );
  return {
    path: live ? "live (recorder audio)" : "segment (each recorded segment)",
    phrases: PHRASES.length,
    captioned: delays.length,
    beforeSegmentReady:
      matched.filter((m) =>
        m.caption !== undefined && m.segment !== undefined && m.caption < m.segment
      ).length,
    medianMs: Math.round(median(delays)),
    maxMs: Math.round(Math.max(...delays)),
    delaysMs: delays.map(Math.round),
    metrics: r.metrics,
  };
}

const rows = [await measure(false), await measure(true)];
const result = {
  at: new Date().toISOString(),
  machine: { cores: navigator.hardwareConcurrency, deno: Deno.version.deno },
  segmentSeconds: 6,
  maxUtteranceMs: 4_000,
  recogniser: "pocketsphinx (local)",
  rows,
};
await Deno.mkdir(resultsDir, { recursive: true });
await Deno.writeTextFile(
  `${resultsDir}caption_latency.json`,
  JSON.stringify(result, null, 2) + "\n",
);
const md = [
  "# Caption latency: end of a phrase → its caption in the room",
  "",
  `${result.at}, ${result.machine.cores} cores, Deno ${result.machine.deno}. espeak-ng phrases ` +
  `through livekit-server and the recorder, 6 s segments, pocketsphinx, one phrase per segment.`,
  "",
  "| path | phrases captioned | caption before its segment is ready | median ms | max ms | each (ms) |",
  "|---|---:|---:|---:|---:|---|",
  ...rows.map((r) =>
    `| ${r.path} | ${r.captioned}/${r.phrases} | ${r.beforeSegmentReady}/${r.phrases} | ${r.medianMs} | ${r.maxMs} | ${
      r.delaysMs.join(", ")
    } |`
  ),
  "",
].join("\n");
await Deno.writeTextFile(`${resultsDir}caption_latency.md`, md);
console.log(md);
