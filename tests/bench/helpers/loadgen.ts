/**
 * The fan-out load generator: one process holding every viewer and sender socket of a run,
 * driven by its parent (`fanout.ts`) through JSON lines. Commands on stdin, one reply line
 * each on stdout:
 *
 *   {"cmd":"senders"}                      open S senders, send one warm-up message each
 *   {"cmd":"viewers"}                      open V viewers (each in the room, idle)
 *   {"cmd":"viewers","count":50}           open only that many more (up to V in all): a
 *                                          warm-up before a memory reading, the rest later
 *   {"cmd":"run","run":1,"durationMs":8000,"drainMs":1500}
 *                                          S senders × R msg/s for the duration, then wait
 *                                          for stragglers; reply with counts and latencies
 *   {"cmd":"listen","run":1}               count deliveries of run 1 from now on (a probe
 *                                          process that only listens while another sends)
 *   {"cmd":"report"}                       what was received since `listen`
 *   {"cmd":"quit"}                         close everything and exit
 *
 *   deno run -A tests/bench/helpers/loadgen.ts '<LoadgenConfig as JSON>'
 */
import { z } from "zod";
import { type BenchMessage, nowMs } from "./bench_message.ts";
import { LatencyHistogram, processCpuSeconds } from "./stats.ts";
import {
  benchMarker,
  type Connection,
  countOccurrences,
  type LightSink,
  omittedOf,
  type ReceiveSink,
  type SenderConnection,
  type ServerStamps,
  targetClient,
} from "./targets.ts";

export const LoadgenConfig = z.object({
  target: z.enum(["synapse", "bare", "socketio", "centrifugo"]),
  /** http://host:port of the server under test. */
  url: z.string().url(),
  room: z.string().min(1).default("bench"),
  viewers: z.number().int().nonnegative(),
  /** Zero for a probe process that only listens. */
  senders: z.number().int().nonnegative(),
  ratePerSender: z.number().positive(),
  /** Viewer connections opened at once. */
  connectConcurrency: z.number().int().positive().default(100),
  /**
   * Viewers that parse every frame and measure latency (the first ones opened); the others
   * are light (count frames, characters and bench messages by substring, parse nothing) where
   * the target has a light form. Default: every viewer is full.
   */
  sampleViewers: z.number().int().nonnegative().optional(),
  /** Senders that parse only their own replies, never the room's batches (Synapse). */
  lightSenders: z.boolean().default(false),
});
export type LoadgenConfig = z.input<typeof LoadgenConfig>;

export const LoadgenCommand = z.discriminatedUnion("cmd", [
  z.object({ cmd: z.literal("senders") }),
  z.object({ cmd: z.literal("viewers"), count: z.number().int().nonnegative().optional() }),
  z.object({
    cmd: z.literal("run"),
    run: z.number().int().positive(),
    durationMs: z.number().int().positive(),
    /** After the last send, stop waiting once this long passes with no new delivery ... */
    drainMs: z.number().int().nonnegative(),
    /** ... or once every expected delivery arrived, or at the latest after this long. */
    maxDrainMs: z.number().int().nonnegative().default(15_000),
  }),
  z.object({ cmd: z.literal("listen"), run: z.number().int().positive() }),
  z.object({ cmd: z.literal("report") }),
  /**
   * After `listen`, while another process sent: wait for stragglers (until `acked` × viewers
   * are accounted for, `drainMs` pass with no delivery, or `maxDrainMs`), then reply with a
   * RunReport of what the viewers received (the send fields are the sender process's).
   */
  z.object({
    cmd: z.literal("collect"),
    acked: z.number().int().nonnegative(),
    drainMs: z.number().int().nonnegative(),
    maxDrainMs: z.number().int().nonnegative().default(15_000),
  }),
  z.object({ cmd: z.literal("quit") }),
]);
export type LoadgenCommand = z.infer<typeof LoadgenCommand>;

type SparseHistogram = { buckets: [number, number][]; max: number };

/**
 * Where the latency went, from the server's own clock readings in each message (Synapse
 * only): send → accepted by the room (`intake`), accepted → batch flushed (`batching`,
 * the tick wait), flushed → received (`delivery`: edge fan-out, network, client).
 */
export interface StageHistograms {
  intake: SparseHistogram;
  batching: SparseHistogram;
  delivery: SparseHistogram;
}

/** The reply to `report`: what a listening probe received. */
export interface ListenReport {
  ok: "report";
  deliveries: number;
  latency: SparseHistogram;
  stages?: StageHistograms;
}

