/**
 * Wires a running Synapse Live process for a role:
 * - `all` (embedded): Deno KV state store + in-process engine hosting room actors + edge;
 * - `engine` / `edge`: the cluster roles (NATS transport), wired by `startBackend` below.
 * `startServer` is what `main.ts` runs and what tests start in-process.
 */
import { createLlmClient } from "../actors/ai/llm/client.ts";
import { bridgesCohostTypes } from "./wiring/bridges_cohost.ts";
import { DanmakuArchiveWriter } from "../actors/room/danmaku_archive.ts";
import { type RoomActorOptions, roomActorType } from "../actors/room/room_actor.ts";
import { segmentActorType } from "../actors/segment/segment_actor.ts";
import type { ActorType } from "../engine/actor.ts";
import type { Config } from "../engine/config.ts";
import { embeddedView, startEmbeddedEngine } from "../engine/embedded.ts";
import {
  type ClusterView,
  clusterView,
  connectClusterEdge,
  startClusterEngine,
} from "../engine/cluster.ts";
import { clusterRoutes, serveEngineHttp } from "./routes/cluster.ts";
import { M, registerActorGauges } from "../engine/metrics.ts";
import { partitionOf } from "../engine/partition.ts";
import { createLogger, type Logger } from "../engine/log.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import type { Transport } from "../engine/transport.ts";
import { sqlRoomSettings } from "./accounts/rooms_settings.ts";
import { type AccountsAndEconomy, openAccountsAndEconomy } from "./wiring/accounts.ts";
import { createApp } from "./app.ts";
import { SessionTokenResolver } from "./auth/identity.ts";
import { resolveAuthSecret } from "./auth/secret.ts";
import { Hs256Tokens } from "./auth/tokens.ts";
import { startDemo } from "./demo.ts";
import { type AnalysisActors, analysisActors, startAnalysis } from "./wiring/analysis.ts";
import type { AnalysisRouteDeps } from "./routes/analysis.ts";
import {
  createMedia,
  disabledMediaRoutes,
  LateRecordingPort,
  mediaAuth,
  type MediaStorage,
  openMediaStorage,
  roomHighlights,
  roomStreamNotifier,
} from "./wiring/media.ts";
import type { ReadinessProbe } from "./deps.ts";
import { Gateway } from "./gateway.ts";
import { IpLimits, ipLimitsFromConfig } from "./ip_limits.ts";
import { DEFAULT_EDGE_LIMITS, type EdgeLimits } from "./limits.ts";
import { type ActorAsker, RoomClient } from "../actors/room/client.ts";
import { RoomDirectory } from "./room_directory.ts";
import { probeSegment } from "../media/ffmpeg.ts";

export type Role = "all" | "engine" | "edge";

export interface StartServerOptions {
  role?: Role;
  /** Simulated viewers chatting in `lobby`. */
  demo?: boolean;
  log?: Logger;
  /** Overrides of the gateway limits (tests shrink them). */
  limits?: Partial<EdgeLimits>;
  /** Overrides of the room actor options (e.g. a gift ledger, test rate limits). */
  roomOptions?: Partial<RoomActorOptions>;
  /** Edge id for presence reports (default INSTANCE_ID or hostname-pid-random). */
  edgeId?: string;
  /**
   * Registered accounts, wallets and gifts on the relational store (Postgres with
   * DATABASE_URL, else PGlite under DATA_DIR). Default true; without it only guests chat
   * and gifts are refused with `gifts_unavailable`.
   */
  accounts?: boolean;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  edgeId: string;
  transport: Transport;
  /** Any actor, anywhere (tests ask rooms directly). */
  actors: ActorAsker;
  /** Graceful stop: sockets closed with 1001, actors passivated, store closed. */
  close(): Promise<void>;
}

/** The engine side as the edge sees it: how to reach actors, and what to close. */
interface Backend {
  transport: Transport;
  actors: ActorAsker;
  readiness: ReadinessProbe[];
  /** The admin cluster view (`GET /api/cluster`). */
  view(): Promise<ClusterView>;
  close(): Promise<void>;
}

/** The actor types this build hosts (SegmentActor when media storage is configured). */
function actorTypes(
  config: Config,
  opts: StartServerOptions & { media?: MediaStorage; analysis?: AnalysisActors },
) {
  // deno-lint-ignore no-explicit-any
  const types: ActorType<any, unknown, any>[] = [
    roomActorType({
      tickMs: config.ROOM_TICK_MS,
      idleMs: config.ACTOR_IDLE_MS,
      ...opts.roomOptions,
    }),
    ...bridgesCohostTypes(config, createLogger({ component: "bridges" }, config.LOG_LEVEL)),
  ];
  if (opts.media) {
    types.push(
      segmentActorType({
        ...opts.media,
        probe: probeSegment,
        afterIndex: opts.analysis?.afterIndex,
      }),
    );
    types.push(...(opts.analysis?.types ?? [])); // AI analysis of recordings (tips, summaries)
  }
  return types;
}

