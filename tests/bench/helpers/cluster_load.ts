/**
 * The load of the cluster benchmarks (cluster_fanout.ts, cluster_intake.ts): the same chat
 * load through (a) one `--role all` process (in-process transport) and (b) 2 edges + 2
 * engines over NATS, one fresh room per round, the two in turn. Viewers and senders are
 * WebSockets from this process, split over the edges; each sender says one message every
 * ~1.05 s (the room allows one a second per user) with its send time in the text, and counts
 * its acks and refusals. Measured per round: deliveries and their latency (send → viewer),
 * accepted and refused messages, and the CPU seconds (utime+stime, /proc) of every server
 * process by role. With `unbatched`, a third mode: the same engines through two more edges that
 * send each say alone (`ACTOR_BATCH_MS=0`), the cluster as it was before batches.
 */
import { CLUSTER_AUTH_SECRET, type NodeProcess, spawnNode } from "../../helpers/cluster.ts";
import { createScratchDatabase } from "../../helpers/db.ts";
import { startNatsServer } from "../../helpers/nats.ts";
import { Hs256Tokens } from "../../../edge/auth/tokens.ts";
import { median, processCpuSeconds } from "./stats.ts";
import { parseArgs } from "node:util";

export interface ClusterLoad {
  viewers: number;
  senders: number;
  seconds: number;
}

/**
 * `--viewers`, `--senders`, `--seconds` and `--rounds` from the command line, each defaulting
 * to the script's own figure.
 */
export function loadFromArgs(
  args: string[],
  defaults: ClusterLoad & { rounds: number },
): { load: ClusterLoad; rounds: number } {
  const option = (n: number) => ({ type: "string" as const, default: String(n) });
  const { values } = parseArgs({
    args,
    options: {
      viewers: option(defaults.viewers),
      senders: option(defaults.senders),
      seconds: option(defaults.seconds),
      rounds: option(defaults.rounds),
    },
  });
  return {
    load: {
      viewers: Number(values.viewers),
      senders: Number(values.senders),
      seconds: Number(values.seconds),
    },
    rounds: Number(values.rounds),
  };
}

export type Mode = "single" | "cluster" | "cluster_unbatched";
export type Role = "all" | "engine" | "edge" | "nats";

export interface Round {
  mode: Mode;
  deliveries: number;
  sent: number;
  /** Says answered with `ack`. */
  accepted: number;
  /** Says answered with an error, by code. */
  refused: Record<string, number>;
  cpuSeconds: number;
  /** CPU seconds by role (single: `all`; cluster: both engines, both edges, nats-server). */
  cpuByRole: Partial<Record<Role, number>>;
  deliveriesPerCpuSecond: number;
  /** Server CPU ms per accepted message (every process of the mode). */
  cpuMsPerAccepted: number;
  p50: number;
  p99: number;
}

/** One mode's server processes: where clients connect, and each process's pid by role. */
export interface Servers {
  edges: string[];
  pids: { role: Role; pid: number }[];
}

interface Frame {
  type: string;
  code?: string;
  events?: { t: string; d: { text?: string } }[];
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function cpuByRole(pids: Servers["pids"]): Promise<Partial<Record<Role, number>>> {
  const out: Partial<Record<Role, number>> = {};
  for (const { role, pid } of pids) {
    out[role] = (out[role] ?? 0) + await processCpuSeconds(pid).catch(() => 0);
  }
  return out;
}

async function openClient(url: string, room: string, token: string, onFrame: (f: Frame) => void) {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`cannot open ${url}`));
  });
  const welcomed = Promise.withResolvers<void>();
  ws.onmessage = (e) => {
    const f = JSON.parse(e.data as string) as Frame;
    if (f.type === "welcome") welcomed.resolve();
    onFrame(f);
  };
  ws.send(JSON.stringify({ type: "hello", v: 1, token, room }));
  await welcomed.promise;
  return ws;
}

