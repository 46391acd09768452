/**
 * The `engine` process (`--role engine`, cluster only): hosts actors, serves no viewers.
 *
 * Builds, in order:
 *   1. features (features.ts): tokens, accounts and economy, archive writer, media storage,
 *      the LLM client, the analysis actors, the actor types with the room's ports filled;
 *   2. the cluster engine (NATS transport, JetStream KV state, membership, partition leases)
 *      and its HTTP surface: `/metrics`, `/healthz`, `/readyz` on PORT;
 *   3. the media side: recorder or egress, reconciliation, live captions.
 * Stops in reverse: media, live analysis, engine (actors passivated, leases released) and its
 * HTTP, analysis models, archive, database.
 */
import { meterRoomBatches } from "../../actors/room/batch_meter.ts";
import { startClusterEngine } from "../../engine/cluster.ts";
import { serveEngineHttp } from "../routes/cluster.ts";
import { openFeatures, startMediaSide } from "./features.ts";
import { hostedActorTypes } from "./hosted_actors.ts";
import type { Root, RunningServer } from "./options.ts";
import { startOrUnwind } from "./shutdown.ts";

export function startEngine(root: Root): Promise<RunningServer> {
  const { config, id: instanceId, log, shutdown } = root;
  return startOrUnwind(shutdown, async () => {
    const features = await openFeatures(root);
    const engine = await startClusterEngine({
      config,
      role: "engine",
      instanceId,
      types: hostedActorTypes(root, features),
      log,
      meterPublish: meterRoomBatches,
    });
    const http = serveEngineHttp({
      port: config.PORT,
      hostname: config.HOST,
      ready: () => engine.transport.isConnected(),
      log,
    });
    shutdown.defer("engine", async () => {
      await engine.close();
      await http.shutdown();
    });
    await startMediaSide(root, features, { actors: engine.client, transport: engine.transport });
    const url = `http://127.0.0.1:${http.addr.port}`;
    log.info("engine listening", { url, instanceId, partitions: config.PARTITIONS });
    return {
      url,
      port: http.addr.port,
      edgeId: instanceId,
      transport: engine.transport,
      actors: engine.client,
      close: () => shutdown.run(),
    };
  });
}