/** The reply to `run`. */
export interface RunReport {
  ok: "run";
  run: number;
  sent: number;
  /** Acknowledged by the server (the baselines do not ack: every sent message counts). */
  acked: number;
  refused: Record<string, number>;
  /** Bench messages of this run received by viewers (senders' own copies not counted). */
  deliveries: number;
  /** Synapse's slow-viewer notices: danmaku the edge chose not to send. */
  droppedNotices: number;
  /** Synapse's display budget: danmaku left out of the batches viewers received. */
  omitted: number;
  /** WebSocket frames and characters the viewers received during the run. */
  frames: number;
  chars: number;
  /** Messages of an earlier run that arrived during this one. */
  late: number;
  latency: SparseHistogram;
  stages?: StageHistograms;
  /** From the first scheduled send to the last delivery of this run. */
  deliveryWindowMs: number;
  /** Worst delay between a send's schedule and the moment it went out (load generator lag). */
  maxSendLagMs: number;
  sendWindowMs: number;
  loadgenCpuSeconds: number;
}

const config = LoadgenConfig.parse(JSON.parse(Deno.args[0] ?? "{}"));
const client = targetClient(config.target, config.url, config.room);

let currentRun = 0;
let counters = freshCounters();

function freshCounters() {
  return {
    sent: 0,
    acked: 0,
    refused: {} as Record<string, number>,
    deliveries: 0,
    droppedNotices: 0,
    omitted: 0,
    frames: 0,
    chars: 0,
    late: 0,
    histogram: new LatencyHistogram(),
    stages: {
      intake: new LatencyHistogram(),
      batching: new LatencyHistogram(),
      delivery: new LatencyHistogram(),
    },
    lastDeliveryAt: 0,
    startedAt: nowMs(),
  };
}

/** Light viewers: frames counted by substring (see targets.ts); the marker follows the run. */
let marker = benchMarker(config.target, 0);
const lightSink: LightSink = {
  text(data: string) {
    counters.frames++;
    counters.chars += data.length;
    if (data.startsWith('{"type":"dropped"')) {
      counters.droppedNotices += (JSON.parse(data) as { count: number }).count;
      return;
    }
    const n = countOccurrences(data, marker);
    if (n > 0) {
      counters.deliveries += n;
      counters.lastDeliveryAt = nowMs();
    }
    if (config.target === "synapse") counters.omitted += omittedOf(data);
  },
};
function startCounting(run: number): void {
  currentRun = run;
  marker = benchMarker(config.target, run);
  counters = freshCounters();
}

const viewerSink: ReceiveSink = {
  message(m: BenchMessage, stamps?: ServerStamps) {
    if (m.run !== currentRun) {
      if (m.run < currentRun) counters.late++;
      return;
    }
    const now = nowMs();
    counters.deliveries++;
    counters.histogram.record(now - m.sentAt);
    counters.lastDeliveryAt = now;
    if (stamps) {
      counters.stages.intake.record(stamps.acceptedAt - m.sentAt);
      counters.stages.batching.record(stamps.flushedAt - stamps.acceptedAt);
      counters.stages.delivery.record(now - stamps.flushedAt);
    }
  },
  dropped(count: number) {
    counters.droppedNotices += count;
  },
  omitted(count: number) {
    counters.omitted += count;
  },
  frame(chars: number) {
    counters.frames++;
    counters.chars += chars;
  },
};
const ignoreSink: ReceiveSink = { message() {}, dropped() {} };
const outcome = {
  acked: () => counters.acked++,
  refused: (code: string) => counters.refused[code] = (counters.refused[code] ?? 0) + 1,
};

const senders: SenderConnection[] = [];
const viewers: Connection[] = [];

async function openSenders(): Promise<unknown> {
  const light = config.lightSenders && client.openLightSender;
  const opened = await Promise.all(
    Array.from(
      { length: config.senders },
      (_, i) =>
        light ? client.openLightSender!(i, outcome) : client.openSender(i, ignoreSink, outcome),
    ),
  );
  senders.push(...opened);
  // One warm-up message each (run 0, never counted), so the room is active and warm.
  senders.forEach((s, i) => s.send({ run: 0, sender: i, n: 0, sentAt: nowMs() }));
  return { ok: "senders", opened: senders.length };
}

async function openViewers(count?: number): Promise<unknown> {
  const started = performance.now();
  const before = viewers.length;
  const until = Math.min(config.viewers, before + (count ?? config.viewers));
  let next = before;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < until) {
      const index = next++;
      const light = client.openLightViewer && index >= (config.sampleViewers ?? Infinity);
      try {
        viewers.push(
          await (light
            ? client.openLightViewer!(index, lightSink)
            : client.openViewer(index, viewerSink)),
        );
      } catch (e) {
        failed++;
        firstError ??= String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: config.connectConcurrency }, worker));
  return {
    ok: "viewers",
    opened: viewers.length - before,
    failed,
    firstError,
    ms: Math.round(performance.now() - started),
  };
}

