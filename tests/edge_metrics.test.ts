/** `/metrics` of an embedded server counts what viewers received and how rooms tick. */
import assert from "node:assert/strict";
import { TestViewer } from "./helpers/edge_client.ts";
import { startTestServer } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

/** Sum of a metric's series (all label sets) in a Prometheus text exposition. */
function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

Deno.test("metrics: danmaku out per viewer, tick lag, and actor gauges in embedded mode", async () => {
  const srv = await startTestServer();
  const viewers: TestViewer[] = [];
  try {
    const scrape = async () => await (await fetch(`${srv.url}/metrics`)).text();
    const before = await scrape();
    const room = "metrics1";
    for (const name of ["m1", "m2", "m3"]) {
      const { token } = await srv.guest(name);
      viewers.push((await TestViewer.join(srv.wsUrl(room), room, token)).viewer);
    }
    viewers[0].send({ type: "say", text: "hello metrics", clientId: "c1" });
    viewers[1].send({ type: "say", text: "second message", clientId: "c2" });
    for (const v of viewers) {
      await v.next((f) => f.type === "batch" && v.danmakuTexts().length === 2);
    }
    // Tick lag is observed from the second tick of a room on.
    const lagCount = (text: string) => metricSum(text, "synapse_tick_lag_ms_count");
    await waitForValue(
      "a tick lag is observed",
      async () => lagCount(await scrape()) > lagCount(before) ? true : undefined,
      { timeoutMs: 10_000, stepMs: 20 },
    );
    const after = await scrape();
    const delivered = metricSum(after, "synapse_danmaku_out_total") -
      metricSum(before, "synapse_danmaku_out_total");
    assert.equal(delivered, 6, "2 messages to 3 viewers");
    assert.ok(
      metricSum(after, "synapse_tick_lag_ms_count") >
        metricSum(before, "synapse_tick_lag_ms_count"),
    );
    assert.ok(metricSum(after, "synapse_actors_active") >= 1, "actor gauges are registered");
  } finally {
    for (const v of viewers) await v.close();
    await srv.close();
  }
});