/** One round of `load` into a fresh room on `servers`. */
export async function runRound(
  mode: Mode,
  servers: Servers,
  room: string,
  load: ClusterLoad,
): Promise<Round> {
  const tokens = await Hs256Tokens.create(CLUSTER_AUTH_SECRET);
  const latencies: number[] = [];
  let deliveries = 0;
  let accepted = 0;
  const refused: Record<string, number> = {};
  const onViewerFrame = (f: Frame) => {
    if (f.type !== "batch") return;
    for (const ev of f.events ?? []) {
      const m = ev.t === "danmaku" ? ev.d.text?.match(/^b(\d+)/) : null;
      if (!m) continue;
      deliveries++;
      latencies.push(Date.now() - Number(m[1]));
    }
  };
  const onSenderFrame = (f: Frame) => {
    if (f.type === "ack") accepted++;
    else if (f.type === "error") refused[f.code ?? "?"] = (refused[f.code ?? "?"] ?? 0) + 1;
  };
  const { edges } = servers;
  const wsUrl = (i: number) => `${edges[i % edges.length].replace(/^http/, "ws")}/ws/rooms/${room}`;
  const open = async (prefix: string, i: number, onFrame: (f: Frame) => void) => {
    const sub = `${prefix}${i}`;
    const token = await tokens.sign({ sub, name: sub, kind: "guest", roles: [] }, 3600);
    return await openClient(wsUrl(i), room, token, onFrame);
  };
  const sockets: WebSocket[] = [];
  for (let i = 0; i < load.viewers; i++) sockets.push(await open("v", i, onViewerFrame));
  for (let i = 0; i < load.senders; i++) sockets.push(await open("s", i, onSenderFrame));
  const senders = sockets.slice(load.viewers);
  await new Promise((r) => setTimeout(r, 500));
  deliveries = 0;
  latencies.length = 0;
  const cpu0 = await cpuByRole(servers.pids);
  let sent = 0;
  const end = Date.now() + load.seconds * 1000;
  // Each sender once per ~1.05 s (the room allows 1/s per user), staggered.
  await Promise.all(senders.map(async (ws, i) => {
    await new Promise((r) => setTimeout(r, (i * 1050) / load.senders));
    for (let k = 0; Date.now() < end; k++) {
      ws.send(JSON.stringify({ type: "say", text: `b${Date.now()} ${i}-${k}` }));
      sent++;
      await new Promise((r) => setTimeout(r, 1050));
    }
  }));
  await new Promise((r) => setTimeout(r, 1000)); // drain
  const cpu1 = await cpuByRole(servers.pids);
  const byRole: Partial<Record<Role, number>> = {};
  for (const role of Object.keys(cpu1) as Role[]) {
    byRole[role] = Math.round(((cpu1[role] ?? 0) - (cpu0[role] ?? 0)) * 100) / 100;
  }
  const cpuSeconds = Object.values(byRole).reduce((a, b) => a + b, 0);
  for (const ws of sockets) ws.close();
  latencies.sort((a, b) => a - b);
  return {
    mode,
    deliveries,
    sent,
    accepted,
    refused,
    cpuSeconds,
    cpuByRole: byRole,
    deliveriesPerCpuSecond: deliveries / cpuSeconds,
    cpuMsPerAccepted: (cpuSeconds * 1000) / accepted,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}

/** Medians over a mode's rounds. */
export function summarize(rounds: Round[], mode: Mode) {
  const of = rounds.filter((x) => x.mode === mode);
  const med = (f: (r: Round) => number) => median(of.map(f));
  const roles = [...new Set(of.flatMap((r) => Object.keys(r.cpuByRole) as Role[]))];
  return {
    deliveriesPerCpuSecond: med((x) => x.deliveriesPerCpuSecond),
    cpuMsPerAccepted: med((x) => x.cpuMsPerAccepted),
    /** CPU ms per accepted message, by role. */
    cpuMsPerAcceptedByRole: Object.fromEntries(
      roles.map((role) => [role, med((x) => ((x.cpuByRole[role] ?? 0) * 1000) / x.accepted)]),
    ) as Partial<Record<Role, number>>,
    sent: med((x) => x.sent),
    accepted: med((x) => x.accepted),
    deliveries: med((x) => x.deliveries),
    p50Ms: med((x) => x.p50),
    p99Ms: med((x) => x.p99),
  };
}

/**
 * Starts the modes on a scratch database and a private nats-server, runs `rounds` rounds of
 * each in turn (single first; with `unbatched`, the two cluster modes swap places every other
 * round), and stops everything. `onRound` sees each round's modes as they end.
 */
export async function runClusterBench(
  load: ClusterLoad,
  rounds: number,
  onRound: (pair: Round[]) => void = () => {},
  opts: { unbatched?: boolean } = {},
): Promise<Round[]> {
  const db = await createScratchDatabase("synapse_bench");
  const nats = await startNatsServer();
  const nodes: NodeProcess[] = [];
  // LOG_LEVEL info: the helper finds each process's URL in its "listening" line.
  const common = {
    DATABASE_URL: db.url,
    PARTITIONS: "16",
    LOG_LEVEL: "info",
    EDGE_WS_PER_IP: "0", // every client comes from 127.0.0.1
  };
  try {
    const single = await spawnNode("all", "bench-all", common);
    nodes.push(single);
    const cluster = await Promise.all([
      spawnNode("engine", "bench-e1", { ...common, NATS_URL: nats.url }),
      spawnNode("engine", "bench-e2", { ...common, NATS_URL: nats.url }),
      spawnNode("edge", "bench-g1", { ...common, NATS_URL: nats.url }),
      spawnNode("edge", "bench-g2", { ...common, NATS_URL: nats.url }),
    ]);
    nodes.push(...cluster);
    const unbatchedEdges = opts.unbatched
      ? await Promise.all(
        ["bench-u1", "bench-u2"].map((id) =>
          spawnNode("edge", id, { ...common, NATS_URL: nats.url, ACTOR_BATCH_MS: "0" })
        ),
      )
      : [];
    nodes.push(...unbatchedEdges);
    await new Promise((r) => setTimeout(r, 3000)); // partitions settle
    const singleServers: Servers = {
      edges: [single.url],
      pids: [{ role: "all", pid: single.pid }],
    };
    const clusterServers: Servers = {
      edges: [cluster[2].url, cluster[3].url],
      pids: [
        ...cluster.map((n) => ({ role: n.role as Role, pid: n.pid })),
        { role: "nats" as const, pid: nats.pid() ?? 0 },
      ],
    };
    const unbatchedServers: Servers = {
      edges: unbatchedEdges.map((n) => n.url),
      pids: [
        ...cluster.filter((n) => n.role === "engine").map((n) => ({
          role: n.role as Role,
          pid: n.pid,
        })),
        ...unbatchedEdges.map((n) => ({ role: "edge" as const, pid: n.pid })),
        { role: "nats" as const, pid: nats.pid() ?? 0 },
      ],
    };
    const out: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      const round: Round[] = [await runRound("single", singleServers, `bs${r}`, load)];
      const clusterModes: [Mode, Servers, string][] = [["cluster", clusterServers, `bc${r}`]];
      if (opts.unbatched) {
        const unbatched: [Mode, Servers, string] = [
          "cluster_unbatched",
          unbatchedServers,
          `bu${r}`,
        ];
        if (r % 2 === 0) clusterModes.push(unbatched);
        else clusterModes.unshift(unbatched);
      }
      for (const [mode, servers, room] of clusterModes) {
        round.push(await runRound(mode, servers, room, load));
      }
      out.push(...round);
      onRound(round);
    }
    return out;
  } finally {
    await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
    await nats.dispose();
    await db.drop();
  }
}
