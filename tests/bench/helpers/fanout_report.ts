/**
 * Turns fan-out scenario results into the committed report: medians over repetitions per
 * server and audience size, Synapse's ratios against the baselines, and the targets
 * (reported, never asserted), as JSON and as a markdown table.
 */
import type { FanoutLoad, RepResult, ScenarioResult, StageQuantiles } from "./fanout_scenario.ts";
import { median, round } from "./stats.ts";

export interface ServerSummary {
  server: string;
  viewers: number;
  /** Messages per second into the room (senders × rate). */
  roomMsgPerSec: number;
  viewersConnected: number;
  reps: number;
  deliveredPerSec: number;
  deliveryRatio: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  probeLatencyP50Ms: number;
  probeLatencyP99Ms: number;
  cpuSecondsPer100kDeliveries: number;
  deliveriesPerCpuSecond: number;
  rssPerIdleViewerBytes: number;
  rssPerIdleViewerAfterGcBytes: number;
  jsHeapPerIdleViewerBytes: number;
  rssPerIdleViewerSecondHalfAfterGcBytes: number;
  jsHeapPerIdleViewerSecondHalfBytes: number;
  serverCores: number;
  loadgenCoreShare: number;
  backgroundCores: number;
  refused: Record<string, number>;
  /** Medians over repetitions of Synapse's latency stages (audience, probe viewers). */
  stages?: StageQuantiles;
  probeStages?: StageQuantiles;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

export interface FanoutReport {
  meta: Record<string, unknown>;
  load: Omit<FanoutLoad, "viewers">;
  summaries: ServerSummary[];
  ratios: {
    viewers: number;
    roomMsgPerSec: number;
    synapseVsBareDeliveriesPerCpuSecond: number;
    synapseVsSocketIoDeliveriesPerCpuSecond: number;
    synapseVsBareP99: number;
    synapseVsSocketIoP99: number;
    synapseVsCentrifugoDeliveriesPerCpuSecond: number;
    synapseVsCentrifugoP99: number;
    synapseVsCentrifugoRssPerIdleViewerAfterGc: number;
  }[];
  targets: TargetCheck[];
  scenarios: ScenarioResult[];
}

const med = (reps: RepResult[], pick: (r: RepResult) => number) => median(reps.map(pick));

function medianStages(
  reps: RepResult[],
  pick: (r: RepResult) => StageQuantiles | undefined,
): StageQuantiles | undefined {
  const all = reps.map(pick).filter((s): s is StageQuantiles => s !== undefined);
  if (all.length === 0) return undefined;
  const m = (key: keyof StageQuantiles) => round(median(all.map((s) => s[key])), 1);
  return {
    intakeP50Ms: m("intakeP50Ms"),
    intakeP99Ms: m("intakeP99Ms"),
    batchingP50Ms: m("batchingP50Ms"),
    batchingP99Ms: m("batchingP99Ms"),
    deliveryP50Ms: m("deliveryP50Ms"),
    deliveryP99Ms: m("deliveryP99Ms"),
  };
}

export function summarise(s: ScenarioResult): ServerSummary {
  const refused: Record<string, number> = {};
  for (const rep of s.reps) {
    for (const [code, n] of Object.entries(rep.refused)) refused[code] = (refused[code] ?? 0) + n;
  }
  return {
    server: s.server,
    viewers: s.load.viewers,
    roomMsgPerSec: s.load.senders * s.load.ratePerSender,
    viewersConnected: s.viewersConnected,
    reps: s.reps.length,
    deliveredPerSec: round(med(s.reps, (r) => r.deliveredPerSec), 0),
    deliveryRatio: round(med(s.reps, (r) => r.deliveryRatio), 4),
    latencyP50Ms: round(med(s.reps, (r) => r.latencyP50Ms), 1),
    latencyP99Ms: round(med(s.reps, (r) => r.latencyP99Ms), 1),
    probeLatencyP50Ms: round(med(s.reps, (r) => r.probeLatencyP50Ms), 1),
    probeLatencyP99Ms: round(med(s.reps, (r) => r.probeLatencyP99Ms), 1),
    cpuSecondsPer100kDeliveries: round(med(s.reps, (r) => r.cpuSecondsPer100kDeliveries), 3),
    deliveriesPerCpuSecond: round(med(s.reps, (r) => r.deliveriesPerCpuSecond), 0),
    rssPerIdleViewerBytes: s.rssPerIdleViewerBytes,
    rssPerIdleViewerAfterGcBytes: s.rssPerIdleViewerAfterGcBytes,
    jsHeapPerIdleViewerBytes: s.jsHeapPerIdleViewerBytes,
    // results written before the second-half readings have none
    rssPerIdleViewerSecondHalfAfterGcBytes: s.rssPerIdleViewerSecondHalfAfterGcBytes ?? NaN,
    jsHeapPerIdleViewerSecondHalfBytes: s.jsHeapPerIdleViewerSecondHalfBytes ?? NaN,
    serverCores: round(med(s.reps, (r) => r.serverCores), 2),
    loadgenCoreShare: round(med(s.reps, (r) => r.loadgenCoreShare), 2),
    backgroundCores: round(med(s.reps, (r) => r.backgroundCores), 2),
    refused,
    stages: medianStages(s.reps, (r) => r.stages),
    probeStages: medianStages(s.reps, (r) => r.probeStages),
  };
}

export function buildReport(
  scenarios: ScenarioResult[],
  load: Omit<FanoutLoad, "viewers">,
  meta: Record<string, unknown>,
): FanoutReport {
  const summaries = scenarios.map(summarise);
  const find = (server: string, group: { viewers: number; roomMsgPerSec: number }) =>
    summaries.find((s) =>
      s.server === server && s.viewers === group.viewers &&
      s.roomMsgPerSec === group.roomMsgPerSec
    );
  const groups = [
    ...new Map(summaries.map((s) => [`${s.viewers}@${s.roomMsgPerSec}`, s])).values(),
  ].map(({ viewers, roomMsgPerSec }) => ({ viewers, roomMsgPerSec }));
  const ratios = groups.map((group) => {
    const syn = find("synapse", group);
    const bare = find("bare-deno-ws", group);
    const sio = find("socket.io", group);
    const cf = find("centrifugo", group);
    const ratio = (a?: number, b?: number) =>
      a !== undefined && b !== undefined && b > 0 ? round(a / b, 2) : NaN;
    return {
      ...group,
      synapseVsBareDeliveriesPerCpuSecond: ratio(
        syn?.deliveriesPerCpuSecond,
        bare?.deliveriesPerCpuSecond,
      ),
      synapseVsSocketIoDeliveriesPerCpuSecond: ratio(
        syn?.deliveriesPerCpuSecond,
        sio?.deliveriesPerCpuSecond,
      ),
      synapseVsBareP99: ratio(syn?.latencyP99Ms, bare?.latencyP99Ms),
      synapseVsSocketIoP99: ratio(syn?.latencyP99Ms, sio?.latencyP99Ms),
      synapseVsCentrifugoDeliveriesPerCpuSecond: ratio(
        syn?.deliveriesPerCpuSecond,
        cf?.deliveriesPerCpuSecond,
      ),
      synapseVsCentrifugoP99: ratio(syn?.latencyP99Ms, cf?.latencyP99Ms),
      synapseVsCentrifugoRssPerIdleViewerAfterGc: ratio(
        syn?.rssPerIdleViewerAfterGcBytes,
        cf?.rssPerIdleViewerAfterGcBytes,
      ),
    };
  });
  return { meta, load, summaries, ratios, targets: checkTargets(summaries, ratios), scenarios };
}

/** "V=1000, 10 msg/s": one audience size under one room rate. */
const label = (g: { viewers: number; roomMsgPerSec: number }) =>
  `V=${g.viewers}, ${g.roomMsgPerSec} msg/s`;

function checkTargets(
  summaries: ServerSummary[],
  ratios: FanoutReport["ratios"],
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const verdict = (value: number, ok: (v: number) => boolean) =>
    Number.isFinite(value) ? ok(value) : null;
  for (const r of ratios) {
    checks.push({
      target: `deliveries per CPU-second ≥ bare server's (${label(r)})`,
      measured: `${r.synapseVsBareDeliveriesPerCpuSecond}×`,
      met: verdict(r.synapseVsBareDeliveriesPerCpuSecond, (v) => v >= 1),
    });
    checks.push({
      target: `deliveries per CPU-second ≥ 2× socket.io's (${label(r)})`,
      measured: `${r.synapseVsSocketIoDeliveriesPerCpuSecond}×`,
      met: verdict(r.synapseVsSocketIoDeliveriesPerCpuSecond, (v) => v >= 2),
    });
    checks.push({
      target: `deliveries per CPU-second ≥ 1.5× Centrifugo's (issue 18; ${label(r)})`,
      measured: `${r.synapseVsCentrifugoDeliveriesPerCpuSecond}×`,
      met: verdict(r.synapseVsCentrifugoDeliveriesPerCpuSecond, (v) => v >= 1.5),
    });
    checks.push({
      target: `p99 ≤ 1.5× Centrifugo's in the same run (issue 18; ${label(r)})`,
      measured: `${r.synapseVsCentrifugoP99}×`,
      met: verdict(r.synapseVsCentrifugoP99, (v) => v <= 1.5),
    });
  }
  for (const s of summaries.filter((s) => s.server === "synapse")) {
    if (s.viewers >= 5000) {
      checks.push({
        target: `p99 latency < 150 ms over all viewers (${label(s)})`,
        measured: `${s.latencyP99Ms} ms`,
        met: verdict(s.latencyP99Ms, (v) => v < 150),
      });
      checks.push({
        target: `p99 latency < 150 ms at the probe viewers (${label(s)})`,
        measured: `${s.probeLatencyP99Ms} ms`,
        met: verdict(s.probeLatencyP99Ms, (v) => v < 150),
      });
    }
    if (!Number.isFinite(s.rssPerIdleViewerAfterGcBytes)) continue; // no memory pass
    checks.push({
      target: `server memory < 20 KB per idle viewer, RSS as found (${label(s)})`,
      measured: `${round(s.rssPerIdleViewerBytes / 1024, 1)} KB`,
      // Negative: a collection freed older garbage meanwhile; the reading says nothing.
      met: s.rssPerIdleViewerBytes < 0
        ? null
        : verdict(s.rssPerIdleViewerBytes, (v) => v < 20 * 1024),
    });
    checks.push({
      target: `server memory < 20 KB per idle viewer, RSS after forced GC (${label(s)})`,
      measured: `${round(s.rssPerIdleViewerAfterGcBytes / 1024, 1)} KB`,
      met: verdict(s.rssPerIdleViewerAfterGcBytes, (v) => v < 20 * 1024),
    });
    checks.push({
      target: `RSS per idle viewer < 16 KB after the heap settles (issue 18; ${label(s)})`,
      measured: `${round(s.rssPerIdleViewerAfterGcBytes / 1024, 1)} KB`,
      met: verdict(s.rssPerIdleViewerAfterGcBytes, (v) => v < 16 * 1024),
    });
    checks.push({
      target: `RSS per idle viewer < 16 KB after the heap settles, second half of the audience ` +
        `(issue 18; ${label(s)})`,
      measured: `${round(s.rssPerIdleViewerSecondHalfAfterGcBytes / 1024, 1)} KB`,
      met: verdict(s.rssPerIdleViewerSecondHalfAfterGcBytes, (v) => v < 16 * 1024),
    });
  }
  return checks;
}

const fmt = (v: number, digits = 0) =>
  Number.isFinite(v)
    ? v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";

const kb = (bytes: number) => Number.isFinite(bytes) ? `${fmt(bytes / 1024, 1)} KB` : "n/a";

export function renderMarkdown(report: FanoutReport): string {
  const { load, meta } = report;
  const lines: string[] = [];
  lines.push("# Fan-out benchmark: one room, many viewers", "");
  lines.push(
    `Generated by \`deno task bench\` (tests/bench/fanout.ts) at ${meta.finishedAt}, ` +
      `${meta.cpus} cores, ${meta.deno}; socket.io on ${meta.socketIoRuntime}; ` +
      `Centrifugo ${meta.centrifugo ?? "not run"}. ` +
      `Load average before/after: ${meta.loadAverageBefore} / ${meta.loadAverageAfter}.`,
    "",
    `Load per scenario: ${load.senders} senders × ${load.ratePerSender} msg/s ` +
      `(${load.senders * load.ratePerSender} msg/s into one room) for ${
        load.durationMs / 1000
      } s, ` +
      `then waiting for stragglers (until all arrived or ${load.drainMs / 1000} s pass without ` +
      `one). Viewers are real WebSocket clients in one separate load-generator process; each ` +
      `message carries its send time and receivers take the latency on the same clock. ` +
      `Medians of ${load.reps} repetitions on the same connected audience` +
      (load.warmupMs
        ? `, after an unmeasured send phase of ${load.warmupMs / 1000} s at the same rate ` +
          `(every server alike: what a server pays once in its first minute, e.g. V8's ` +
          `heap-shrinking collections, is not counted as steady-state cost)`
        : "") +
      `. Server CPU and RSS ` +
      `come from /proc of the server process only; CPU per delivery counts every message ` +
      `the server delivered (audience, probe viewers and the senders' own copies). ` +
      `"Delivered msg/s" is deliveries over the ` +
      `time from the first send to the last delivery. "Probe" latencies are taken at ` +
      `20 viewers in a second load-generator process that joined after the audience: ` +
      `they wait through the server's whole fan-out loop but not through the main load ` +
      `generator's own queue of thousands of sockets to read.`,
    "",
    `Memory per idle viewer: RSS growth from connecting the viewers (no chat yet) divided by ` +
      `their number, after the senders and the first 50 viewers (part of the audience) have ` +
      `joined, so what a server spends once on its first joins (modules loaded on first use, ` +
      `caches, allocator arenas) is not divided among the viewers; read as found, and again after two full GCs forced through the V8 ` +
      `inspector, with the live JS heap at that point. The forced-GC readings come from a ` +
      `separate pass on a fresh server started with \`--inspect\`; the load pass runs without ` +
      `it, because with the inspector on Deno reports every WebSocket frame of Synapse to its ` +
      `network inspector (+55% CPU per delivery, measured here). The reading as found counts ` +
      `garbage not yet collected (Synapse's start-up leaves plenty), so it can even come out ` +
      `negative when a collection runs while the viewers connect; the after-GC reading is the ` +
      `steady state. Centrifugo (Go) has no V8 inspector: its after-GC reading follows a ` +
      `full collection forced through its pprof endpoint (\`/debug/pprof/heap?gc=1\`), and ` +
      `has no JS heap column. The "second half" columns divide the growth between a ` +
      `reading after half the measured viewers and one after all of them by the second ` +
      `half's number: what one more viewer costs once the first joins' one-time costs are ` +
      `paid and the memory the process freed at start-up (which new sockets reuse first, so ` +
      `the whole-audience figure under-reads a large process) is mostly used up.`,
    "",
    `"Other jobs' cores" is what the rest of the machine used during a repetition (a shared ` +
      `2-core machine: latencies and throughput suffer from it, CPU-seconds per delivery much ` +
      `less).`,
    "",
  );
  lines.push(
    "| server | viewers | room msg/s | delivered msg/s | delivered % | p50 ms | p99 ms | probe p50 ms | " +
      "probe p99 ms | " +
      "server CPU-s per 100k deliveries | deliveries per CPU-s | RSS per idle viewer | " +
      "RSS per idle viewer after GC | JS heap per idle viewer | " +
      "RSS per idle viewer after GC, second half | JS heap, second half | " +
      "server cores | load-gen cores | other jobs' cores |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const s of report.summaries) {
    lines.push(
      `| ${s.server} | ${fmt(s.viewersConnected)} | ${fmt(s.roomMsgPerSec)} | ` +
        `${fmt(s.deliveredPerSec)} | ` +
        `${fmt(s.deliveryRatio * 100, 1)} | ${fmt(s.latencyP50Ms, 1)} | ` +
        `${fmt(s.latencyP99Ms, 1)} | ${fmt(s.probeLatencyP50Ms, 1)} | ` +
        `${fmt(s.probeLatencyP99Ms, 1)} | ` +
        `${fmt(s.cpuSecondsPer100kDeliveries, 3)} | ${fmt(s.deliveriesPerCpuSecond)} | ` +
        `${kb(s.rssPerIdleViewerBytes)} | ${kb(s.rssPerIdleViewerAfterGcBytes)} | ` +
        `${kb(s.jsHeapPerIdleViewerBytes)} | ` +
        `${kb(s.rssPerIdleViewerSecondHalfAfterGcBytes)} | ` +
        `${kb(s.jsHeapPerIdleViewerSecondHalfBytes)} | ${fmt(s.serverCores, 2)} | ` +
        `${fmt(s.loadgenCoreShare, 2)} | ${fmt(s.backgroundCores, 2)} |`,
    );
  }
  const staged = report.summaries.filter((s) => s.stages);
  if (staged.length > 0) {
    lines.push(
      "",
      "## Where Synapse's latency goes (ms, p50 / p99, medians of repetitions)",
      "",
      "From the server's clock readings in each message: the room's accept time (`d.at`) and " +
        "the batch's flush time (`at`). Intake = send → accepted by the room actor; tick wait " +
        "= accepted → batch flushed; delivery = flushed → received (edge fan-out, network, " +
        "client). Probe = the 20 viewers in their own process.",
      "",
      "| viewers | room msg/s | intake | tick wait | delivery | probe intake | " +
        "probe tick wait | probe delivery |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    const pair = (a?: number, b?: number) => `${fmt(a ?? NaN, 1)} / ${fmt(b ?? NaN, 1)}`;
    for (const s of staged) {
      const a = s.stages;
      const p = s.probeStages;
      lines.push(
        `| ${fmt(s.viewersConnected)} | ${fmt(s.roomMsgPerSec)} | ` +
          `${pair(a?.intakeP50Ms, a?.intakeP99Ms)} | ` +
          `${pair(a?.batchingP50Ms, a?.batchingP99Ms)} | ` +
          `${pair(a?.deliveryP50Ms, a?.deliveryP99Ms)} | ` +
          `${pair(p?.intakeP50Ms, p?.intakeP99Ms)} | ` +
          `${pair(p?.batchingP50Ms, p?.batchingP99Ms)} | ` +
          `${pair(p?.deliveryP50Ms, p?.deliveryP99Ms)} |`,
      );
    }
  }
  lines.push("", "## Synapse against the baselines (ratios of medians)", "");
  lines.push(
    "| viewers | room msg/s | deliveries/CPU-s vs bare | vs socket.io | vs Centrifugo | " +
      "p99 vs bare | p99 vs socket.io | p99 vs Centrifugo | idle viewer RSS vs Centrifugo |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const r of report.ratios) {
    lines.push(
      `| ${fmt(r.viewers)} | ${fmt(r.roomMsgPerSec)} | ` +
        `${fmt(r.synapseVsBareDeliveriesPerCpuSecond, 2)}× | ` +
        `${fmt(r.synapseVsSocketIoDeliveriesPerCpuSecond, 2)}× | ` +
        `${fmt(r.synapseVsCentrifugoDeliveriesPerCpuSecond, 2)}× | ` +
        `${fmt(r.synapseVsBareP99, 2)}× | ${fmt(r.synapseVsSocketIoP99, 2)}× | ` +
        `${fmt(r.synapseVsCentrifugoP99, 2)}× | ` +
        `${fmt(r.synapseVsCentrifugoRssPerIdleViewerAfterGc, 2)}× |`,
    );
  }
  lines.push("", "## Targets (issues 2 and 18; reported, not asserted)", "");
  lines.push("| target | measured | met |", "|---|---:|:---:|");
  for (const t of report.targets) {
    lines.push(
      `| ${t.target} | ${t.measured} | ${t.met === null ? "n/a" : t.met ? "yes" : "no"} |`,
    );
  }
  const refusals = report.summaries.filter((s) => Object.keys(s.refused).length > 0);
  if (refusals.length > 0) {
    lines.push(
      "",
      "Refused sends (all repetitions): " +
        refusals.map((s) => `${s.server} ${label(s)}: ${JSON.stringify(s.refused)}`).join("; "),
    );
  }
  if (Array.isArray(meta.notes) && meta.notes.length > 0) {
    lines.push("", "## Notes", "", ...meta.notes.map((n) => `- ${n}`));
  }
  lines.push("");
  return lines.join("\n");
}
