/**
 * Cluster fan-out cost: the same chat load through (a) one `--role all` process (in-process
 * transport) and (b) 2 edges + 2 engines over NATS, in one run, alternating rounds.
 * Viewers (WebSockets from this process) are split over the edges; senders chat inside the
 * room's rate limit with their send time in the text. Measured per round: deliveries,
 * server CPU seconds (utime+stime of every server process incl. nats-server, from /proc),
 * and delivery latency (send → viewer). Reports deliveries per CPU-second, the cluster/single
 * CPU-per-delivery ratio and the extra p99, as medians over rounds.
 *
 *   deno run -A tests/bench/cluster_fanout.ts [--viewers 1000] [--senders 20] [--seconds 12] [--rounds 3]
 */
import { parseArgs } from "node:util";
import { type NodeProcess, spawnNode } from "../helpers/cluster.ts";
import { CLUSTER_AUTH_SECRET } from "../helpers/cluster.ts";
import { createScratchDatabase } from "../helpers/db.ts";
import { startNatsServer } from "../helpers/nats.ts";
import { Hs256Tokens } from "../../edge/auth/tokens.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    viewers: { type: "string", default: "1000" }, // issue 2's fan-out load (V=1000)
    senders: { type: "string", default: "20" },
    seconds: { type: "string", default: "12" },
    rounds: { type: "string", default: "3" },
  },
});
const VIEWERS = Number(values.viewers);
const SENDERS = Number(values.senders);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
/** Clock ticks per second in /proc/PID/stat times (USER_HZ, 100 on Linux). */
const TICKS = 100;

interface Round {
  mode: "single" | "cluster";
  deliveries: number;
  sent: number;
  cpuSeconds: number;
  /** CPU seconds per server process (single: the process; cluster: e1, e2, edge1, edge2, nats). */
  cpuByProcess: number[];
  deliveriesPerCpuSecond: number;
  p50: number;
  p99: number;
}

/** CPU seconds (utime+stime) of each process. */
function cpuSecondsOf(pids: number[]): number[] {
  return pids.map((pid) => {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime
    } catch {
      return 0; // exited
    }
  });
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function openViewer(url: string, room: string, token: string, onText: (t: string) => void) {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`cannot open ${url}`));
  });
  const welcomed = Promise.withResolvers<void>();
  ws.onmessage = (e) => {
    const f = JSON.parse(e.data as string);
    if (f.type === "welcome") welcomed.resolve();
    if (f.type === "batch") {
      for (const ev of f.events) {
        if (ev.t === "danmaku") onText(ev.d.text);
      }
    }
  };
  ws.send(JSON.stringify({ type: "hello", v: 1, token, room }));
  await welcomed.promise;
  return ws;
}

