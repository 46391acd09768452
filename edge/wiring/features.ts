/**
 * The application's parts as every process role builds them, in one order: sign-in tokens,
 * accounts and economy on the relational store, the danmaku archive, media storage, the
 * LLM client, the analysis actors; then, once a role has a way to reach actors, the media
 * side (recorder, webhooks, reconciliation, VOD) and live analysis. The role roots
 * (all.ts, engine.ts, edge.ts) call these steps; each step registers its own close.
 */
import { createLlmClient, type LlmClient } from "../../actors/ai/llm/client.ts";
import type { ActorAsker } from "../../actors/room/client.ts";
import { DanmakuArchiveWriter } from "../../actors/room/danmaku_archive.ts";
import { type RoomActorOptions, roomActorType } from "../../actors/room/room_actor.ts";
import { segmentActorType } from "../../actors/segment/segment_actor.ts";
import { pkActorType } from "../../actors/pk/pk_actor.ts";
import { SqlPkStore } from "../../actors/pk/sql_store.ts";
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import type { ActorType } from "../../engine/actor.ts";
import type { Config } from "./config.ts";
import type { Logger } from "../../engine/log.ts";
import type { Transport } from "../../engine/transport.ts";
import { probeSegment } from "../../media/ffmpeg.ts";
import { sqlRoomSettings } from "../accounts/rooms_settings.ts";
import { type IdentityResolver, SessionTokenResolver } from "../auth/identity.ts";
import { resolveAuthSecret } from "../auth/secret.ts";
import { Hs256Tokens } from "../auth/tokens.ts";
import type { AnalysisRouteDeps } from "../routes/analysis.ts";
import { type AccountsAndEconomy, openAccountsAndEconomy } from "./accounts.ts";
import { type AnalysisActors, analysisActors, startAnalysis } from "./analysis.ts";
import { bridgesCohostTypes } from "./bridges_cohost.ts";
import {
  createMedia,
  LateRecordingPort,
  type Media,
  mediaAuth,
  type MediaStorage,
  openMediaStorage,
  roomHighlights,
  roomStreamNotifier,
} from "./media.ts";
import type { Root } from "./options.ts";
import { bothBatchPorts, roomEventsToWebhooks } from "../../actors/webhooks/room_events.ts";
import { openWebhooks, publishRecordingsReady, type Webhooks } from "./webhooks.ts";

/** What a process has built before its engine or edge starts. */
export interface Features {
  tokens: Hs256Tokens;
  identity: IdentityResolver;
  /** Accounts, wallets, gifts (absent with `accounts: false`). */
  relational?: AccountsAndEconomy;
  /** S3 and the recording index (absent unless S3 is configured). */
  mediaStorage?: MediaStorage;
  /** The actor types this process hosts when it runs an engine. */
  // deno-lint-ignore no-explicit-any
  actorTypes(): ActorType<any, unknown, any>[];
  recordingPort: LateRecordingPort;
  analysis?: AnalysisActors;
  /** Outbound webhooks: outbox, worker, routes (with the relational store). */
  webhooks?: Webhooks;
}

/** The steps every role takes before it can reach actors. */
export async function openFeatures(root: Root): Promise<Features> {
  const { role, config, options: opts, log, shutdown } = root;
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
    shutdown.defer("database", () => relational!.close()); // after the engine has stopped
  }
  // Every published danmaku into Postgres for VOD replay and analysis (written off the
  // room's path; closed after the engine's last flush, before the database).
  const archive = relational &&
    new DanmakuArchiveWriter(relational.store, { log: log.child({ component: "archive" }) });
  if (archive) shutdown.defer("danmaku archive", () => archive.close());
  // Integration events into the webhooks' outbox, written beside the rooms' path.
  const webhooks = relational && openWebhooks(root, relational);
  if (relational && webhooks) relational.economy.outbound = webhooks.outbox;
  // Media (LiveKit, recording, VOD): embedded, whatever is not configured runs here
  // (MEDIA=auto); else off with a log line unless S3_* is configured.
  const embedded = role === "all" && !config.NATS_URL;
  const mediaStorage = relational &&
    await openMediaStorage({ config, sql: relational.store, log, embedded });
  const recordingPort = new LateRecordingPort();
  // One LLM client per process, shared by every room and the analysis actors (one
  // breaker, one token account); null: local heuristics only.
  const llm = createLlmClient(config, log.child({ component: "llm" }));
  const analysis = mediaStorage &&
    analysisActors(config, { ...mediaStorage, sql: relational!.store }, log, llm, webhooks?.outbox);
  if (analysis) shutdown.defer("analysis models", () => analysis.models.close());
  const roomOptions: Partial<RoomActorOptions> = {
    giftLedger: relational?.ledger,
    settings: relational && sqlRoomSettings(relational.store),
    recording: mediaStorage && recordingPort,
    archive: bothBatchPorts(archive, webhooks && roomEventsToWebhooks(webhooks.outbox)),
    ...opts.roomOptions,
    ai: roomAi(config, llm, opts.roomOptions?.ai),
  };
  return {
    tokens,
    identity: relational?.accounts.resolver ?? new SessionTokenResolver(tokens),
    relational,
    mediaStorage,
    recordingPort,
    analysis,
    webhooks,
    actorTypes: () => [
      ...actorTypes(config, roomOptions, mediaStorage, analysis, log),
      // PK battles read the rooms' gift ledgers and record results: with the relational store
      ...(relational ? [pkActorType(pkStore(relational.store))] : []),
    ],
  };
}

