/**
 * Hot room (issue 18): V viewers and S distinct senders at R msg/s each into one room, through
 * Synapse with its display budget (EDGE_DISPLAY_BUDGET, default 40/s per viewer) and the
 * room's AI on (local heuristics), against the bare Deno broadcast server and Centrifugo v6
 * under a smaller load (they deliver every message to every viewer). The same scenario as
 * fanout.ts (helpers/fanout_scenario.ts), with a load generator light enough for the issue's
 * scale: the viewers' process parses only a sample of its viewers' frames (`--sample`; the
 * others count frames, bytes and messages by substring) and the senders have a process of
 * their own. Writes tests/bench/results/hot_room.{json,md}.
 *
 *   deno run -A tests/bench/hot_room.ts [--viewers 5000] [--senders 2000] [--rate 1]
 *     [--duration 60] [--reps 2] [--sample 200] [--budget 40] [--peer-scale 1000x200]
 *     [--servers synapse,bare,centrifugo] (also: synapse-audience-gap, synapse-baseline)
 *     [--baseline <dir>] [--rounds 1] [--profile <dir>] [--inspect-port <n>] [--env K=V,...]
 *     [--deno-flags "<flags>"]
 *
 * `--baseline <dir>` adds `synapse-baseline`: the same server run from another checkout (a
 * git worktree of the commit to compare with, `deno install` done there), measured in the
 * same run as this tree's (add it to `--servers` to choose its place; it is appended
 * otherwise). `--rounds N` runs the whole list of servers N times in turn (fresh processes
 * each time): each server's row is the median over all its repetitions, and each round gives
 * a paired ratio of Synapse to its baseline measured minutes apart, so a change in the
 * machine's other load shows as a spread of ratios rather than as a difference.
 * `--profile <dir>` runs the Synapse servers with V8's sampling profiler (`--prof`, one log
 * per isolate in `<dir>/<server>/`; `node --prof-process` reads them); `--inspect-port <n>`
 * starts `synapse` with its V8 inspector there, for tests/bench/helpers/cpu_profile.ts (a
 * DevTools CPU profile of the measured run); `--deno-flags "--v8-flags=--perf-basic-prof"`
 * lets `perf record -g -p <pid>` name the JavaScript frames. Profiled CPU figures are not
 * comparable with unprofiled ones.
 *
 * The bare server and Centrifugo run at `--peer-scale VxS` (default 1000x200): at the issue's
 * scale they would owe 10 M deliveries a second, and their senders (which receive every
 * message too, so they cannot be light) would swamp the load generator.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import {
  type FanoutLoad,
  runFanoutScenario,
  type ScenarioResult,
} from "./helpers/fanout_scenario.ts";
import {
  bareServer,
  centrifugoServer,
  type ServerUnderTest,
  synapseServer,
} from "./helpers/servers.ts";
import { median, round } from "./helpers/stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    viewers: { type: "string", default: "5000" },
    senders: { type: "string", default: "2000" },
    rate: { type: "string", default: "1" },
    duration: { type: "string", default: "60" },
    sample: { type: "string", default: "200" },
    "peer-scale": { type: "string", default: "1000x200" },
    reps: { type: "string", default: "2" },
    budget: { type: "string", default: "40" },
    servers: { type: "string", default: "synapse,bare,centrifugo" },
    baseline: { type: "string" },
    rounds: { type: "string", default: "1" },
    profile: { type: "string" },
    "inspect-port": { type: "string" },
    env: { type: "string", default: "" },
    /** More `deno run` flags for `synapse` (e.g. `--v8-flags=--perf-basic-prof` for perf). */
    "deno-flags": { type: "string", default: "" },
    out: { type: "string", default: fileURLToPath(new URL("./results/", import.meta.url)) },
  },
});
const BUDGET = Number(values.budget);
/** `--env K=V,...`: more variables for every Synapse server (e.g. ROOM_TICK_MS=250). */
const EXTRA_ENV: Record<string, string> = Object.fromEntries(
  values.env.split(",").filter((kv) => kv.includes("=")).map((kv) => {
    const at = kv.indexOf("=");
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);
/** `deno run` flags for a profiled Synapse server (V8's tick log, one file per isolate). */
function profiled(name: string): string[] {
  if (!values.profile) return [];
  const dir = `${values.profile.replace(/\/$/, "")}/${name}`;
  Deno.mkdirSync(dir, { recursive: true });
  return [`--v8-flags=--prof,--logfile=${dir}/v8.log`];
}
const inspectFlags = values["inspect-port"]
  ? [`--inspect=127.0.0.1:${values["inspect-port"]}`]
  : [];
const SERVERS: Record<string, () => ServerUnderTest> = {
  synapse: () =>
    synapseServer({ EDGE_DISPLAY_BUDGET: String(BUDGET), ...EXTRA_ENV }, {
      denoFlags: [
        ...profiled("synapse"),
        ...inspectFlags,
        ...values["deno-flags"].split(" ").filter(Boolean),
      ],
    }),
  // The same server with the hot-room gap off (the room's gap set by its audience alone, as
  // before ROOM_HOT_RATE): what the hot room's longer tick saves, side by side in one run.
  "synapse-audience-gap": () =>
    synapseServer({ EDGE_DISPLAY_BUDGET: String(BUDGET), ROOM_HOT_RATE: "1000000", ...EXTRA_ENV }, {
      name: "synapse-audience-gap",
      denoFlags: profiled("synapse-audience-gap"),
    }),
  // Another checkout (--baseline): the change under test against the tree it started from.
  "synapse-baseline": () =>
    synapseServer({ EDGE_DISPLAY_BUDGET: String(BUDGET), ...EXTRA_ENV }, {
      name: "synapse-baseline",
      root: values.baseline,
      denoFlags: profiled("synapse-baseline"),
    }),
  bare: bareServer,
  centrifugo: centrifugoServer,
};
const serverNames = values.servers.split(",");
if (values.baseline && !serverNames.includes("synapse-baseline")) {
  serverNames.push("synapse-baseline");
}
if (serverNames.includes("synapse-baseline") && !values.baseline) {
  throw new Error("synapse-baseline needs --baseline <dir>");
}
const load: FanoutLoad = {
  viewers: Number(values.viewers),
  senders: Number(values.senders),
  ratePerSender: Number(values.rate),
  durationMs: Number(values.duration) * 1000,
  drainMs: 1500,
  reps: Number(values.reps),
  settleMs: 1500,
  memoryPass: false,
  sampleViewers: Number(values.sample),
  splitSenders: true,
};
/**
 * The servers that deliver everything (bare Deno, Centrifugo) at `--peer-scale VxS`: at the
 * issue's scale they owe 10 M deliveries a second, which neither they nor one load-generator
 * process on this machine can carry; their row says which scale ran.
 */
const [peerViewers, peerSenders] = values["peer-scale"].split("x").map(Number);
const peerLoad: FanoutLoad = {
  ...load,
  viewers: peerViewers || load.viewers,
  senders: peerSenders || load.senders,
  // every bare sender receives every message too: they cannot be light
  splitSenders: false,
};
const loadOf = (name: string) => name.startsWith("synapse") ? load : peerLoad;

interface HotRow {
  server: string;
  deliversEverything: boolean;
  viewers: number;
  senders: number;
  offeredPerSec: number;
  acceptedPerSec: number;
  deliveriesPerSec: number;
  shownPerViewerPerSec: number;
  omittedPerViewerPerSec: number;
  framesPerViewerPerSec: number;
  kbPerViewerPerSec: number;
  deliveredPercent: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerAcceptedMessage: number;
  serverCores: number;
  loadgenCores: number;
  otherCores: number;
}

function row(s: ScenarioResult): HotRow {
  const m = (pick: (r: ScenarioResult["reps"][number]) => number, digits = 1) =>
    round(median(s.reps.map(pick)), digits);
  const seconds = (r: ScenarioResult["reps"][number]) => r.deliveries / r.deliveredPerSec;
  return {
    server: s.server,
    deliversEverything: !s.server.startsWith("synapse"),
    viewers: s.viewersConnected,
    senders: s.load.senders,
    offeredPerSec: s.load.senders * s.load.ratePerSender,
    acceptedPerSec: m((r) => r.acceptedPerSec, 0),
    deliveriesPerSec: m((r) => r.deliveredPerSec, 0),
    shownPerViewerPerSec: m((r) => r.deliveredPerSec / s.viewersConnected),
    omittedPerViewerPerSec: m((r) => r.omitted / s.viewersConnected / seconds(r)),
    framesPerViewerPerSec: m((r) => r.framesPerViewerPerSec),
    kbPerViewerPerSec: m((r) => r.bytesPerViewerPerSec / 1024, 2),
    deliveredPercent: m((r) => r.deliveryRatio * 100),
    p50Ms: m((r) => r.latencyP50Ms),
    p99Ms: m((r) => r.latencyP99Ms),
    cpuMsPerAcceptedMessage: m((r) => r.cpuMsPerAcceptedMessage, 3),
    serverCores: m((r) => r.serverCores, 2),
    loadgenCores: m((r) => r.loadgenCoreShare, 2),
    otherCores: m((r) => r.backgroundCores, 2),
  };
}

const loadavg = () => Deno.loadavg().map((l) => l.toFixed(1)).join(" ");
const loadBefore = loadavg();
const scenarios: ScenarioResult[] = [];
const notes: string[] = [];
const rounds = Math.max(1, Number(values.rounds));
/** Per round, CPU ms per accepted message of each server (the paired comparison). */
const perRound: Record<string, number>[] = [];
for (let round = 1; round <= rounds; round++) {
  const cpu: Record<string, number> = {};
  for (const name of serverNames) {
    const server = SERVERS[name]();
    const its = loadOf(name);
    console.log(
      `hot_room: ${server.name}, ${its.viewers} viewers, ${its.senders} senders` +
        (rounds > 1 ? `, round ${round}/${rounds}` : ""),
    );
    try {
      const s = await runFanoutScenario(server, its, console.log);
      cpu[server.name] = median(s.reps.map((r) => r.cpuMsPerAcceptedMessage));
      const same = scenarios.find((x) => x.server === s.server);
      if (same) same.reps.push(...s.reps);
      else scenarios.push(s);
    } catch (e) {
      notes.push(`${server.name} failed: ${String(e).split("\n")[0]}`);
      console.error(e);
    }
  }
  perRound.push(cpu);
}
const paired = values.baseline
  ? perRound.flatMap((cpu, i) =>
    cpu.synapse && cpu["synapse-baseline"]
      ? [{
        round: i + 1,
        synapseMs: round(cpu.synapse, 3),
        baselineMs: round(cpu["synapse-baseline"], 3),
        ratio: round(cpu.synapse / cpu["synapse-baseline"], 3),
      }]
      : []
  )
  : [];
const rows = scenarios.map(row);
const synapse = rows.find((r) => r.server === "synapse");
const targets = synapse
  ? [
    [`p99 of displayed messages < 500 ms`, `${synapse.p99Ms} ms`, synapse.p99Ms < 500],
    [
      `danmaku shown per viewer within the budget (${BUDGET}/s)`,
      `${synapse.shownPerViewerPerSec}/s`,
      synapse.shownPerViewerPerSec <= BUDGET * 1.05,
    ],
    [
      `2,000 accepted msg/s sustained (offered here: ${synapse.offeredPerSec}/s)`,
      `${synapse.acceptedPerSec}/s`,
      synapse.acceptedPerSec >= 2000,
    ],
    [
      "CPU per accepted message < 0.3 ms end to end",
      `${synapse.cpuMsPerAcceptedMessage} ms`,
      synapse.cpuMsPerAcceptedMessage < 0.3,
    ],
  ] as const
  : [];
const report = {
  meta: {
    finishedAt: new Date().toISOString(),
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
    budget: BUDGET,
    loadavg: { before: loadBefore, after: loadavg() },
    notes,
  },
  load,
  peerLoad,
  rounds,
  baseline: values.baseline ?? null,
  paired,
  rows,
  targets: targets.map(([target, measured, met]) => ({ target, measured, met })),
  scenarios,
};
const fmt = (v: number) => Number.isFinite(v) ? v.toLocaleString("en-US") : "n/a";
/**
 * Where a displayed message's latency goes, repetition by repetition (a p99 over ~40
 * displayed messages a second is set by a handful of batches, so medians would hide which
 * stage a bad repetition lost its time in): the server's clock readings in each message, the
 * room's accept time (`d.at`) and the batch's flush time (`at`).
 */
function stageLines(): string[] {
  const staged = scenarios.filter((s) => s.reps.some((r) => r.stages));
  if (staged.length === 0) return [];
  const pair = (a?: number, b?: number) => `${fmt(a ?? NaN)} / ${fmt(b ?? NaN)}`;
  return [
    "## Where a displayed message's latency goes (ms, p50 / p99, each repetition)",
    "",
    "Intake = sent → accepted by the room actor (the edge's read and parse, the room's " +
    "mailbox); tick wait = accepted → its batch flushed; delivery = flushed → received " +
    "(the edge's fan-out, the network, the load generator's own queue). Audience: the " +
    "viewers that parse (opened first, so early in the fan-out's order); probe: " +
    "20 viewers in a process of their own that joined last (late in the fan-out's order, " +
    "none of the audience process's queueing). The stages' p99s do not add up to the total's.",
    "",
    "| server | rep | p50 / p99 | probe p50 / p99 | intake | tick wait | delivery | " +
    "probe delivery | server cores | other jobs' cores |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...staged.flatMap((s) =>
      s.reps.map((r, i) =>
        `| ${s.server} | ${i + 1} | ${pair(r.latencyP50Ms, r.latencyP99Ms)} | ` +
        `${pair(r.probeLatencyP50Ms, r.probeLatencyP99Ms)} | ` +
        `${pair(r.stages?.intakeP50Ms, r.stages?.intakeP99Ms)} | ` +
        `${pair(r.stages?.batchingP50Ms, r.stages?.batchingP99Ms)} | ` +
        `${pair(r.stages?.deliveryP50Ms, r.stages?.deliveryP99Ms)} | ` +
        `${pair(r.probeStages?.deliveryP50Ms, r.probeStages?.deliveryP99Ms)} | ` +
        `${fmt(r.serverCores)} | ${fmt(r.backgroundCores)} |`
      )
    ),
    "",
  ];
}
const md = [
  "# Hot room: many senders, many viewers, one room",
  "",
  `Generated by \`deno task bench\` (tests/bench/hot_room.ts) at ${report.meta.finishedAt}, ` +
  `deno ${report.meta.deno}, ${report.meta.cpus} cores. Synapse: ${load.viewers} viewers and ` +
  `${load.senders} distinct senders at ${load.ratePerSender} msg/s each for ` +
  `${load.durationMs / 1000} s` +
  (load.viewers === 5000 && load.senders === 2000
    ? ` (the issue's scale${
      load.durationMs === 60_000
        ? ", and its 60 s"
        : `; ${load.durationMs / 1000} s rather than the issue's 60 s`
    } per repetition)`
    : ` (scaled from the issue's V=5,000, S=2,000)`) +
  `, medians of ${load.reps * rounds} repetitions` +
  (rounds > 1 ? ` (${rounds} rounds of ${load.reps}, servers in turn)` : "") +
  `. The load generator is two processes: the viewers (${load.sampleViewers} of them parse ` +
  `every frame and measure latency; the others count frames, bytes and messages without ` +
  `parsing) and the senders (which parse only their acks). Synapse runs embedded ` +
  `(\`--role all\`) with the room's AI on (local heuristics) and a display budget of ` +
  `${BUDGET} danmaku/s per viewer; **the bare Deno server and Centrifugo deliver every ` +
  `message to every viewer** (no budget), so their latency and bandwidth grow with the ` +
  `room's rate: they ran at ${peerLoad.viewers} viewers × ${peerLoad.senders} senders ` +
  `(their senders receive every message too, in the viewers' process), as at the issue's ` +
  `scale they would owe 10 M deliveries a second, which neither they nor a load generator ` +
  `on this 2-core machine can carry (their "delivered %" shows how far they got). ` +
  `Load average (1, 5, 15 min) before/after: ${report.meta.loadavg.before} / ` +
  `${report.meta.loadavg.after}.`,
  "",
  ...(serverNames.includes("synapse-audience-gap")
    ? [
      "`synapse-audience-gap` is the same server with the hot-room gap off (`ROOM_HOT_RATE` " +
      "out of reach: the room's gap is set by its audience alone, as before issue 18's " +
      "hot-room tick): what the 250 ms tick of a hot room saves, in the same run.",
      "",
    ]
    : []),
  ...(values.baseline
    ? [
      `\`synapse-baseline\` is the same server from another checkout (\`--baseline ` +
      `${values.baseline}\`), run in turn with this tree in every round.`,
      "",
    ]
    : []),
  "Latency is send → displayed, over the messages the sampled viewers actually received. CPU per " +
  "accepted message is the server process's CPU over the repetition divided by the " +
  "messages it accepted. Bandwidth is what a viewer's socket received (JSON text).",
  "",
  "| server | delivers everything | viewers | senders | offered msg/s | accepted msg/s | deliveries/s | " +
  "shown per viewer/s | omitted per viewer/s | frames per viewer/s | KB per viewer/s | " +
  "delivered % of all | p50 ms | p99 ms | CPU ms per accepted msg | server cores | " +
  "load-gen cores | other jobs' cores |",
  "|---|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...rows.map((r) =>
    `| ${r.server} | ${r.deliversEverything ? "yes" : "no (budget)"} | ${fmt(r.viewers)} | ${
      fmt(r.senders)
    } | ` +
    `${fmt(r.offeredPerSec)} | ${fmt(r.acceptedPerSec)} | ${fmt(r.deliveriesPerSec)} | ` +
    `${fmt(r.shownPerViewerPerSec)} | ${fmt(r.omittedPerViewerPerSec)} | ` +
    `${fmt(r.framesPerViewerPerSec)} | ${fmt(r.kbPerViewerPerSec)} | ` +
    `${fmt(r.deliveredPercent)} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ` +
    `${fmt(r.cpuMsPerAcceptedMessage)} | ${fmt(r.serverCores)} | ${fmt(r.loadgenCores)} | ` +
    `${fmt(r.otherCores)} |`
  ),
  "",
  ...(paired.length
    ? [
      `## This tree against its baseline (\`--baseline\`), round by round`,
      "",
      "CPU ms per accepted message (median of the round's repetitions), the two servers run " +
      "one after the other in each round; the ratio's median is the figure to quote.",
      "",
      "| round | synapse | synapse-baseline | ratio |",
      "|---:|---:|---:|---:|",
      ...paired.map((p) =>
        `| ${p.round} | ${p.synapseMs} | ${p.baselineMs} | ${p.ratio.toFixed(3)} |`
      ),
      `| median | ${round(median(paired.map((p) => p.synapseMs)), 3)} | ` +
      `${round(median(paired.map((p) => p.baselineMs)), 3)} | ` +
      `${median(paired.map((p) => p.ratio)).toFixed(3)} |`,
      "",
    ]
    : []),
  ...stageLines(),
  "## Targets (issue 18; reported, not asserted)",
  "",
  "| target | measured | met |",
  "|---|---:|:---:|",
  ...report.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? "yes" : "no"} |`),
  ...(notes.length ? ["", "## Notes", "", ...notes.map((n) => `- ${n}`)] : []),
  "",
].join("\n");
const out = values.out.replace(/\/$/, "");
await Deno.mkdir(out, { recursive: true });
await Deno.writeTextFile(`${out}/hot_room.json`, JSON.stringify(report, null, 2) + "\n");
await Deno.writeTextFile(`${out}/hot_room.md`, md);
console.log(md);
