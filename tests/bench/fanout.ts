/**
 * Fan-out benchmark of one room (issues 2 and 18): V viewers as real WebSocket clients in a
 * separate process, S senders at R messages/s, against Synapse (`edge/main.ts --role all`), a
 * bare Deno WebSocket broadcast server, socket.io and Centrifugo v6 (built once at a pinned
 * version by tests/services/build-go-tools.sh), one after another in the same run. Writes
 * tests/bench/results/fanout.{json,md} (or `--out`).
 *
 *   deno run -A tests/bench/fanout.ts [--viewers 1000,5000] [--senders 10] [--rate 1]
 *     [--duration 6] [--drain 1.5] [--reps 3] [--warmup 0] [--servers synapse,bare,socketio,centrifugo]
 *     [--out DIR] [--busy-senders 40] [--busy-viewers 1000,5000] [--sample 1000]
 *     [--split-senders] [--baseline <dir>] [--rounds 1] [--env K=V,...]
 *     [--deno-flags "<flags>"] [--skip-memory]
 *     (busy-room scenarios: the busy senders into each busy audience; 0 senders: none;
 *     --sample: at most that many viewers parse every frame and take latencies, the rest
 *     only count what they receive, so one load generator carries 5,000 viewers; Synapse,
 *     the bare server and Centrifugo have such light viewers, socket.io not;
 *     --split-senders: the senders in a load-generator process of their own;
 *     --warmup: seconds of unmeasured sending before the first repetition, every server alike;
 *     off by default: at V=5,000 without --sample/--split-senders the load generator falls
 *     further behind the longer it reads, which a warm-up adds to the measured p99)
 *
 * `--baseline <dir>` adds `synapse-baseline`: the same server run from another checkout (a git
 * worktree of the commit to compare with, `deno install` done there) under the same load in the
 * same run (put it in `--servers` to choose its place; appended otherwise). `--rounds N` runs
 * the list of servers N times in turn at each load (fresh processes each time): a server's row
 * is the median over all its repetitions, and each round prints the paired ratio of Synapse's
 * deliveries per CPU-second to its baseline's, so a change in the machine's other load shows
 * as a spread of ratios rather than as a difference. `--env K=V,...` adds variables to both
 * Synapse servers (e.g. `ROOM_TICK_MS=10`); `--deno-flags` adds `deno run` flags to
 * `synapse` only (e.g. `--v8-flags=--perf-basic-prof` for `perf record -g -p <pid>`; profiled
 * CPU figures are not comparable with unprofiled ones). `--skip-memory` leaves out the
 * forced-GC memory pass (a second server start per load) when only CPU and latency matter.
 *
 * Synapse's room allows each user a burst of 5 messages and 1 message/s after that
 * (actors/room/room_actor.ts), so senders are distinct guests at ≤ 1 msg/s each and the room
 * rate comes from the number of senders. The default 10 msg/s into the room is 50,000
 * deliveries/s at 5,000 viewers for the baselines (one frame per message each), about what
 * one server and the load generator sustain together on a shared 2-core machine.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { median, round } from "./helpers/stats.ts";
import { buildReport, renderMarkdown } from "./helpers/fanout_report.ts";
import {
  type FanoutLoad,
  runFanoutScenario,
  type ScenarioResult,
} from "./helpers/fanout_scenario.ts";
import {
  bareServer,
  centrifugoServer,
  PROJECT_ROOT,
  type ServerUnderTest,
  socketIoRuntime,
  socketIoServer,
  synapseServer,
} from "./helpers/servers.ts";

interface ServerChoices {
  baseline?: string;
  env: Record<string, string>;
  denoFlags: string[];
}

function serversFrom(choices: ServerChoices): Record<string, () => ServerUnderTest> {
  // Every server here delivers every message: Synapse's display budget is off (hot_room.ts
  // measures it).
  const env = { EDGE_DISPLAY_BUDGET: "0", ...choices.env };
  return {
    synapse: () => synapseServer(env, { denoFlags: choices.denoFlags }),
    "synapse-baseline": () => {
      if (!choices.baseline) throw new Error("synapse-baseline needs --baseline <dir>");
      return synapseServer(env, { name: "synapse-baseline", root: choices.baseline });
    },
    bare: bareServer,
    socketio: socketIoServer,
    centrifugo: centrifugoServer,
  };
}

/** `K=V,...` as variables. */
function envList(s: string): Record<string, string> {
  return Object.fromEntries(
    s.split(",").filter((kv) => kv.includes("=")).map((kv) => {
      const at = kv.indexOf("=");
      return [kv.slice(0, at).trim(), kv.slice(at + 1).trim()];
    }),
  );
}

