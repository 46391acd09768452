/**
 * Observability of the cluster layer: W3C trace context crosses NATS from a client span to
 * the actor handling the request (same trace id; a batch of messages carries its first one's), the Prometheus exposition is well formed,
 * and room batches are measured on the way out without decoding them.
 */
import assert from "node:assert/strict";
import { context, trace } from "@opentelemetry/api";
import { Actor, type ActorContext, type ActorType } from "../engine/actor.ts";
import { startClusterEngine } from "../engine/cluster.ts";
import { encodeJson } from "../engine/codec.ts";
import { parseConfig } from "../edge/wiring/config.ts";
import { createLogger } from "../engine/log.ts";
import { countBatchEvents, meterRoomBatches, ROOM_METRICS } from "../actors/room/batch_meter.ts";
import { MeteredTransport } from "../engine/metered_transport.ts";
import { MemoryTransport } from "../engine/transport_memory.ts";
import { M, Registry } from "../engine/metrics.ts";
import { inSpan, SpanKind } from "../engine/telemetry.ts";
import { startNatsServer } from "./helpers/nats.ts";

/** Answers with the trace id active while it handles the message. */
class TraceProbe extends Actor<Record<string, never>, unknown, string> {
  constructor(ctx: ActorContext) {
    super(ctx, {});
  }
  receive(): string {
    return trace.getSpanContext(context.active())?.traceId ?? "none";
  }
}
const probeType: ActorType<Record<string, never>, unknown, string> = {
  type: "probes",
  initialState: () => ({}),
  create: (ctx) => new TraceProbe(ctx),
};

Deno.test({
  name: "telemetry: trace context crosses NATS from the client span to the actor",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const nats = await startNatsServer();
    const config = parseConfig({ NATS_URL: nats.url, PARTITIONS: "4", LEASE_TTL_MS: "2000" });
    const engine = await startClusterEngine({
      config,
      role: "engine",
      instanceId: "tele-1",
      types: [probeType],
      log: createLogger({ test: "telemetry" }, "error"),
    });
    try {
      const [outer, seen] = await inSpan(
        "test.root",
        SpanKind.INTERNAL,
        undefined,
        {},
        async () => {
          const outer = trace.getSpanContext(context.active())?.traceId;
          return [outer, await engine.client.ask<string>("probes", "p1", { hello: true })];
        },
      );
      assert.ok(outer && /^[0-9a-f]{32}$/.test(outer));
      assert.equal(seen, outer);
      // Two requests from two roots carry two different traces.
      const other = await inSpan(
        "test.root2",
        SpanKind.INTERNAL,
        undefined,
        {},
        () => engine.client.ask<string>("probes", "p1", {}),
      );
      assert.notEqual(other, outer);
      // A batch carries the trace context of its first message.
      const [root, first, second] = await inSpan(
        "test.root3",
        SpanKind.INTERNAL,
        undefined,
        {},
        async () => {
          const root = trace.getSpanContext(context.active())?.traceId;
          const first = engine.client.askBatched<string>("probes", "p2", { n: 1 });
          const second = inSpan(
            "test.root4",
            SpanKind.INTERNAL,
            trace.deleteSpan(context.active()),
            {},
            () => engine.client.askBatched<string>("probes", "p2", { n: 2 }),
          );
          return [root, await first, await second];
        },
      );
      assert.equal(first, root);
      assert.equal(second, root, "the second message travelled in the first one's batch");
      assert.ok(M.requestLatency.count({ side: "engine", type: "probes" }) >= 2);
    } finally {
      await engine.close();
      await nats.dispose();
    }
  },
});

Deno.test("metrics: Prometheus text exposition of counters, gauges and histograms", () => {
  const r = new Registry();
  const c = r.counter("t_requests_total", "Requests");
  c.inc({ route: "a" });
  c.inc({ route: "a" }, 2);
  c.inc({ route: 'q"x' });
  const g = r.gauge("t_depth", "Depth");
  g.collect(() => [{ value: 7 }]);
  const h = r.histogram("t_latency_ms", "Latency", [10, 100]);
  h.observe(5);
  h.observe(50);
  h.observe(500);
  const text = r.render();
  assert.match(text, /^# HELP t_requests_total Requests$/m);
  assert.match(text, /^# TYPE t_requests_total counter$/m);
  assert.match(text, /^t_requests_total\{route="a"\} 3$/m);
  assert.match(text, /^t_requests_total\{route="q\\"x"\} 1$/m);
  assert.match(text, /^t_depth 7$/m);
  assert.match(text, /^t_latency_ms_bucket\{le="10"\} 1$/m);
  assert.match(text, /^t_latency_ms_bucket\{le="100"\} 2$/m);
  assert.match(text, /^t_latency_ms_bucket\{le="\+Inf"\} 3$/m);
  assert.match(text, /^t_latency_ms_sum 555$/m);
  assert.match(text, /^t_latency_ms_count 3$/m);
  assert.throws(() => r.gauge("t_requests_total", "clash"), TypeError);
});

Deno.test("metrics: batch events are counted in the encoded bytes", () => {
  const batch = {
    roomId: "r",
    seq: 3,
    at: 1,
    viewers: 2,
    events: [
      {
        t: "danmaku",
        d: { id: "1", userId: "u", name: "n", text: '{"t":"danmaku" in text', at: 1 },
      },
      { t: "danmaku", d: { id: "2", userId: "u", name: "n", text: "hi", at: 1 } },
      { t: "system", code: "x", text: "y", at: 1 },
    ],
  };
  // JSON escapes the quote inside the text, so the marker inside it does not count.
  assert.deepEqual(countBatchEvents(encodeJson(batch)), { events: 3, danmaku: 2 });
  assert.deepEqual(countBatchEvents(encodeJson({ ...batch, events: [] })), {
    events: 0,
    danmaku: 0,
  });
});

Deno.test("metrics: the engine shows each publish to the application's meter, which counts room batches", async () => {
  const inner = new MemoryTransport();
  const seen: string[] = [];
  const metered = new MeteredTransport(inner, (subject, data) => {
    seen.push(subject);
    meterRoomBatches(subject, data);
  });
  const received: string[] = [];
  inner.subscribe("rooms.>", (msg) => void received.push(msg.subject));
  const batch = { events: [{ t: "danmaku", d: { text: "hi" } }, { t: "system", text: "x" }] };
  const danmakuBefore = ROOM_METRICS.danmakuIn.get();
  const batchesBefore = ROOM_METRICS.batchSize.count();
  metered.publish("rooms.out.r1", encodeJson(batch));
  metered.publish("rooms.p3.r1", encodeJson(batch)); // a request subject: not a batch
  await inner.flush();
  assert.deepEqual(seen, ["rooms.out.r1", "rooms.p3.r1"]);
  assert.deepEqual(received.sort(), ["rooms.out.r1", "rooms.p3.r1"], "both passed through");
  assert.equal(ROOM_METRICS.danmakuIn.get() - danmakuBefore, 1);
  assert.equal(ROOM_METRICS.batchSize.count() - batchesBefore, 1);
  await metered.close();
});
