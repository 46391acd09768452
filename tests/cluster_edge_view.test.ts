/**
 * The edge half of a cluster (engine/cluster_edge.ts) opens the membership and lease buckets
 * on the first admin view, not at connect: the view it then gives shows the engine that holds
 * the partitions, as the engine's own view does.
 */
import assert from "node:assert/strict";
import { startClusterEngine } from "../engine/cluster.ts";
import { connectClusterEdge } from "../engine/cluster_edge.ts";
import { parseConfig } from "../edge/wiring/config.ts";
import { createLogger } from "../engine/log.ts";
import { startNatsServer } from "./helpers/nats.ts";

Deno.test({
  name: "cluster edge: the admin view opens its buckets on first use and shows the engine",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const nats = await startNatsServer();
    const config = parseConfig({ NATS_URL: nats.url, PARTITIONS: "4", LEASE_TTL_MS: "2000" });
    const log = createLogger({ test: "cluster-edge-view" }, "error");
    const engine = await startClusterEngine({
      config,
      role: "engine",
      instanceId: "view-engine",
      types: [],
      log,
    });
    const edge = await connectClusterEdge({ config, instanceId: "view-edge", log });
    try {
      const [first, again] = [await edge.view(), await edge.view()];
      for (const view of [first, again]) {
        assert.deepEqual(view.instances.map((i) => [i.id, i.reachable]), [["view-engine", true]]);
        assert.equal(view.partitions, 4);
        assert.deepEqual(view.unowned, []);
        assert.ok(view.partitionTable.every((p) => p.owner === "view-engine"));
      }
    } finally {
      await edge.close();
      await engine.close();
      await nats.dispose();
    }
  },
});
