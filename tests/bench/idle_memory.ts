/**
 * Idle memory per process role (issue 18): the RSS of a Synapse process with no viewer,
 * for each role — `edge` and `engine` of a cluster (NATS + Postgres), `all` embedded (PGlite,
 * Deno KV, the default `deno task start`) and `all` in a cluster — beside Centrifugo v6's
 * idle RSS (the fan-out peer). Each reading is taken once the process listens and a few
 * seconds of quiet passed (start-up garbage collected as V8 pleases, as in production: no
 * inspector), and the JS heap that V8 reports at that point. Medians of `--reps` fresh
 * starts. Writes tests/bench/results/idle_memory.{json,md}.
 *
 * The edge starts as the README's command starts it, with V8's young generation capped and
 * no code cache (tests/helpers/deploy_flags.ts); `edge (V8 default young generation)` is the
 * same process with V8's own sizing (`--max-semi-space-size=0`), to show what that does.
 *
 *   deno run -A tests/bench/idle_memory.ts [--reps 3] [--settle 5] [--only edge,engine]
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { type NodeProcess, spawnNode } from "../helpers/cluster.ts";
import { createScratchDatabase } from "../helpers/db.ts";
import { startNatsServer } from "../helpers/nats.ts";
import { centrifugoServer } from "./helpers/servers.ts";
import { median, processRssBytes, round } from "./helpers/stats.ts";
import { EDGE_DENO_ARGS, EDGE_V8_FLAGS } from "../helpers/deploy_flags.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    reps: { type: "string", default: "3" },
    settle: { type: "string", default: "5" },
    /** Measure only these processes (names as in the table, first word). */
    only: { type: "string", default: "" },
    out: { type: "string", default: fileURLToPath(new URL("./results/", import.meta.url)) },
  },
});
const REPS = Number(values.reps);
const SETTLE_MS = Number(values.settle) * 1000;
const ONLY = values.only ? values.only.split(",") : undefined;
/** Issue 18's targets for an idle process. */
const TARGET_MB: Record<string, number> = { edge: 80, engine: 150 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => round(bytes / (1024 * 1024), 1);

interface Reading {
  process: string;
  rssMb: number[];
}

/** RSS of a freshly started process after it settled; stops it afterwards. */
async function idleRss(start: () => Promise<{ pid: number; stop(): Promise<unknown> }>) {
  const proc = await start();
  try {
    await sleep(SETTLE_MS);
    return mb(await processRssBytes(proc.pid));
  } finally {
    await proc.stop();
  }
}

const db = await createScratchDatabase("synapse_idle");
const nats = await startNatsServer();
// No media servers (MEDIA=external): their children are processes of their own.
const cluster = { DATABASE_URL: db.url, NATS_URL: nats.url, LOG_LEVEL: "info", MEDIA: "external" };
const readings: Reading[] = [];
const measure = async (name: string, start: Parameters<typeof idleRss>[0]) => {
  if (ONLY && !ONLY.includes(name.split(" ")[0])) return;
  const rssMb: number[] = [];
  for (let rep = 1; rep <= REPS; rep++) {
    rssMb.push(await idleRss(start));
    console.log(`idle_memory: ${name} rep ${rep}: ${rssMb.at(-1)} MB`);
  }
  readings.push({ process: name, rssMb });
};
const node = (role: "edge" | "engine" | "all", env: Record<string, string>) => async () => {
  const p: NodeProcess = await spawnNode(role, `idle-${role}-${crypto.randomUUID().slice(0, 6)}`, {
    LOG_LEVEL: "info",
    ...env,
  });
  return { pid: p.pid, stop: () => p.stop() };
};
try {
  // An engine first, so the edge has a cluster to join (it asks nothing of it while idle).
  const engine = await spawnNode("engine", "idle-peer-engine", cluster);
  try {
    await measure("edge", node("edge", cluster));
    // V8's default: semi-spaces sized by V8's heuristics (0 = automatic).
    await measure(
      "edge (V8 default young generation)",
      node("edge", { ...cluster, DENO_V8_FLAGS: "--max-semi-space-size=0" }),
    );
  } finally {
    await engine.stop();
  }
  await measure("engine", node("engine", cluster));
  await measure("all (cluster)", node("all", cluster));
  await measure("all (embedded)", node("all", { LOG_LEVEL: "info", MEDIA: "external" }));
  await measure("centrifugo v6.9.1", async () => {
    const running = await centrifugoServer().start();
    return { pid: running.pids[0], stop: () => running.stop() };
  });
} finally {
  await nats.dispose();
  await db.drop();
}

const rows = readings.map((r) => {
  const role = r.process.split(" ")[0];
  const target = TARGET_MB[role];
  const medianMb = round(median(r.rssMb), 1);
  return {
    process: r.process,
    medianRssMb: medianMb,
    rssMb: r.rssMb,
    target: target ? `< ${target} MB` : "",
    met: target ? medianMb < target : null,
  };
});
const report = {
  meta: {
    finishedAt: new Date().toISOString(),
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
    reps: REPS,
    settleMs: SETTLE_MS,
    load: Deno.loadavg().map((x) => round(x, 2)).join(", "),
  },
  rows,
};
const md = [
  "# Idle memory per process role",
  "",
  `Generated by \`deno task bench\` (tests/bench/idle_memory.ts) at ${report.meta.finishedAt}, ` +
  `deno ${report.meta.deno}, ${report.meta.cpus} cores. RSS of one process with no viewer, ` +
  `read ${SETTLE_MS / 1000} s after it listens; medians of ${REPS} fresh starts. Cluster ` +
  "roles run against a private nats-server and the local Postgres; `all (embedded)` is " +
  "`deno task start` (PGlite and Deno KV in the process). Media off (`MEDIA=external`): " +
  "with media on, livekit-server, Redis and the ingress run as processes of their own. " +
  `The edge runs as the README starts it: \`DENO_V8_FLAGS=${EDGE_V8_FLAGS} deno run -A ` +
  `${EDGE_DENO_ARGS.join(" ")} edge/main.ts --role edge\`. ` +
  `Load average at the end: ${report.meta.load}.`,
  "",
  "| process | idle RSS (median) | each start | target (issue 18) | met |",
  "|---|---:|---|---:|:---:|",
  ...rows.map((r) =>
    `| ${r.process} | ${r.medianRssMb} MB | ${r.rssMb.join(", ")} | ${r.target} | ${
      r.met === null ? "" : r.met ? "yes" : "no"
    } |`
  ),
  "",
].join("\n");
const out = values.out.replace(/\/$/, "");
await Deno.mkdir(out, { recursive: true });
await Deno.writeTextFile(`${out}/idle_memory.json`, JSON.stringify(report, null, 2) + "\n");
await Deno.writeTextFile(`${out}/idle_memory.md`, md);
console.log(md);
