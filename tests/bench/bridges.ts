/**
 * Bridges: (1) Bilibili frames decoded per CPU-second — raw JSON frames, zlib and brotli
 * batches of 10 packets, and a mix with broken packets — beside a baseline that only
 * `JSON.parse`s the same command bodies (the least any client must do); (2) bridged message →
 * room batch latency, p50/p99, beside a native `say` in the same run: a local Bilibili-protocol
 * server pushes DANMU_MSG frames to a real bridge actor, which hands them to the room actor;
 * a native viewer says through the room client at the same rate; both are timed until their
 * danmaku appears in a batch on `rooms.out.{roomId}`. Medians of BRIDGES_RUNS runs (default 5).
 * Writes tests/bench/results/bridges.{json,md}.
 *
 *   deno run -A tests/bench/bridges.ts
 */
import { fileURLToPath } from "node:url";
import {
  type BiliPacket,
  decodeFrame,
  newDecodeStats,
} from "../../actors/bridges/bilibili/packet.ts";
import { mapCommand } from "../../actors/bridges/bilibili/commands.ts";
import { commandPacket, compressedBatch, concat, danmuMsg } from "../helpers/bilibili_server.ts";
import { median, round, selfCpuMs } from "./helpers/stats.ts";
import { bridgedLatency, type LatencyRun } from "./helpers/bridged_latency.ts";

const RUNS = Number(Deno.env.get("BRIDGES_RUNS") ?? 5);
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

const cpuMs = selfCpuMs;

const bodies = Array.from(
  { length: 10 },
  (_, i) => danmuMsg(1000 + i, `用户${i}`, `弹幕 ${i} 哈哈哈 666`),
);
const broken = (() => {
  const p = commandPacket(bodies[0]);
  new DataView(p.buffer).setUint32(0, 99_999); // lies about its length
  return concat(commandPacket(bodies[1]), p, commandPacket(bodies[2]), new Uint8Array([1, 2, 3]));
})();
const FRAMES: Record<string, { frame: Uint8Array; packets: number }> = {
  raw_json: { frame: commandPacket(bodies[0]), packets: 1 },
  zlib_batch_10: { frame: compressedBatch(bodies, "zlib"), packets: 10 },
  brotli_batch_10: { frame: compressedBatch(bodies, "brotli"), packets: 10 },
  broken_mix: { frame: broken, packets: 2 },
};
const JSON_TEXTS = bodies.map((b) => JSON.stringify(b));

/** Frames per CPU-second for `work` repeated for about `cpuBudgetMs` of CPU. */
function perCpuSecond(work: () => void, cpuBudgetMs = 1_500): number {
  for (let i = 0; i < 200; i++) work(); // warm up
  const c0 = cpuMs();
  let n = 0;
  while (cpuMs() - c0 < cpuBudgetMs) {
    for (let i = 0; i < 500; i++) work();
    n += 500;
  }
  return n / ((cpuMs() - c0) / 1000);
}

function decodeRun(): Record<string, { framesPerCpuS: number; packetsPerCpuS: number }> {
  const out: Record<string, { framesPerCpuS: number; packetsPerCpuS: number }> = {};
  for (const [name, { frame, packets }] of Object.entries(FRAMES)) {
    const stats = newDecodeStats();
    const f = perCpuSecond(() => {
      const got: BiliPacket[] = [];
      decodeFrame(frame, got, stats);
      for (const p of got) if (p.op === 5) mapCommand(p.command, 0);
    });
    out[name] = { framesPerCpuS: f, packetsPerCpuS: f * packets };
  }
  // Baseline: parse the 10 command bodies from ready strings (no framing, no decompression).
  const b = perCpuSecond(() => {
    for (const t of JSON_TEXTS) JSON.parse(t);
  });
  out.baseline_json_parse_10 = { framesPerCpuS: b, packetsPerCpuS: b * 10 };
  return out;
}

const decodeRuns = Array.from({ length: RUNS }, decodeRun);
const decode: Record<
  string,
  { framesPerCpuS: number; packetsPerCpuS: number; vsBaseline: number }
> = {};
const baseline = median(decodeRuns.map((r) => r.baseline_json_parse_10.packetsPerCpuS));
for (const name of Object.keys(decodeRuns[0])) {
  const framesPerCpuS = median(decodeRuns.map((r) => r[name].framesPerCpuS));
  const packetsPerCpuS = median(decodeRuns.map((r) => r[name].packetsPerCpuS));
  decode[name] = {
    framesPerCpuS: Math.round(framesPerCpuS),
    packetsPerCpuS: Math.round(packetsPerCpuS),
    vsBaseline: round(packetsPerCpuS / baseline, 3),
  };
}

const latencyRuns: LatencyRun[] = [];
for (let i = 0; i < RUNS; i++) latencyRuns.push(await bridgedLatency());
const lat = (k: "bridged" | "native", q: "p50" | "p99") =>
  round(median(latencyRuns.map((r) => r[k][q])), 1);
const latency = {
  messagesPerRun: latencyRuns[0]?.messages ?? 0,
  bridged: { p50: lat("bridged", "p50"), p99: lat("bridged", "p99") },
  native: { p50: lat("native", "p50"), p99: lat("native", "p99") },
  p50Ratio: round(lat("bridged", "p50") / lat("native", "p50"), 2),
  /** Messages that reached a batch, per run (the rest were refused or lost). */
  seen: latencyRuns.map((r) => ({ bridged: r.bridged.seen, native: r.native.seen })),
};

const result = { runs: RUNS, decode, latency, at: new Date().toISOString() };
await Deno.mkdir(resultsDir, { recursive: true });
await Deno.writeTextFile(`${resultsDir}bridges.json`, JSON.stringify(result, null, 2) + "\n");
const rows = Object.entries(decode).map(([k, v]) =>
  `| ${k} | ${v.framesPerCpuS.toLocaleString("en")} | ${
    v.packetsPerCpuS.toLocaleString("en")
  } | ${v.vsBaseline} |`
).join("\n");
await Deno.writeTextFile(
  `${resultsDir}bridges.md`,
  `# Bridges (medians of ${RUNS} runs)

## Bilibili frames decoded per CPU-second (decode + command mapping)

| frame | frames / CPU-s | packets / CPU-s | packets vs JSON.parse baseline |
|---|---|---|---|
${rows}

## Bridged message → room batch, beside a native say (ms, ${latency.messagesPerRun} each per run)

| path | p50 | p99 |
|---|---|---|
| bridged (Bilibili server → bridge actor → room) | ${latency.bridged.p50} | ${latency.bridged.p99} |
| native say (room client → room) | ${latency.native.p50} | ${latency.native.p99} |

p50 ratio bridged/native: ${latency.p50Ratio}
`,
);
console.log(JSON.stringify(result, null, 2));