async function runRound(
  mode: Round["mode"],
  edges: string[],
  pids: number[],
  room: string,
): Promise<Round> {
  const tokens = await Hs256Tokens.create(CLUSTER_AUTH_SECRET);
  const latencies: number[] = [];
  let deliveries = 0;
  const onText = (text: string) => {
    const m = text.match(/^b(\d+)/);
    if (!m) return;
    deliveries++;
    latencies.push(Date.now() - Number(m[1]));
  };
  const sockets: WebSocket[] = [];
  const wsUrl = (i: number) => `${edges[i % edges.length].replace(/^http/, "ws")}/ws/rooms/${room}`;
  for (let i = 0; i < VIEWERS; i++) {
    const token = await tokens.sign(
      { sub: `v${i}`, name: `v${i}`, kind: "guest", roles: [] },
      3600,
    );
    sockets.push(await openViewer(wsUrl(i), room, token, onText));
  }
  const senders: WebSocket[] = [];
  for (let i = 0; i < SENDERS; i++) {
    const token = await tokens.sign(
      { sub: `s${i}`, name: `s${i}`, kind: "guest", roles: [] },
      3600,
    );
    senders.push(await openViewer(wsUrl(i), room, token, () => {}));
  }
  await new Promise((r) => setTimeout(r, 500));
  deliveries = 0;
  latencies.length = 0;
  const cpu0 = cpuSecondsOf(pids);
  let sent = 0;
  const end = Date.now() + SECONDS * 1000;
  // Each sender once per ~1.05 s (the room allows 1/s per user), staggered.
  await Promise.all(senders.map(async (ws, i) => {
    await new Promise((r) => setTimeout(r, (i * 1050) / SENDERS));
    for (let k = 0; Date.now() < end; k++) {
      ws.send(JSON.stringify({ type: "say", text: `b${Date.now()} ${i}-${k}` }));
      sent++;
      await new Promise((r) => setTimeout(r, 1050));
    }
  }));
  await new Promise((r) => setTimeout(r, 1000)); // drain
  const cpuByProcess = cpuSecondsOf(pids).map((c, i) => Math.round((c - cpu0[i]) * 100) / 100);
  const cpuSeconds = cpuByProcess.reduce((a, b) => a + b, 0);
  for (const ws of [...sockets, ...senders]) ws.close();
  latencies.sort((a, b) => a - b);
  return {
    mode,
    deliveries,
    sent,
    cpuSeconds,
    cpuByProcess,
    deliveriesPerCpuSecond: deliveries / cpuSeconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}

const db = await createScratchDatabase("synapse_bench");
const nats = await startNatsServer();
const nodes: NodeProcess[] = [];
// LOG_LEVEL info: the helper finds each process's URL in its "listening" line.
const common = {
  DATABASE_URL: db.url,
  PARTITIONS: "16",
  LOG_LEVEL: "info",
  EDGE_WS_PER_IP: "0", // every viewer comes from 127.0.0.1
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
  await new Promise((r) => setTimeout(r, 3000)); // partitions settle
  const natsPid = nats.pid() ?? 0;
  const rounds: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    rounds.push(await runRound("single", [single.url], [single.pid], `bs${r}`));
    rounds.push(
      await runRound("cluster", [cluster[2].url, cluster[3].url], [
        ...cluster.map((n) => n.pid),
        natsPid,
      ], `bc${r}`),
    );
    console.log(JSON.stringify(rounds.slice(-2)));
  }
  const of = (mode: Round["mode"]) => rounds.filter((x) => x.mode === mode);
  const summary = (mode: Round["mode"]) => ({
    deliveriesPerCpuSecond: median(of(mode).map((x) => x.deliveriesPerCpuSecond)),
    p50Ms: median(of(mode).map((x) => x.p50)),
    p99Ms: median(of(mode).map((x) => x.p99)),
    deliveries: median(of(mode).map((x) => x.deliveries)),
  });
  const s = summary("single");
  const c = summary("cluster");
  const result = {
    benchmark: "cluster_fanout",
    at: new Date().toISOString(),
    load: {
      viewers: VIEWERS,
      senders: SENDERS,
      seconds: SECONDS,
      rounds: ROUNDS,
      edges: 2,
      engines: 2,
    },
    single: s,
    cluster: c,
    cpuPerDeliveryRatio: s.deliveriesPerCpuSecond / c.deliveriesPerCpuSecond,
    extraP99Ms: c.p99Ms - s.p99Ms,
    targets: { cpuPerDeliveryRatio: "< 1.5", extraP99Ms: "< 20" },
    rounds,
  };
  const dir = new URL("./results/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    new URL("cluster_fanout.json", dir),
    JSON.stringify(result, null, 2) + "\n",
  );
  const md = `# Cluster fan-out: 2 edges + 2 engines over NATS vs one process

Load: ${VIEWERS} viewers (split over the edges), ${SENDERS} senders at ~1 msg/s each, one room,
${SECONDS} s per round, ${ROUNDS} alternating rounds (medians). Server CPU = utime+stime of every
server process (cluster: 2 engines, 2 edges, nats-server). Same machine as the load generator.

| mode | deliveries/round | deliveries per CPU-second | p50 ms | p99 ms |
| --- | ---: | ---: | ---: | ---: |
| single process | ${s.deliveries} | ${
    s.deliveriesPerCpuSecond.toFixed(0)
  } | ${s.p50Ms} | ${s.p99Ms} |
| cluster (NATS) | ${c.deliveries} | ${
    c.deliveriesPerCpuSecond.toFixed(0)
  } | ${c.p50Ms} | ${c.p99Ms} |

- CPU per delivery, cluster / single: **${result.cpuPerDeliveryRatio.toFixed(2)}×** (target < 1.5×)
- Extra p99 latency of the cluster path: **${result.extraP99Ms} ms** (target < 20 ms)
`;
  await Deno.writeTextFile(new URL("cluster_fanout.md", dir), md);
  console.log(md);
} finally {
  await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
  await nats.dispose();
  await db.drop();
}