const commaList = (s: string) => s.split(",").map((item) => item.trim());
const Options = z.object({
  viewers: z.string().transform((s) => commaList(s).map(Number)).pipe(
    z.array(z.number().int().positive()).min(1),
  ),
  senders: z.coerce.number().int().positive(),
  rate: z.coerce.number().positive(),
  duration: z.coerce.number().positive(),
  drain: z.coerce.number().nonnegative(),
  reps: z.coerce.number().int().positive(),
  warmup: z.coerce.number().nonnegative(),
  settle: z.coerce.number().nonnegative(),
  "busy-senders": z.coerce.number().int().nonnegative(),
  "busy-viewers": z.string().transform((s) => commaList(s).map(Number)).pipe(
    z.array(z.number().int().positive()),
  ),
  servers: z.string().transform(commaList).pipe(
    z.array(z.enum(["synapse", "synapse-baseline", "bare", "socketio", "centrifugo"])).min(1),
  ),
  out: z.string(),
  sample: z.coerce.number().int().nonnegative(),
  "split-senders": z.boolean(),
  baseline: z.string().optional(),
  rounds: z.coerce.number().int().positive(),
  env: z.string(),
  "deno-flags": z.string(),
  "skip-memory": z.boolean(),
});

function parseOptions(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      viewers: { type: "string", default: "1000,5000" },
      senders: { type: "string", default: "10" },
      rate: { type: "string", default: "1" },
      duration: { type: "string", default: "6" },
      drain: { type: "string", default: "1.5" },
      reps: { type: "string", default: "3" },
      warmup: { type: "string", default: "0" },
      settle: { type: "string", default: "1.5" },
      servers: { type: "string", default: "synapse,bare,socketio,centrifugo" },
      "busy-senders": { type: "string", default: "40" },
      "busy-viewers": { type: "string", default: "1000,5000" },
      out: { type: "string", default: fileURLToPath(new URL("./results/", import.meta.url)) },
      sample: { type: "string", default: "0" },
      "split-senders": { type: "boolean", default: false },
      baseline: { type: "string" },
      rounds: { type: "string", default: "1" },
      env: { type: "string", default: "" },
      "deno-flags": { type: "string", default: "" },
      "skip-memory": { type: "boolean", default: false },
    },
    strict: true,
  });
  return Options.parse(values);
}

/** Synapse against its baseline in one round: deliveries per CPU-second (medians of the
 * round's repetitions), p99, and what else ran meanwhile. */
function pairedRatio(syn?: ScenarioResult, base?: ScenarioResult): string | undefined {
  if (!syn || !base) return undefined;
  const med = (s: ScenarioResult, pick: (r: ScenarioResult["reps"][number]) => number) =>
    median(s.reps.map(pick));
  const perCpu = (s: ScenarioResult) => med(s, (r) => r.deliveriesPerCpuSecond);
  const p99 = (s: ScenarioResult) => med(s, (r) => r.latencyP99Ms);
  const other = (s: ScenarioResult) => med(s, (r) => r.backgroundCores);
  return `synapse ${round(perCpu(syn), 0)} vs baseline ${round(perCpu(base), 0)} ` +
    `deliveries per CPU-s (ratio ${round(perCpu(syn) / perCpu(base), 3)}), ` +
    `p99 ${p99(syn)} vs ${p99(base)} ms, other jobs' cores ${other(syn)} / ${other(base)}`;
}

async function loadAverage(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
}

async function gitCommit(): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["rev-parse", "--short", "HEAD"],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  return out?.success ? new TextDecoder().decode(out.stdout).trim() : "unknown";
}

