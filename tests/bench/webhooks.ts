/**
 * Outbound webhooks: what the outbox and worker deliver per process, and how fast, beside a
 * bare baseline in the same run. A scratch Postgres database, local receivers on loopback
 * (in this process), the real `WebhookOutbox` and `WebhookWorker` (signing, SSRF check and
 * guard proxy included).
 *
 * - latency: events published at a steady rate to one endpoint; publish → receipt, p50/p99;
 * - throughput: a burst of events to 4 endpoints; deliveries per second and CPU per delivery,
 *   vs the baseline: the same signed POSTs sent straight with fetch (no outbox, no database,
 *   no proxy), 4 in flight per endpoint as the worker sends;
 * - isolation: the same burst with a fifth endpoint that never answers.
 *
 * Writes tests/bench/results/webhooks.{json,md}. `WEBHOOK_BENCH_EVENTS` (default 1,000).
 */
import { fileURLToPath } from "node:url";
import { migrate } from "../../engine/sql/migrate.ts";
import { appMigrations } from "../../edge/wiring/migrations.ts";
import { openPostgresStore } from "../../engine/sql/postgres_store.ts";
import { createScratchDatabase } from "../helpers/db.ts";
import { makeStreamerWithRoom } from "../helpers/economy_fixtures.ts";
import { WebhookStore } from "../../actors/webhooks/store.ts";
import { WebhookOutbox } from "../../actors/webhooks/outbox.ts";
import { WebhookWorker } from "../../edge/webhooks/worker.ts";
import { signedHeaders } from "../../edge/webhooks/signature.ts";
import { isPublicAddress } from "../../media/recorder/public_address.ts";
import { LatencyHistogram, selfCpuMs } from "./helpers/stats.ts";
import type { Logger } from "../../engine/log.ts";

const EVENTS = Number(Deno.env.get("WEBHOOK_BENCH_EVENTS") ?? 1_000);
const ENDPOINTS = 4;
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

const quiet = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => quiet,
} as unknown as Logger;