async function run(
  run: number,
  durationMs: number,
  drainMs: number,
  maxDrainMs: number,
): Promise<RunReport> {
  startCounting(run);
  const cpuBefore = await processCpuSeconds(Deno.pid);
  const period = 1000 / config.ratePerSender;
  const start = nowMs() + 10;
  const end = start + durationMs;
  // Senders are spread evenly over one period so the offered load is smooth.
  const due = senders.map((_, i) => start + (i * period) / senders.length);
  const seqs = senders.map(() => 0);
  let maxSendLagMs = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = nowMs();
      let pending = false;
      for (let i = 0; i < senders.length; i++) {
        while (due[i] <= now && due[i] < end) {
          maxSendLagMs = Math.max(maxSendLagMs, now - due[i]);
          senders[i].send({ run, sender: i, n: seqs[i]++, sentAt: nowMs() });
          counters.sent++;
          due[i] += period;
        }
        if (due[i] < end) pending = true;
      }
      if (!pending) (clearInterval(timer), resolve());
    }, 2);
  });
  const sendWindowMs = nowMs() - start;
  await drain(drainMs, maxDrainMs);
  const c = counters;
  return {
    ok: "run",
    run,
    sent: c.sent,
    acked: c.acked,
    refused: c.refused,
    ...receivedReport(),
    deliveryWindowMs: (c.lastDeliveryAt || nowMs()) - start,
    maxSendLagMs,
    sendWindowMs,
    loadgenCpuSeconds: (await processCpuSeconds(Deno.pid)) - cpuBefore,
  };
}

/** What this process's viewers received during the run (the part of a report both the
 * sending and the listening load generator give). */
function receivedReport(): Pick<
  RunReport,
  "deliveries" | "droppedNotices" | "omitted" | "frames" | "chars" | "late" | "latency" | "stages"
> {
  const c = counters;
  return {
    deliveries: c.deliveries,
    droppedNotices: c.droppedNotices,
    omitted: c.omitted,
    frames: c.frames,
    chars: c.chars,
    late: c.late,
    latency: c.histogram.toSparse(),
    stages: stagesReport(),
  };
}

function stagesReport(): StageHistograms | undefined {
  const { intake, batching, delivery } = counters.stages;
  if (intake.count === 0) return undefined;
  return {
    intake: intake.toSparse(),
    batching: batching.toSparse(),
    delivery: delivery.toSparse(),
  };
}

/** Waits for stragglers: until every send was answered (acked or refused) and every
 * expected delivery arrived, or `quietMs` pass without a delivery, or `maxMs`. */
async function drain(quietMs: number, maxMs: number, ackedElsewhere?: number): Promise<void> {
  const began = nowMs();
  while (nowMs() - began < maxMs) {
    const refused = Object.values(counters.refused).reduce((a, b) => a + b, 0);
    const answered = counters.acked + refused >= counters.sent;
    const accounted = counters.deliveries + counters.omitted;
    const acked = ackedElsewhere ?? counters.acked;
    if (answered && accounted >= acked * viewers.length) return;
    const lastProgress = Math.max(counters.lastDeliveryAt, began);
    if (nowMs() - lastProgress >= quietMs) return;
    await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function reply(value: unknown): void {
  console.log(JSON.stringify(value));
}

async function handle(command: LoadgenCommand): Promise<boolean> {
  switch (command.cmd) {
    case "senders":
      reply(await openSenders());
      return true;
    case "viewers":
      reply(await openViewers(command.count));
      return true;
    case "run":
      reply(await run(command.run, command.durationMs, command.drainMs, command.maxDrainMs));
      return true;
    case "listen":
      startCounting(command.run);
      reply({ ok: "listen" });
      return true;
    case "report":
      reply(
        {
          ok: "report",
          deliveries: counters.deliveries,
          latency: counters.histogram.toSparse(),
          stages: stagesReport(),
        } satisfies ListenReport,
      );
      return true;
    case "collect": {
      const cpuBefore = await processCpuSeconds(Deno.pid);
      await drain(command.drainMs, command.maxDrainMs, command.acked);
      const c = counters;
      reply(
        {
          ok: "run",
          run: currentRun,
          sent: 0,
          acked: command.acked,
          refused: {},
          ...receivedReport(),
          deliveryWindowMs: (c.lastDeliveryAt || nowMs()) - c.startedAt,
          maxSendLagMs: 0,
          sendWindowMs: 0,
          loadgenCpuSeconds: (await processCpuSeconds(Deno.pid)) - cpuBefore,
        } satisfies RunReport,
      );
      return true;
    }
    case "quit":
      for (const c of [...viewers, ...senders]) c.close();
      reply({ ok: "quit" });
      return false;
  }
}

let buffered = "";
const decoder = new TextDecoder();
for await (const chunk of Deno.stdin.readable) {
  buffered += decoder.decode(chunk, { stream: true });
  let newline: number;
  let keepGoing = true;
  while (keepGoing && (newline = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, newline).trim();
    buffered = buffered.slice(newline + 1);
    if (line === "") continue;
    try {
      keepGoing = await handle(LoadgenCommand.parse(JSON.parse(line)));
    } catch (e) {
      reply({ ok: "error", error: String(e) });
    }
  }
  if (!keepGoing) break;
}
Deno.exit(0);