export async function main(args: string[]): Promise<void> {
  const opts = parseOptions(args);
  const base: Omit<FanoutLoad, "viewers"> = {
    senders: opts.senders,
    ratePerSender: opts.rate,
    durationMs: Math.round(opts.duration * 1000),
    drainMs: Math.round(opts.drain * 1000),
    reps: opts.reps,
    warmupMs: Math.round(opts.warmup * 1000),
    settleMs: Math.round(opts.settle * 1000),
    ...(opts.sample > 0 ? { sampleViewers: opts.sample } : {}),
    ...(opts["split-senders"] ? { splitSenders: true } : {}),
    ...(opts["skip-memory"] ? { memoryPass: false } : {}),
  };
  const SERVERS = serversFrom({
    baseline: opts.baseline,
    env: envList(opts.env),
    denoFlags: opts["deno-flags"].split(" ").filter(Boolean),
  });
  const serverNames = [...opts.servers];
  if (opts.baseline && !serverNames.includes("synapse-baseline")) {
    serverNames.push("synapse-baseline");
  }
  const startedAt = new Date().toISOString();
  const loadAverageBefore = await loadAverage();
  const scenarios: ScenarioResult[] = [];
  const notes: string[] = [];
  const loads: FanoutLoad[] = opts.viewers.map((viewers) => ({ ...base, viewers }));
  if (opts["busy-senders"] > 0) {
    // A busy room: more chat into the same audience, where batching should pay off.
    // Memory per idle viewer does not depend on the chat rate: no second memory pass.
    for (const viewers of opts["busy-viewers"]) {
      loads.push({ ...base, viewers, senders: opts["busy-senders"], memoryPass: false });
    }
  }
  for (const load of loads) {
    const roomRate = load.senders * load.ratePerSender;
    const byServer = new Map<string, ScenarioResult>();
    for (let round = 1; round <= opts.rounds; round++) {
      const thisRound = new Map<string, ScenarioResult>();
      for (const name of serverNames) {
        const server = SERVERS[name]();
        console.log(
          `fanout: ${server.name}, ${load.viewers} viewers, ${roomRate} msg/s` +
            (opts.rounds > 1 ? ` (round ${round} of ${opts.rounds})` : ""),
        );
        try {
          const result = await runFanoutScenario(server, load, console.log);
          thisRound.set(server.name, result);
          const earlier = byServer.get(server.name);
          // Later rounds add their repetitions to the first round's row (memory: the first).
          if (earlier) earlier.reps.push(...result.reps);
          else byServer.set(server.name, result);
        } catch (e) {
          const message = `${server.name} at ${load.viewers} viewers, ${roomRate} msg/s ` +
            `failed: ${e}`;
          console.error(message);
          notes.push(message.split("\n")[0]);
        }
      }
      const paired = pairedRatio(thisRound.get("synapse"), thisRound.get("synapse-baseline"));
      if (paired) {
        console.log(`fanout: round ${round}, V=${load.viewers}, ${roomRate} msg/s: ${paired}`);
      }
    }
    scenarios.push(...byServer.values());
  }
  const meta = {
    startedAt,
    finishedAt: new Date().toISOString(),
    commit: await gitCommit(),
    deno: `deno ${Deno.version.deno}`,
    socketIoRuntime: await socketIoRuntime(),
    centrifugo: opts.servers.includes("centrifugo") ? `v6.9.1 (Go, JSON protocol)` : undefined,
    cpus: navigator.hardwareConcurrency,
    loadAverageBefore,
    loadAverageAfter: await loadAverage(),
    notes,
  };
  const report = buildReport(scenarios, base, meta);
  await Deno.mkdir(opts.out, { recursive: true });
  const jsonPath = `${opts.out.replace(/\/$/, "")}/fanout.json`;
  const mdPath = `${opts.out.replace(/\/$/, "")}/fanout.md`;
  await Deno.writeTextFile(jsonPath, JSON.stringify(report, null, 2) + "\n");
  await Deno.writeTextFile(mdPath, renderMarkdown(report));
  console.log(renderMarkdown(report));
  console.log(`fanout: results written to ${jsonPath} and ${mdPath}`);
  if (scenarios.length === 0) Deno.exit(1);
}

if (import.meta.main) await main(Deno.args);
