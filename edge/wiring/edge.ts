/**
 * The `edge` process (`--role edge`, cluster only): holds viewers' sockets, hosts no actors.
 *
 * Builds, in order:
 *   1. features (features.ts): tokens, accounts and economy, archive, media storage, the
 *      LLM client (no actor types: an edge hosts none);
 *   2. the cluster edge: a NATS transport and a traced actor client;
 *   3. the media side: LiveKit webhooks, recording control, VOD, live captions;
 *   4. the edge (edge_http.ts): directory, gateway, routers, listener.
 * Stops in reverse: sockets (1001), listener, directory, media, live analysis, NATS, analysis
 * models, archive, database.
 */
import { connectClusterEdge } from "../../engine/cluster_edge.ts";
import { serveEdge } from "./edge_http.ts";
import { openFeatures, startMediaSide } from "./features.ts";
import type { Root, RunningServer } from "./options.ts";
import { startOrUnwind } from "./shutdown.ts";

export function startEdge(root: Root): Promise<RunningServer> {
  const { config, id: edgeId, log, shutdown } = root;
  return startOrUnwind(shutdown, async () => {
    const features = await openFeatures(root);
    const cluster = await connectClusterEdge({ config, instanceId: edgeId, log });
    shutdown.defer("nats", () => cluster.close());
    const backend = {
      transport: cluster.transport,
      actors: cluster.client,
      readiness: [{ name: "nats", check: () => Promise.resolve(cluster.transport.isConnected()) }],
      view: cluster.view,
    };
    const mediaSide = await startMediaSide(root, features, backend);
    const edge = await serveEdge(root, features, mediaSide, backend);
    log.info("listening", {
      url: edge.url,
      role: "edge",
      edgeId,
      transport: backend.transport.kind,
    });
    mediaSide.media?.launch(edge.url); // embedded media servers post webhooks to this URL
    return { ...edge, close: () => shutdown.run() };
  });
}
