/**
 * The edge's half of a process (roles `all` and `edge`): the room directory, the WebSocket
 * gateway, the Hono app with every router, the cluster routes, the listener and, with
 * `--demo`, simulated viewers. Its close steps stop the demo, then the sockets (1001),
 * then the listener, then the directory.
 */
import { RoomClient } from "../../actors/room/client.ts";
import type { ClusterView } from "../../engine/cluster_view.ts";
import { EDGE_METRICS } from "../metrics.ts";
import type { Transport } from "../../engine/transport.ts";
import { createApp } from "../app.ts";
import type { ReadinessProbe } from "../deps.ts";
import { Gateway } from "../gateway.ts";
import { IpLimits, ipLimitsFromConfig } from "../ip_limits.ts";
import { DEFAULT_EDGE_LIMITS } from "../limits.ts";
import { RoomDirectory } from "../room_directory.ts";
import { clusterRoutes } from "../routes/cluster.ts";
import type { ActorAsker } from "../../actors/room/client.ts";
import type { Features, MediaSide } from "./features.ts";
import { disabledMediaRoutes, mediaAuth } from "./media_ports.ts";
import type { Root, RunningServer } from "./options.ts";

/** The engine side as the edge sees it: how to reach actors, and what the admin view shows. */
export interface Backend {
  transport: Transport;
  actors: ActorAsker;
  readiness: ReadinessProbe[];
  /** The admin cluster view (`GET /api/cluster`). */
  view(): Promise<ClusterView>;
}

export async function serveEdge(
  root: Root,
  features: Features,
  mediaSide: MediaSide,
  backend: Backend,
): Promise<Omit<RunningServer, "close">> {
  const { config, id: edgeId, options, log, shutdown } = root;
  const { relational, identity } = features;
  const rooms = new RoomClient(backend.actors);
  const directory = new RoomDirectory(backend.transport, log);
  shutdown.defer("room directory", () => directory.close());
  const gateway = new Gateway({
    edgeId,
    transport: backend.transport,
    rooms,
    identity,
    limits: {
      ...DEFAULT_EDGE_LIMITS,
      displayBudgetPerSecond: config.EDGE_DISPLAY_BUDGET,
      ...options.limits,
    },
    log,
  });
  // Prometheus: viewers held by this edge (the dashboard sums edges).
  EDGE_METRICS.viewers.collect(() => [{ value: gateway.stats().sockets }]);
  const app = await createApp({
    config,
    log,
    edgeId,
    transport: backend.transport,
    actors: backend.actors,
    rooms,
    tokens: features.tokens,
    identity,
    directory,
    gateway,
    ipLimits: new IpLimits(ipLimitsFromConfig(config)),
    readiness: [
      ...backend.readiness,
      ...(relational
        ? [{
          name: "database",
          check: async () => (await relational.store.query("select 1"), true),
        }]
        : []),
      ...(mediaSide.media?.readiness ?? []),
    ],
    accounts: relational?.accounts,
    economy: relational?.economy,
    media: mediaSide.media?.routes ??
      disabledMediaRoutes(log, mediaAuth(identity, relational?.store)),
    analysis: mediaSide.analysisRoutes,
    speech: features.analysis?.models,
    webhooks: features.webhooks?.routes,
    notifications: features.notifications?.routes,
  });
  app.route(
    "/",
    await clusterRoutes({
      view: backend.view,
      rolesOf: async (token) => (await identity.resolve(token)).roles,
    }),
  );

  const http = Deno.serve(
    { port: config.PORT, hostname: config.HOST, onListen: () => {} },
    app.fetch,
  );
  // Close steps run in reverse: sockets closed (1001) first, then the listener drains.
  shutdown.defer("http listener", async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([http.shutdown(), new Promise((r) => timer = setTimeout(r, 3_000))]);
    clearTimeout(timer);
  });
  shutdown.defer("gateway", () => gateway.close());

  if (options.demo) {
    const { startDemo } = await import("../demo.ts"); // only with --demo
    const demo = startDemo(rooms, log.child({ component: "demo" }));
    shutdown.defer("demo", () => demo.stop());
  }

  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${http.addr.port}`;
  return {
    url,
    port: http.addr.port,
    edgeId,
    transport: backend.transport,
    actors: backend.actors,
    routes: app.routes.map((r) => ({ method: r.method, path: r.path })),
  };
}
