/**
 * One fan-out scenario: start a server, connect S senders and V idle viewers from a separate
 * load-generator process, measure the server's memory per idle viewer, then run `reps`
 * send phases and measure each: deliveries, latency, server CPU. Used by `fanout.ts` and by
 * any bench that puts another deployment (e.g. a cluster) under the same load.
 */
import type { ListenReport, LoadgenConfig, RunReport, StageHistograms } from "./loadgen.ts";
import { InspectorSession } from "./inspector.ts";
import { BenchProcess } from "./process.ts";
import { PROJECT_ROOT, type RunningServer, type ServerUnderTest } from "./servers.ts";
import {
  LatencyHistogram,
  machineCpuSeconds,
  processCpuSeconds,
  processRssBytes,
  round,
} from "./stats.ts";

export interface FanoutLoad {
  viewers: number;
  senders: number;
  /** Messages per second per sender. */
  ratePerSender: number;
  durationMs: number;
  /** After the last send, wait for stragglers until this long passes with none arriving
   * (or all arrived); they count in the same repetition. */
  drainMs: number;
  reps: number;
  /**
   * An unmeasured send phase this long before the first repetition (default 0), at the same
   * rate: a server measured in its first minute pays for start-up work (e.g. V8's heap-shrinking
   * collections ~20 s after the audience connects) that a long-running one does not.
   */
  warmupMs?: number;
  /** Quiet time before each memory reading. */
  settleMs: number;
  /** Run the forced-GC memory pass first (default true; memory does not depend on the rate). */
  memoryPass?: boolean;
  /**
   * Viewers connected before the "before" memory reading (default 50, part of `viewers`):
   * what the first joins cost once (modules loaded on first use, caches, allocator arenas)
   * stays out of the per-viewer figure, which is then the growth from the other viewers.
   */
  warmupViewers?: number;
  /**
   * Viewers that parse every frame and measure latency; the rest only count frames, bytes
   * and messages (see loadgen.ts). Default: all of them parse.
   */
  sampleViewers?: number;
  /**
   * Senders in a load-generator process of their own (light: they parse only their acks),
   * so the senders' schedule does not wait behind thousands of viewers' frames.
   */
  splitSenders?: boolean;
}

export interface RepResult {
  rep: number;
  sent: number;
  acked: number;
  refused: Record<string, number>;
  deliveries: number;
  /** Everything the server sent for this repetition: the audience's deliveries, the probe's,
   * and the senders' own copies (every server here broadcasts to senders too, estimated as
   * acked × senders). CPU per delivery divides by this. */
  serverDeliveries: number;
  /** acked × connected viewers: what a lossless server delivers. */
  expectedDeliveries: number;
  deliveryRatio: number;
  deliveredPerSec: number;
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  serverCpuSeconds: number;
  cpuSecondsPer100kDeliveries: number;
  deliveriesPerCpuSecond: number;
  droppedNotices: number;
  /** Synapse's display budget: danmaku left out of the viewers' batches (`omitted`). */
  omitted: number;
  /** Messages the server accepted per second of sending. */
  acceptedPerSec: number;
  /** Server CPU per accepted message, ms. */
  cpuMsPerAcceptedMessage: number;
  /** WebSocket frames and bytes (characters) per viewer per second. */
  framesPerViewerPerSec: number;
  bytesPerViewerPerSec: number;
  late: number;
  /** Cores the server used on average over the repetition. */
  serverCores: number;
  /** Latency at a few probe viewers in a process of their own that joined last: they see
   * the server's whole fan-out loop but none of the main load generator's queueing. */
  probeDeliveries: number;
  probeLatencyP50Ms: number;
  probeLatencyP99Ms: number;
  /** Synapse only: the latency split by the server's clock readings (see StageHistograms),
   * over the audience and at the probe viewers. */
  stages?: StageQuantiles;
  probeStages?: StageQuantiles;
  /** Load generator's CPU use over the repetition as a share of one core (1 = saturated). */
  loadgenCoreShare: number;
  /** Cores used meanwhile by everything else on the machine (other jobs: noise). */
  backgroundCores: number;
  maxSendLagMs: number;
}