/**
 * Cluster roles (NATS_URL): `edge` reaches actors over NATS; `all` also runs an engine
 * instance that takes its share of the partitions (engine/cluster.ts).
 */
async function startClusterBackend(
  role: Role,
  config: Config,
  opts: StartServerOptions,
  log: Logger,
): Promise<Backend> {
  const instanceId = opts.edgeId ?? defaultEdgeId(config);
  if (role === "edge") {
    const edge = await connectClusterEdge({ config, instanceId, log });
    return {
      transport: edge.transport,
      actors: edge.client,
      readiness: [{ name: "nats", check: () => Promise.resolve(edge.transport.isConnected()) }],
      view: edge.view,
      close: edge.close,
    };
  }
  const engine = await startClusterEngine({
    config,
    role: "all",
    instanceId,
    types: actorTypes(config, opts),
    log: log.child({ component: "engine" }),
  });
  return {
    transport: engine.transport,
    actors: engine.client,
    readiness: [{ name: "nats", check: () => Promise.resolve(engine.transport.isConnected()) }],
    view: () => clusterView(engine.transport, engine.membership, engine.leases, config.PARTITIONS),
    close: engine.close,
  };
}

/** `--role engine`: actors and placement; HTTP only for `/metrics` `/healthz` `/readyz`. */
async function startEngineRole(
  config: Config,
  opts: StartServerOptions,
  instanceId: string,
  log: Logger,
): Promise<
  { url: string; port: number; transport: Transport; actors: ActorAsker; close(): Promise<void> }
> {
  const engine = await startClusterEngine({
    config,
    role: "engine",
    instanceId,
    types: actorTypes(config, opts),
    log,
  });
  const http = serveEngineHttp({
    port: config.PORT,
    hostname: config.HOST,
    ready: () => engine.transport.isConnected(),
    log,
  });
  const url = `http://127.0.0.1:${http.addr.port}`;
  log.info("engine listening", { url, instanceId, partitions: config.PARTITIONS });
  return {
    url,
    port: http.addr.port,
    transport: engine.transport,
    actors: engine.client,
    async close() {
      await engine.close();
      await http.shutdown();
    },
  };
}

