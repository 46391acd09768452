/**
 * The `all` process (`deno task start`, and what tests start in-process): the whole system.
 *
 * Builds, in order:
 *   1. features (features.ts): auth secret and tokens, accounts and economy on Postgres or
 *      PGlite (migrated), the danmaku archive writer, media storage, the LLM client, the
 *      analysis actors, and the actor types with the room's ports filled;
 *   2. the engine: embedded (Deno KV state store, in-process transport, every partition) or,
 *      with NATS_URL, a cluster member (JetStream KV state, leases) taking its share;
 *   3. the media side: recorder or egress, webhooks, reconciliation, live captions;
 *   4. the edge (edge_http.ts): directory, gateway, routers, listener, demo viewers;
 *   5. the embedded media servers (what of LiveKit and storage is not configured), launched
 *      once the listener's URL is known, for their webhooks.
 * Stops in reverse: demo, sockets (1001), listener, directory, media, live analysis, engine
 * (actors passivated), state store, analysis models, archive, database.
 */
import { meterRoomBatches } from "../../actors/room/batch_meter.ts";
import { startClusterEngine } from "../../engine/cluster.ts";
import { clusterView } from "../../engine/cluster_view.ts";
import { embeddedView, startEmbeddedEngine } from "../../engine/embedded.ts";
import { registerActorGauges } from "../../engine/metrics.ts";
import { partitionOf } from "../../engine/partition.ts";
import { DenoKvStateStore } from "../../engine/state_store_denokv.ts";
import { type Backend, serveEdge } from "./edge_http.ts";
import { type Features, openFeatures, startMediaSide } from "./features.ts";
import { hostedActorTypes } from "./hosted_actors.ts";
import type { Root, RunningServer } from "./options.ts";
import { startOrUnwind } from "./shutdown.ts";

export function startAll(root: Root): Promise<RunningServer> {
  const { config, log, shutdown } = root;
  return startOrUnwind(shutdown, async () => {
    const features = await openFeatures(root);
    const backend = config.NATS_URL
      ? await startClusterMember(root, features)
      : await startEmbedded(root, features);
    const mediaSide = await startMediaSide(root, features, backend);
    const edge = await serveEdge(root, features, mediaSide, backend);
    log.info("listening", {
      url: edge.url,
      role: "all",
      edgeId: root.id,
      transport: backend.transport.kind,
    });
    mediaSide.media?.launch(edge.url); // embedded media servers post webhooks to this URL
    return { ...edge, close: () => shutdown.run() };
  });
}

/** One process owns every partition: Deno KV state, the in-process transport. */
async function startEmbedded(root: Root, features: Features): Promise<Backend> {
  const { config, log, shutdown } = root;
  const store = await DenoKvStateStore.open(config.DENO_KV_PATH ?? `${config.DATA_DIR}/state.kv`);
  shutdown.defer("state store", () => store.close());
  const engine = await startEmbeddedEngine({
    store,
    partitions: config.PARTITIONS,
    idleMs: config.ACTOR_IDLE_MS,
    log: log.child({ component: "engine" }),
    types: hostedActorTypes(root, features),
  });
  shutdown.defer("engine", () => engine.close());
  registerActorGauges(engine.system);
  return {
    transport: engine.transport,
    actors: engine.client,
    view: () =>
      Promise.resolve(embeddedView({
        instanceId: "embedded",
        partitions: config.PARTITIONS,
        actors: () =>
          engine.system.types().flatMap((type) =>
            engine.system.activeIds(type).map((id) => ({
              type,
              id,
              partition: partitionOf(id, config.PARTITIONS),
            }))
          ),
      })),
    readiness: [
      { name: "transport", check: () => Promise.resolve(engine.transport.isConnected()) },
      { name: "store", check: async () => (await store.get(["health", "probe"]), true) },
    ],
  };
}

/** With NATS_URL: an engine instance that takes its share of the partitions, and an edge. */
async function startClusterMember(root: Root, features: Features): Promise<Backend> {
  const { config, id, log, shutdown } = root;
  const engine = await startClusterEngine({
    config,
    role: "all",
    instanceId: id,
    types: hostedActorTypes(root, features),
    log: log.child({ component: "engine" }),
    meterPublish: meterRoomBatches,
  });
  shutdown.defer("engine", () => engine.close());
  return {
    transport: engine.transport,
    actors: engine.client,
    readiness: [{ name: "nats", check: () => Promise.resolve(engine.transport.isConnected()) }],
    view: () => clusterView(engine.transport, engine.membership, engine.leases, config.PARTITIONS),
  };
}