export interface ScenarioResult {
  server: string;
  load: FanoutLoad;
  viewersConnected: number;
  viewersFailed: number;
  firstConnectError?: string;
  connectMs: number;
  rssBeforeViewersBytes: number;
  rssAfterViewersBytes: number;
  rssPerIdleViewerBytes: number;
  /** The same after forcing full garbage collections in the server (steady state). */
  rssAfterGcBeforeViewersBytes: number;
  rssAfterGcAfterViewersBytes: number;
  rssPerIdleViewerAfterGcBytes: number;
  /** Live JS heap per idle viewer after forced GC (the server's own objects per socket). */
  jsHeapPerIdleViewerBytes: number;
  /**
   * The same two figures over the second half of the audience only (readings after half the
   * viewers and after all of them): the steady cost of one more viewer. Over the whole
   * audience, a large process first reuses memory its start-up freed (RSS grows less than
   * the viewers cost), which the second half has mostly used up; see fanout.md's notes.
   */
  rssPerIdleViewerSecondHalfAfterGcBytes: number;
  jsHeapPerIdleViewerSecondHalfBytes: number;
  reps: RepResult[];
}

const COMMAND_TIMEOUT_MS = 180_000;
/** Viewers in the probe process. */
const PROBE_VIEWERS = 20;