async function startBackend(
  role: Role,
  config: Config,
  opts: StartServerOptions,
  log: Logger,
): Promise<Backend> {
  if (role !== "all" || config.NATS_URL) return await startClusterBackend(role, config, opts, log);
  const store = await DenoKvStateStore.open(config.DENO_KV_PATH ?? `${config.DATA_DIR}/state.kv`);
  try {
    const engine = await startEmbeddedEngine({
      store,
      partitions: config.PARTITIONS,
      idleMs: config.ACTOR_IDLE_MS,
      log: log.child({ component: "engine" }),
      types: actorTypes(config, opts),
    });
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
      async close() {
        await engine.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

function defaultEdgeId(config: Config): string {
  if (config.INSTANCE_ID) return config.INSTANCE_ID;
  const suffix = crypto.getRandomValues(new Uint8Array(3)).toHex();
  return `${Deno.hostname()}-${Deno.pid}-${suffix}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
}

export async function startServer(
  config: Config,
  opts: StartServerOptions = {},
): Promise<RunningServer> {
  const role = opts.role ?? "all";
  const edgeId = opts.edgeId ?? defaultEdgeId(config);
  const log = opts.log ?? createLogger({ service: "synapse-live", role, edgeId }, config.LOG_LEVEL);
  const cleanups: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        log.error("shutdown step failed", { err });
      }
    }
  };

  try {
    const secret = await resolveAuthSecret({
      configured: config.AUTH_SECRET,
      dataDir: config.DATA_DIR,
      allowGenerated: role === "all",
      log,
    });
    const tokens = await Hs256Tokens.create(secret);
    let relational: AccountsAndEconomy | undefined;
    if (opts.accounts ?? true) {
      relational = await openAccountsAndEconomy({ config, tokens, log });
      cleanups.push(() => relational!.close()); // runs after the engine has stopped
    }
    // Every published danmaku into Postgres for VOD replay and analysis (written off the
    // room's path; closed after the engine's last flush, before the database).
    const archive = relational &&
      new DanmakuArchiveWriter(relational.store, { log: log.child({ component: "archive" }) });
    if (archive) cleanups.push(() => archive.close());
    // Media (LiveKit, recording, VOD): embedded, whatever is not configured runs here
    // (MEDIA=auto); else off with a log line unless S3_* is configured.
    const embedded = role === "all" && !config.NATS_URL;
    const mediaStorage = relational &&
      await openMediaStorage({ config, sql: relational.store, log, embedded });
    const recordingPort = new LateRecordingPort();
    const analysisStorage = mediaStorage && { ...mediaStorage, sql: relational!.store };
    // One LLM client per process, shared by every room and the analysis actors (one
    // breaker, one token account); null: local heuristics only.
    const llm = createLlmClient(config, log.child({ component: "llm" }));
    const analysis = analysisStorage && analysisActors(config, analysisStorage, log, llm);
    if (analysis) cleanups.push(() => analysis.models.close());
    let analysisRoutes: AnalysisRouteDeps | undefined;
    const backendOpts = {
      ...opts,
      media: mediaStorage,
      analysis,
      roomOptions: {
        giftLedger: relational?.ledger,
        settings: relational && sqlRoomSettings(relational.store),
        recording: mediaStorage && recordingPort,
        archive,
        ...opts.roomOptions,
        ai: opts.roomOptions?.ai === false ? false as const : {
          llm,
          topicsEveryMs: config.ROOM_TOPICS_EVERY_MS,
          ...opts.roomOptions?.ai,
        },
      },
    };
    const identity = relational?.accounts.resolver ?? new SessionTokenResolver(tokens);
    const startMedia = (actors: ActorAsker, transport: Transport) => {
      const media = mediaStorage && createMedia({
        config,
        storage: mediaStorage,
        sql: relational!.store,
        actors,
        log,
        auth: mediaAuth(identity, relational?.store),
        notifyRoom: roomStreamNotifier({ actors, accountsDb: relational?.store, log }),
        highlights: roomHighlights(actors),
        transport,
        roomDrivesRecording: true,
      });
      recordingPort.bind(media);
      const live = media && analysisStorage && startAnalysis({
        config,
        storage: analysisStorage,
        events: media.service.events,
        audio: media.service.manager?.audio,
        actors,
        auth: media.routes.auth,
        log,
      });
      if (live) cleanups.push(() => live.close());
      analysisRoutes = live?.routes;
      if (media) cleanups.push(() => media.close()); // runs before the engine closes
      return media;
    };
    if (role === "engine") {
      const engine = await startEngineRole(config, backendOpts, edgeId, log);
      cleanups.push(() => engine.close());
      startMedia(engine.actors, engine.transport);
      return { ...engine, edgeId, close: closeAll };
    }
    const backend = await startBackend(role, config, backendOpts, log);
    cleanups.push(() => backend.close());
    const media = startMedia(backend.actors, backend.transport);
    const rooms = new RoomClient(backend.actors);
    const limits = { ...DEFAULT_EDGE_LIMITS, ...opts.limits };
    const directory = new RoomDirectory(backend.transport, log);
    cleanups.push(() => directory.close());
    const gateway = new Gateway({
      edgeId,
      transport: backend.transport,
      rooms,
      identity,
      limits,
      log,
    });
    // Prometheus: viewers held by this edge (engine/metrics.ts; the dashboard sums edges).
    M.viewers.collect(() => [{ value: gateway.stats().sockets }]);
    const app = await createApp({
      config,
      log,
      edgeId,
      transport: backend.transport,
      actors: backend.actors,
      rooms,
      tokens,
      identity,
      directory,
      gateway,
      ipLimits: new IpLimits(ipLimitsFromConfig(config)),
      readiness: [
        ...backend.readiness,
        ...(relational
          ? [{
            name: "database",
            check: async () => (await relational!.store.query("select 1"), true),
          }]
          : []),
        ...(media?.readiness ?? []),
      ],
      accounts: relational?.accounts,
      economy: relational?.economy,
      media: media?.routes ?? disabledMediaRoutes(log, mediaAuth(identity, relational?.store)),
      analysis: analysisRoutes,
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
    // Cleanups run in reverse: sockets closed (1001) first, then the listener drains.
    cleanups.push(async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([http.shutdown(), new Promise((r) => timer = setTimeout(r, 3_000))]);
      clearTimeout(timer);
    });
    cleanups.push(() => gateway.close());

    if (opts.demo) {
      const demo = startDemo(rooms, log.child({ component: "demo" }));
      cleanups.push(() => demo.stop());
    }

    const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST;
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${http.addr.port}`;
    log.info("listening", { url, role, edgeId, transport: backend.transport.kind });
    media?.launch(url); // the embedded media servers post their webhooks to this URL
    return {
      url,
      port: http.addr.port,
      edgeId,
      transport: backend.transport,
      actors: backend.actors,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