/** The PK coordinator's ledger reader and result recorder on the relational store. */
function pkStore(sql: SqlExecutor) {
  const store = new SqlPkStore(sql);
  return { ledger: store, recorder: store };
}

/** The room's AI: off when a test says `false`, else the shared LLM with the topic cadence. */
function roomAi(
  config: Config,
  llm: LlmClient | null,
  override: RoomActorOptions["ai"] | undefined,
): RoomActorOptions["ai"] {
  if (override === false) return false;
  return { llm, topicsEveryMs: config.ROOM_TOPICS_EVERY_MS, ...override };
}

/**
 * Rooms, bridges and the co-host always; SegmentActor and the analysis actors when media
 * storage is configured.
 */
function actorTypes(
  config: Config,
  roomOptions: Partial<RoomActorOptions>,
  media: MediaStorage | undefined,
  analysis: AnalysisActors | undefined,
  log: Logger,
) {
  // deno-lint-ignore no-explicit-any
  const types: ActorType<any, unknown, any>[] = [
    roomActorType({
      tickMs: config.ROOM_TICK_MS,
      tickMaxMs: config.ROOM_TICK_MAX_MS,
      framesPerSecond: config.ROOM_FRAMES_PER_SEC,
      idleMs: config.ACTOR_IDLE_MS,
      stage: { maxGuests: config.STAGE_MAX_GUESTS, graceMs: config.STAGE_DISCONNECT_GRACE_MS },
      ...roomOptions,
    }),
    ...bridgesCohostTypes(config, log.child({ component: "bridges" })),
  ];
  if (media) {
    types.push(
      segmentActorType({ ...media, probe: probeSegment, afterIndex: analysis?.afterIndex }),
    );
    types.push(...(analysis?.types ?? [])); // AI analysis of recordings (tips, summaries)
  }
  return types;
}

/** What the media side gives the edge's routes. */
export interface MediaSide {
  media?: Media;
  analysisRoutes?: AnalysisRouteDeps;
}

/**
 * Once actors are reachable: the media service (recorder or egress, webhooks, reconciliation,
 * VOD), bound to the rooms' recording port, and live captions with the analysis routes.
 * Both close before the engine does.
 */
export function startMediaSide(
  { config, log, shutdown }: Root,
  features: Features,
  { actors, transport }: { actors: ActorAsker; transport: Transport },
): MediaSide {
  const { mediaStorage, relational, identity, analysis, webhooks } = features;
  if (!mediaStorage || !relational || !analysis) return {};
  const media = createMedia({
    config,
    storage: mediaStorage,
    sql: relational.store,
    actors,
    log,
    auth: mediaAuth(identity, relational.store),
    notifyRoom: roomStreamNotifier({ actors, accountsDb: relational.store, log }),
    highlights: roomHighlights(actors),
    transport,
    roomDrivesRecording: true,
    outbound: webhooks?.outbox,
  });
  if (webhooks) {
    const off = publishRecordingsReady(media.service.events, webhooks.outbox);
    shutdown.defer("recording events to webhooks", () => off());
  }
  features.recordingPort.bind(media);
  const live = startAnalysis({
    config,
    storage: { ...mediaStorage, sql: relational.store },
    events: media.service.events,
    audio: media.service.manager?.audio,
    actors,
    auth: media.routes.auth,
    log,
    models: analysis.models,
  });
  shutdown.defer("live analysis", () => live.close());
  shutdown.defer("media", () => media.close());
  return { media, analysisRoutes: live.routes };
}