/** A receiver counting deliveries and the latency from the event's `sentAt`. */
function receiver(hold = false) {
  const hist = new LatencyHistogram();
  let got = 0;
  let waiters: (() => void)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = JSON.parse(await req.text());
    if (hold) await new Promise(() => {});
    got++;
    if (typeof body.data?.sentAt === "number") hist.record(Date.now() - body.data.sentAt);
    for (const w of waiters) w();
    waiters = [];
    return new Response("ok");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/h`,
    hist,
    get got() {
      return got;
    },
    async until(n: number) {
      while (got < n) await new Promise<void>((r) => waiters.push(r));
    },
    close: () => server.shutdown(),
  };
}

const scratch = await createScratchDatabase("bench_webhooks");
const sql = openPostgresStore(scratch.url, { max: 8 });
await migrate(sql, await appMigrations());
const hooks = new WebhookStore(sql);
const { streamerId, roomId } = await makeStreamerWithRoom(sql);
const allow = (a: string) => isPublicAddress(a) || a === "127.0.0.1";

async function withPipeline<T>(
  fn: (outbox: WebhookOutbox) => Promise<T>,
): Promise<T> {
  const worker = new WebhookWorker({
    store: hooks,
    workerId: "bench",
    schedule: [1, 1, 1],
    timeoutMs: 600_000,
    concurrency: 4,
    allowAddress: allow,
    log: quiet,
  });
  const outbox = new WebhookOutbox(hooks, { log: quiet, onQueued: () => worker.nudge() });
  try {
    return await fn(outbox);
  } finally {
    await outbox.close();
    await worker.close();
  }
}

async function resetEndpoints(urls: string[]) {
  await sql.query("DELETE FROM webhook_endpoints");
  await sql.query("DELETE FROM webhook_events");
  for (const url of urls) {
    await hooks.createEndpoint({ ownerId: streamerId, url, description: "", eventTypes: [] });
  }
}

let seq = 0;
const gift = (sentAt: number) => ({
  type: "gift.received" as const,
  key: `${roomId}/b${seq++}`,
  roomId,
  at: sentAt,
  data: { roomId, sentAt, gift: { id: `g${seq}`, amount: "1" } },
});

// 1. Latency at a steady 50 events/s to one endpoint.
const latencyRx = receiver();
await resetEndpoints([latencyRx.url]);
const LATENCY_EVENTS = Math.min(500, EVENTS);
await withPipeline(async (outbox) => {
  for (let i = 0; i < LATENCY_EVENTS; i++) {
    outbox.publish(gift(Date.now()));
    await new Promise((r) => setTimeout(r, 20));
  }
  await latencyRx.until(LATENCY_EVENTS);
});
await latencyRx.close();

// 2. Throughput: a burst to 4 endpoints, through the outbox and worker.
async function burst(withDead: boolean) {
  const rx = Array.from({ length: ENDPOINTS }, () => receiver());
  const dead = withDead ? receiver(true) : undefined;
  await resetEndpoints([...rx.map((r) => r.url), ...(dead ? [dead.url] : [])]);
  const cpu0 = selfCpuMs();
  const t0 = performance.now();
  await withPipeline(async (outbox) => {
    for (let i = 0; i < EVENTS; i++) outbox.publish(gift(Date.now()));
    await Promise.all(rx.map((r) => r.until(EVENTS)));
  });
  const wallMs = performance.now() - t0;
  const cpu = selfCpuMs() - cpu0;
  const deliveries = EVENTS * ENDPOINTS;
  const p = (q: number) => Math.max(...rx.map((r) => r.hist.quantile(q)));
  for (const r of rx) await r.close();
  // The dead one's handler never returns, so its server never finishes shutting down.
  void dead?.close().catch(() => {});
  return {
    variant: withDead ? "outbox+worker, one dead endpoint beside" : "outbox+worker",
    events: EVENTS,
    deliveries,
    wallMs: Math.round(wallMs),
    deliveriesPerSec: Math.round(deliveries / (wallMs / 1000)),
    eventsPerSec: Math.round(EVENTS / (wallMs / 1000)),
    cpuUsPerDelivery: Math.round((cpu * 1000) / deliveries),
    p50Ms: p(0.5),
    p99Ms: p(0.99),
  };
}

// Baseline: the same signed POSTs, straight from fetch, 4 in flight per endpoint.
async function bare() {
  const rx = Array.from({ length: ENDPOINTS }, () => receiver());
  // Its own client, closed before the receivers shut down (they wait for open connections).
  const client = Deno.createHttpClient({});
  const cpu0 = selfCpuMs();
  const t0 = performance.now();
  await Promise.all(rx.map(async (r) => {
    let next = 0;
    const lane = async () => {
      while (next < EVENTS) {
        next++;
        const body = JSON.stringify({
          id: `evt_${next}`,
          type: "gift.received",
          data: { sentAt: Date.now() },
        });
        const res = await fetch(r.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...await signedHeaders("whsec_AAAA", `evt_${next}`, body),
          },
          body,
          client,
        });
        await res.body?.cancel();
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
  }));
  const wallMs = performance.now() - t0;
  const cpu = selfCpuMs() - cpu0;
  const deliveries = EVENTS * ENDPOINTS;
  client.close();
  for (const r of rx) await r.close();
  return {
    variant: "bare fetch (baseline)",
    events: EVENTS,
    deliveries,
    wallMs: Math.round(wallMs),
    deliveriesPerSec: Math.round(deliveries / (wallMs / 1000)),
    eventsPerSec: Math.round(EVENTS / (wallMs / 1000)),
    cpuUsPerDelivery: Math.round((cpu * 1000) / deliveries),
    p50Ms: NaN,
    p99Ms: NaN,
  };
}

const runs = [await bare(), await burst(false), await burst(true)];
const load = Deno.loadavg();
const result = {
  at: new Date().toISOString(),
  loadavg: load,
  latency: {
    events: LATENCY_EVENTS,
    ratePerSec: 50,
    p50Ms: latencyRx.hist.quantile(0.5),
    p99Ms: latencyRx.hist.quantile(0.99),
    maxMs: latencyRx.hist.max,
  },
  throughput: runs,
};
await sql.close();
await scratch.drop();

await Deno.mkdir(resultsDir, { recursive: true });
await Deno.writeTextFile(`${resultsDir}webhooks.json`, JSON.stringify(result, null, 2) + "\n");
const [baseline, plain, withDead] = runs;
const md = `# Outbound webhooks (${result.at})

Machine load average ${load.map((x) => x.toFixed(1)).join(" / ")} (1/5/15 min) on 2 cores.

Latency, publish → receipt, ${LATENCY_EVENTS} events at 50/s to one endpoint (outbox write,
worker scan, signing, SSRF check, guard proxy, POST): p50 ${result.latency.p50Ms.toFixed(1)} ms,
p99 ${result.latency.p99Ms.toFixed(1)} ms, max ${result.latency.maxMs.toFixed(1)} ms.

Burst of ${EVENTS} events to ${ENDPOINTS} endpoints (${EVENTS * ENDPOINTS} deliveries), one process:

| variant | wall ms | deliveries/s | events/s | CPU µs per delivery | p50 ms | p99 ms |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${
  runs.map((r) =>
    `| ${r.variant} | ${r.wallMs} | ${r.deliveriesPerSec} | ${r.eventsPerSec} | ${r.cpuUsPerDelivery} | ${
      Number.isNaN(r.p50Ms) ? "–" : r.p50Ms.toFixed(0)
    } | ${Number.isNaN(r.p99Ms) ? "–" : r.p99Ms.toFixed(0)} |`
  ).join("\n")
}

Outbox+worker vs bare fetch: ${(plain.deliveriesPerSec / baseline.deliveriesPerSec).toFixed(2)}× the
deliveries per second, ${(plain.cpuUsPerDelivery / baseline.cpuUsPerDelivery).toFixed(2)}× the CPU
per delivery. With a dead endpoint beside: ${
  (withDead.deliveriesPerSec / plain.deliveriesPerSec).toFixed(2)
}× the live endpoints' rate.
`;
await Deno.writeTextFile(`${resultsDir}webhooks.md`, md);
console.log(md);
Deno.exit(0); // the dead receiver's handler never returns