async function sumOver(pids: number[], read: (pid: number) => Promise<number>) {
  const values = await Promise.all(pids.map(read));
  return values.reduce((a, b) => a + b, 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface MemoryReading {
  rss: number;
  rssAfterGc: number;
  jsHeapAfterGc: number;
}

/** RSS as it is, then RSS and live JS heap after forced full GCs (through the inspector). */
async function readMemory(server: RunningServer): Promise<MemoryReading> {
  const rss = await sumOver(server.pids, processRssBytes);
  if (server.inspectPorts.length === 0) {
    if (!server.collectGarbage) return { rss, rssAfterGc: NaN, jsHeapAfterGc: NaN };
    await server.collectGarbage();
    await sleep(300);
    const rssAfterGc = await sumOver(server.pids, processRssBytes);
    return { rss, rssAfterGc, jsHeapAfterGc: NaN };
  }
  let jsHeapAfterGc = 0;
  for (const port of server.inspectPorts) {
    const inspector = await InspectorSession.connect(port);
    try {
      await inspector.collectGarbage();
      jsHeapAfterGc += await inspector.heapUsedBytes();
    } finally {
      inspector.close();
    }
  }
  await sleep(300);
  return { rss, rssAfterGc: await sumOver(server.pids, processRssBytes), jsHeapAfterGc };
}

function startLoadgen(config: LoadgenConfig): BenchProcess {
  return new BenchProcess({
    cmd: [Deno.execPath(), "run", "-A", "tests/bench/helpers/loadgen.ts", JSON.stringify(config)],
    cwd: PROJECT_ROOT,
    lineProtocol: true,
  });
}

interface ViewersOpened {
  opened: number;
  failed: number;
  firstError?: string;
  ms: number;
}

/** A started server with a load generator whose senders and idle viewers are connected,
 * and memory readings from just before and just after the viewers joined. */
interface Audience {
  running: RunningServer;
  /** The viewers' process (and the senders', unless `senders` is set). */
  loadgen: BenchProcess;
  /** The senders' own process (`splitSenders`). */
  senders?: BenchProcess;
  /** Every viewer connected (warm-up included). */
  connected: ViewersOpened;
  /** The viewers connected between the two memory readings (per-viewer figures divide by it). */
  measured: number;
  before: MemoryReading;
  /** After the first half of the measured viewers; `secondHalf` of them joined after it. */
  middle: MemoryReading;
  secondHalf: number;
  after: MemoryReading;
}

async function withAudience<T>(
  server: ServerUnderTest,
  load: FanoutLoad,
  inspect: boolean,
  log: (line: string) => void,
  use: (audience: Audience) => Promise<T>,
): Promise<T> {
  const running = await server.start({ inspect });
  const config: LoadgenConfig = {
    target: server.client,
    url: running.url,
    room: "bench",
    viewers: load.viewers,
    senders: load.splitSenders ? 0 : load.senders,
    ratePerSender: load.ratePerSender,
    connectConcurrency: 100,
    sampleViewers: load.sampleViewers,
    lightSenders: false,
  };
  const loadgen = startLoadgen(config);
  const senders = load.splitSenders
    ? startLoadgen({ ...config, viewers: 0, senders: load.senders, lightSenders: true })
    : undefined;
  try {
    await (senders ?? loadgen).request({ cmd: "senders" }, COMMAND_TIMEOUT_MS);
    const warmup = Math.min(load.warmupViewers ?? 50, Math.max(0, load.viewers - 1));
    const warm = warmup > 0
      ? await loadgen.request<ViewersOpened>({ cmd: "viewers", count: warmup }, COMMAND_TIMEOUT_MS)
      : { opened: 0, failed: 0, ms: 0 };
    await sleep(load.settleMs);
    const before = await readMemory(running);
    const half = Math.floor((load.viewers - warm.opened) / 2);
    const first = await loadgen.request<ViewersOpened>(
      { cmd: "viewers", count: half },
      COMMAND_TIMEOUT_MS,
    );
    await sleep(load.settleMs);
    const middle = await readMemory(running);
    const second = await loadgen.request<ViewersOpened>({ cmd: "viewers" }, COMMAND_TIMEOUT_MS);
    const rest: ViewersOpened = {
      opened: first.opened + second.opened,
      failed: first.failed + second.failed,
      firstError: first.firstError ?? second.firstError,
      ms: first.ms + second.ms,
    };
    const connected: ViewersOpened = {
      opened: warm.opened + rest.opened,
      failed: warm.failed + rest.failed,
      firstError: warm.firstError ?? rest.firstError,
      ms: rest.ms,
    };
    log(
      `  ${server.name}${inspect ? " (memory pass, --inspect)" : ""}: ${connected.opened} ` +
        `viewers (${warm.opened} to warm up, then ${rest.opened} in ${rest.ms} ms)` +
        (connected.failed ? `, ${connected.failed} failed (${connected.firstError})` : ""),
    );
    await sleep(load.settleMs);
    const after = await readMemory(running);
    return await use({
      running,
      loadgen,
      senders,
      connected,
      measured: rest.opened,
      before,
      middle,
      secondHalf: second.opened,
      after,
    });
  } finally {
    for (const p of senders ? [loadgen, senders] : [loadgen]) {
      await p.request({ cmd: "quit" }, 10_000).catch(() => {});
      await p.stop();
    }
    await running.stop();
  }
}

/**
 * Two passes on fresh server processes: a memory pass started with `--inspect` (idle
 * viewers, forced GC, heap), then the load pass without it (RSS as found, then `reps`
 * measured send phases), since the inspector itself costs CPU per frame.
 */
export async function runFanoutScenario(
  server: ServerUnderTest,
  load: FanoutLoad,
  log: (line: string) => void = () => {},
): Promise<ScenarioResult> {
  const unmeasured: MemoryReading = { rss: NaN, rssAfterGc: NaN, jsHeapAfterGc: NaN };
  const gc = load.memoryPass === false
    ? { before: unmeasured, middle: unmeasured, after: unmeasured, measured: 0, secondHalf: 0 }
    : await withAudience(server, load, true, log, (a) => Promise.resolve(a));
  return withAudience(
    server,
    load,
    false,
    log,
    async ({ running, loadgen, senders, connected, measured, before, after }) => {
      const perViewer = (bytes: number, viewers = measured) =>
        viewers > 0 ? Math.round(bytes / viewers) : NaN;
      const reps = await measureReps(
        server,
        load,
        running,
        loadgen,
        senders,
        connected.opened,
        log,
      );
      return {
        server: server.name,
        load,
        viewersConnected: connected.opened,
        viewersFailed: connected.failed,
        firstConnectError: connected.firstError,
        connectMs: connected.ms,
        rssBeforeViewersBytes: before.rss,
        rssAfterViewersBytes: after.rss,
        rssPerIdleViewerBytes: perViewer(after.rss - before.rss),
        rssAfterGcBeforeViewersBytes: gc.before.rssAfterGc,
        rssAfterGcAfterViewersBytes: gc.after.rssAfterGc,
        rssPerIdleViewerAfterGcBytes: perViewer(
          gc.after.rssAfterGc - gc.before.rssAfterGc,
          gc.measured,
        ),
        jsHeapPerIdleViewerBytes: perViewer(
          gc.after.jsHeapAfterGc - gc.before.jsHeapAfterGc,
          gc.measured,
        ),
        rssPerIdleViewerSecondHalfAfterGcBytes: perViewer(
          gc.after.rssAfterGc - gc.middle.rssAfterGc,
          gc.secondHalf,
        ),
        jsHeapPerIdleViewerSecondHalfBytes: perViewer(
          gc.after.jsHeapAfterGc - gc.middle.jsHeapAfterGc,
          gc.secondHalf,
        ),
        reps,
      };
    },
  );
}

/** The measured send phases, with a probe process listening alongside. */
async function measureReps(
  server: ServerUnderTest,
  load: FanoutLoad,
  running: RunningServer,
  loadgen: BenchProcess,
  senders: BenchProcess | undefined,
  viewers: number,
  log: (line: string) => void,
): Promise<RepResult[]> {
  const loadgenPids = senders ? [loadgen.pid, senders.pid] : [loadgen.pid];
  const probe = startLoadgen({
    target: server.client,
    url: running.url,
    room: "bench",
    viewers: PROBE_VIEWERS,
    senders: 0,
    ratePerSender: 1,
    connectConcurrency: PROBE_VIEWERS,
  });
  try {
    await probe.request({ cmd: "viewers" }, COMMAND_TIMEOUT_MS);
    /**
     * One send phase, numbered `run` for the load generators (they count only the current
     * run's messages; the warm-up is run 1): the report calls it repetition `rep`.
     */
    const sendPhase = async (run: number, rep: number, durationMs: number) => {
      await probe.request({ cmd: "listen", run }, COMMAND_TIMEOUT_MS);
      if (senders) await loadgen.request({ cmd: "listen", run }, COMMAND_TIMEOUT_MS);
      const cpuBefore = await cpuSnapshot(running.pids, loadgenPids);
      let report = await (senders ?? loadgen).request<RunReport>(
        { cmd: "run", run, durationMs, drainMs: load.drainMs },
        durationMs + COMMAND_TIMEOUT_MS,
      );
      if (senders) {
        // the senders' counts, the viewers' receipts (collected once stragglers are in)
        const seen = await loadgen.request<RunReport>(
          { cmd: "collect", acked: report.acked, drainMs: load.drainMs },
          COMMAND_TIMEOUT_MS,
        );
        report = {
          ...seen,
          sent: report.sent,
          refused: report.refused,
          maxSendLagMs: report.maxSendLagMs,
          sendWindowMs: report.sendWindowMs,
        };
      }
      const cpuAfter = await cpuSnapshot(running.pids, loadgenPids);
      const probed = await probe.request<ListenReport>({ cmd: "report" }, COMMAND_TIMEOUT_MS);
      return summariseRep(rep, report, probed, viewers, load.senders, cpuBefore, cpuAfter);
    };
    if (load.warmupMs) {
      const warm = await sendPhase(1, 0, load.warmupMs);
      log(
        `  ${server.name} V=${load.viewers} warm-up (${load.warmupMs} ms, not measured): ` +
          `${warm.deliveredPerSec} msg/s, ${warm.cpuSecondsPer100kDeliveries} CPU-s/100k`,
      );
      await sleep(300);
    }
    const reps: RepResult[] = [];
    for (let rep = 1; rep <= load.reps; rep++) {
      const result = await sendPhase(load.warmupMs ? rep + 1 : rep, rep, load.durationMs);
      reps.push(result);
      log(
        `  ${server.name} V=${load.viewers} rep ${rep}: ${result.deliveredPerSec} msg/s, ` +
          `p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms ` +
          `(probe ${result.probeLatencyP50Ms}/${result.probeLatencyP99Ms}), ` +
          `${result.cpuSecondsPer100kDeliveries} CPU-s/100k, ` +
          `delivered ${round(result.deliveryRatio * 100, 1)}%, ` +
          `loadgen ${round(result.loadgenCoreShare * 100)}% of a core, ` +
          `background ${result.backgroundCores} cores`,
      );
      await sleep(300);
    }
    return reps;
  } finally {
    await probe.request({ cmd: "quit" }, 10_000).catch(() => {});
    await probe.stop();
  }
}

export interface StageQuantiles {
  intakeP50Ms: number;
  intakeP99Ms: number;
  batchingP50Ms: number;
  batchingP99Ms: number;
  deliveryP50Ms: number;
  deliveryP99Ms: number;
}

function stageQuantiles(stages: StageHistograms | undefined): StageQuantiles | undefined {
  if (!stages) return undefined;
  const q = (h: StageHistograms["intake"], p: number) =>
    round(LatencyHistogram.fromSparse(h).quantile(p), 1);
  return {
    intakeP50Ms: q(stages.intake, 0.5),
    intakeP99Ms: q(stages.intake, 0.99),
    batchingP50Ms: q(stages.batching, 0.5),
    batchingP99Ms: q(stages.batching, 0.99),
    deliveryP50Ms: q(stages.delivery, 0.5),
    deliveryP99Ms: q(stages.delivery, 0.99),
  };
}

interface CpuSnapshot {
  at: number;
  server: number;
  loadgen: number;
  machineBusy: number;
}

async function cpuSnapshot(serverPids: number[], loadgenPids: number[]): Promise<CpuSnapshot> {
  const [server, loadgen, machine] = await Promise.all([
    sumOver(serverPids, processCpuSeconds),
    sumOver(loadgenPids, processCpuSeconds),
    machineCpuSeconds(),
  ]);
  return { at: performance.now(), server, loadgen, machineBusy: machine.busy };
}

function summariseRep(
  rep: number,
  r: RunReport,
  probed: ListenReport,
  viewers: number,
  senders: number,
  before: CpuSnapshot,
  after: CpuSnapshot,
): RepResult {
  const latency = LatencyHistogram.fromSparse(r.latency);
  const probeLatency = LatencyHistogram.fromSparse(probed.latency);
  const wallSeconds = (after.at - before.at) / 1000;
  const serverCpuSeconds = after.server - before.server;
  const loadgenCpuSeconds = after.loadgen - before.loadgen;
  const background = after.machineBusy - before.machineBusy - serverCpuSeconds -
    loadgenCpuSeconds;
  const expected = r.acked * viewers;
  const serverDeliveries = r.deliveries + probed.deliveries + r.acked * senders;
  return {
    rep,
    sent: r.sent,
    acked: r.acked,
    refused: r.refused,
    deliveries: r.deliveries,
    serverDeliveries,
    expectedDeliveries: expected,
    deliveryRatio: expected > 0 ? round(r.deliveries / expected, 4) : NaN,
    deliveredPerSec: round(r.deliveries / (r.deliveryWindowMs / 1000), 0),
    latencyP50Ms: round(latency.quantile(0.5), 1),
    latencyP90Ms: round(latency.quantile(0.9), 1),
    latencyP99Ms: round(latency.quantile(0.99), 1),
    latencyMaxMs: round(latency.max, 1),
    serverCpuSeconds: round(serverCpuSeconds, 2),
    cpuSecondsPer100kDeliveries: serverDeliveries > 0
      ? round((serverCpuSeconds / serverDeliveries) * 100_000, 3)
      : NaN,
    deliveriesPerCpuSecond: serverCpuSeconds > 0
      ? round(serverDeliveries / serverCpuSeconds, 0)
      : NaN,
    droppedNotices: r.droppedNotices,
    omitted: r.omitted,
    acceptedPerSec: round(r.acked / (r.sendWindowMs / 1000), 0),
    cpuMsPerAcceptedMessage: r.acked > 0 ? round((serverCpuSeconds / r.acked) * 1000, 3) : NaN,
    framesPerViewerPerSec: viewers > 0
      ? round(r.frames / viewers / (r.deliveryWindowMs / 1000), 1)
      : NaN,
    bytesPerViewerPerSec: viewers > 0
      ? round(r.chars / viewers / (r.deliveryWindowMs / 1000), 0)
      : NaN,
    late: r.late,
    probeDeliveries: probed.deliveries,
    probeLatencyP50Ms: round(probeLatency.quantile(0.5), 1),
    probeLatencyP99Ms: round(probeLatency.quantile(0.99), 1),
    stages: stageQuantiles(r.stages),
    probeStages: stageQuantiles(probed.stages),
    serverCores: round(serverCpuSeconds / wallSeconds, 2),
    loadgenCoreShare: round(loadgenCpuSeconds / wallSeconds, 2),
    backgroundCores: round(Math.max(0, background) / wallSeconds, 2),
    maxSendLagMs: round(r.maxSendLagMs, 1),
  };
}
