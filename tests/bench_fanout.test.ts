/**
 * Smoke test of the fan-out benchmark (tests/bench/fanout.ts) at a tiny size: 20 viewers,
 * 4 senders for 2 s against Synapse, the bare Deno server and socket.io. Checks that messages
 * were delivered and that the result files carry the expected fields. Timings are only
 * checked for being numbers: a test never asserts a wall-clock duration.
 */
import assert from "node:assert/strict";
import type { FanoutReport } from "./bench/helpers/fanout_report.ts";
import {
  LatencyHistogram,
  median,
  processCpuSeconds,
  processRssBytes,
} from "./bench/helpers/stats.ts";

const FANOUT = new URL("./bench/fanout.ts", import.meta.url).pathname;

/**
 * Runs the fan-out bench with `args` into a scratch folder and hands `check` its report and
 * log, after asserting it exited 0 with no failed scenario; the folder is removed after.
 */
async function withFanoutRun(
  args: string[],
  check: (run: { report: FanoutReport; log: string; out: string }) => Promise<void>,
): Promise<void> {
  const out = await Deno.makeTempDir({ prefix: "bench-fanout-" });
  try {
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", FANOUT, ...args, "--out", out],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 0, log);
    const report = JSON.parse(await Deno.readTextFile(`${out}/fanout.json`)) as FanoutReport;
    assert.deepEqual(report.meta.notes, [], "no scenario failed");
    await check({ report, log, out });
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

Deno.test("latency histogram quantiles and medians", () => {
  const h = new LatencyHistogram();
  for (let ms = 1; ms <= 100; ms++) h.record(ms);
  h.record(2500);
  assert.equal(h.count, 101);
  // Exact to one 0.1 ms bucket: the quantile is the upper edge of the bucket holding it.
  assert.ok(Math.abs(h.quantile(0.5) - 51) <= 0.15, `p50 ${h.quantile(0.5)}`);
  assert.ok(h.quantile(0.99) >= 100 && h.quantile(0.99) <= 101, `p99 ${h.quantile(0.99)}`);
  assert.equal(h.quantile(1), 2500);
  const copy = LatencyHistogram.fromSparse(JSON.parse(JSON.stringify(h.toSparse())));
  assert.equal(copy.count, h.count);
  assert.equal(copy.quantile(0.5), h.quantile(0.5));
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("/proc readers see this process", async () => {
  assert.ok((await processCpuSeconds(Deno.pid)) > 0);
  assert.ok((await processRssBytes(Deno.pid)) > 1024 * 1024);
});

Deno.test("fan-out benchmark at tiny size writes complete results", async () => {
  const args = [
    ...["--viewers", "20", "--senders", "4", "--rate", "1", "--duration", "2", "--drain", "1"],
    ...["--reps", "1", "--warmup", "1", "--settle", "0.3", "--busy-senders", "0"],
    // Centrifugo is the bench's peer only: the test suite never builds it.
    ...["--servers", "synapse,bare,socketio"],
  ];
  await withFanoutRun(args, async ({ report, log, out }) => {
    assert.deepEqual(
      report.summaries.map((s) => s.server).sort(),
      ["bare-deno-ws", "socket.io", "synapse"],
    );
    for (const server of ["synapse", "bare-deno-ws", "socket.io"]) {
      // each server sends (and delivers) through the unmeasured warm-up before its repetition
      const warmed = new RegExp(`${server} V=20 warm-up \\(1000 ms, not measured\\): [1-9]`);
      assert.match(log, warmed);
    }
    for (const scenario of report.scenarios) {
      assert.equal(scenario.viewersConnected, 20, scenario.server);
      assert.equal(scenario.reps.length, 1);
      const rep = scenario.reps[0];
      assert.ok(rep.sent >= 4, `${scenario.server} sent ${rep.sent}`);
      assert.ok(rep.acked > 0, `${scenario.server} acked nothing`);
      assert.ok(rep.deliveries > 0, `${scenario.server} delivered nothing`);
      assert.ok(rep.deliveries <= rep.expectedDeliveries, `${scenario.server} over-delivered`);
      for (
        const field of [
          "deliveredPerSec",
          "latencyP50Ms",
          "latencyP99Ms",
          "serverCpuSeconds",
          "cpuSecondsPer100kDeliveries",
          "loadgenCoreShare",
          "probeLatencyP99Ms",
        ] as const
      ) {
        assert.equal(typeof rep[field], "number", `${scenario.server}.${field}`);
        assert.ok(Number.isFinite(rep[field]), `${scenario.server}.${field} = ${rep[field]}`);
      }
      assert.ok(rep.latencyP50Ms <= rep.latencyP99Ms);
      assert.ok(rep.probeDeliveries > 0, `${scenario.server} probe received nothing`);
      assert.ok(rep.serverDeliveries > rep.deliveries);
      if (scenario.server === "synapse") {
        // Synapse's messages carry the room's accept and flush times: the latency splits.
        assert.ok(rep.stages, "synapse latency stages");
        assert.ok(Number.isFinite(rep.stages.batchingP50Ms) && rep.stages.batchingP50Ms >= 0);
      } else assert.equal(rep.stages, undefined);
      assert.ok(scenario.rssAfterViewersBytes > 0 && scenario.rssBeforeViewersBytes > 0);
      assert.equal(typeof scenario.rssPerIdleViewerBytes, "number");
      assert.ok(scenario.rssAfterGcAfterViewersBytes > 0, `${scenario.server} RSS after GC`);
      assert.ok(Number.isFinite(scenario.jsHeapPerIdleViewerBytes), `${scenario.server} heap`);
    }
    assert.equal(report.ratios.length, 1);
    // At this size a server may use less than one 10 ms clock tick: a ratio is then null.
    const ratio = report.ratios[0].synapseVsBareDeliveriesPerCpuSecond;
    assert.ok(ratio === null || typeof ratio === "number", `ratio ${ratio}`);
    assert.ok(report.targets.length >= 3);

    const md = await Deno.readTextFile(`${out}/fanout.md`);
    for (
      const needle of ["| server | viewers |", "synapse", "bare-deno-ws", "socket.io", "Targets"]
    ) {
      assert.ok(md.includes(needle), `fanout.md lacks ${needle}`);
    }
  });
});

Deno.test("fan-out benchmark against a baseline checkout, in rounds", async () => {
  const args = [
    ...["--viewers", "10", "--senders", "2", "--duration", "1", "--drain", "1"],
    ...["--reps", "1", "--warmup", "0", "--settle", "0.2", "--busy-senders", "0", "--skip-memory"],
    // this tree as its own baseline: the point is the plumbing, not the ratio
    ...["--servers", "synapse", "--baseline", new URL("../", import.meta.url).pathname],
    ...["--rounds", "2", "--env", "ROOM_TICK_MS=10"],
  ];
  await withFanoutRun(args, ({ report, log }) => {
    assert.deepEqual(report.scenarios.map((s) => s.server), ["synapse", "synapse-baseline"]);
    // two rounds of one repetition each, in one row per server
    for (const s of report.scenarios) assert.equal(s.reps.length, 2, s.server);
    // (NaN where a server used less than one 10 ms clock tick at this size)
    assert.match(
      log,
      /round 2, V=10, 2 msg\/s: synapse (\d+|NaN) vs baseline (\d+|NaN) deliveries/,
    );
    return Promise.resolve();
  });
});
