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
import type { RoomActorOptions } from "../../actors/room/room_actor.ts";
import { StatsArchiveWriter } from "../../actors/room/stats_archive.ts";
import { MeetingArchive } from "../../actors/room/meeting_archive.ts";
import type { Transport } from "../../engine/transport.ts";
import { sqlRoomSettings } from "../accounts/rooms_settings.ts";
import { type IdentityResolver, SessionTokenResolver } from "../auth/identity.ts";
import { resolveAuthSecret } from "../auth/secret.ts";
import { Hs256Tokens } from "../auth/tokens.ts";
import type { AnalysisRouteDeps } from "../routes/analysis.ts";
import { type AccountsAndEconomy, openAccountsAndEconomy } from "./accounts.ts";
import type { AnalysisActors } from "./analysis.ts";
import type { Media } from "./media.ts";
import { LateRecordingPort, mediaAuth } from "./media_ports.ts";
import { type MediaStorage, openMediaStorage } from "./media_storage.ts";
import type { Root } from "./options.ts";
import { batchPorts, roomEventsToWebhooks } from "../../actors/webhooks/room_events.ts";
import { openWebhooks, publishRecordingsReady, type Webhooks } from "./webhooks.ts";
import { type Notifications, openNotifications } from "./notifications.ts";

/** What a process has built before its engine or edge starts. */
export interface Features {
  tokens: Hs256Tokens;
  identity: IdentityResolver;
  /** Accounts, wallets, gifts (absent with `accounts: false`). */
  relational?: AccountsAndEconomy;
  /** S3 and the recording index (absent unless S3 is configured). */
  mediaStorage?: MediaStorage;
  /** The shared LLM client (null: local heuristics only). */
  llm: LlmClient | null;
  /** The rooms' ports filled from these features (hosted_actors.ts builds the room type). */
  roomOptions: Partial<RoomActorOptions>;
  recordingPort: LateRecordingPort;
  analysis?: AnalysisActors;
  /** Outbound webhooks: outbox, worker, routes (with the relational store). */
  webhooks?: Webhooks;
  /** Notifications: inbox, preferences, push and e-mail (with the relational store). */
  notifications?: Notifications;
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
  // The rooms' stats per minute, so the dashboard's charts outlive a room's activation.
  const statsArchive = relational &&
    new StatsArchiveWriter(relational.store, { log: log.child({ component: "room-stats" }) });
  if (statsArchive) shutdown.defer("room stats", () => statsArchive.close());
  // Every ended meeting (attendance, summary): a meeting room keeps only its last one.
  const meetingArchive = relational &&
    new MeetingArchive(relational.store, { log: log.child({ component: "meetings" }) });
  if (meetingArchive) shutdown.defer("meeting history", () => meetingArchive.close());
  // Integration events into the webhooks' outbox, written beside the rooms' path.
  const webhooks = relational && await openWebhooks(root, relational);
  if (relational && webhooks) relational.economy.outbound = webhooks.outbox;
  // Notifications: jobs made from the same events (a trigger on the outbox's event log).
  const notifications = relational && await openNotifications(root, relational, secret);
  if (webhooks && notifications) webhooks.outbox.onWritten = () => notifications.nudge();
  // Media (LiveKit, recording, VOD): embedded, whatever is not configured runs here
  // (MEDIA=auto); else off with a log line unless S3_* is configured.
  const embedded = role === "all" && !config.NATS_URL;
  const mediaStorage = relational &&
    await openMediaStorage({ config, sql: relational.store, log, embedded });
  const recordingPort = new LateRecordingPort();
  // One LLM client per process, shared by every room and the analysis actors (one
  // breaker, one token account); null: local heuristics only.
  const llm = createLlmClient(config, log.child({ component: "llm" }));
  // The analysis actors and their models load only where media storage is configured.
  const analysis = mediaStorage &&
    (await import("./analysis.ts")).analysisActors(
      config,
      { ...mediaStorage, sql: relational!.store },
      log,
      llm,
      webhooks?.outbox,
    );
  if (analysis) shutdown.defer("analysis models", () => analysis.models.close());
  const roomOptions: Partial<RoomActorOptions> = {
    giftLedger: relational?.ledger,
    settings: relational && sqlRoomSettings(relational.store),
    recording: mediaStorage && recordingPort,
    archive: batchPorts(
      archive,
      statsArchive,
      meetingArchive,
      webhooks && roomEventsToWebhooks(webhooks.outbox),
    ),
    ...opts.roomOptions,
  };
  return {
    tokens,
    identity: relational?.accounts.resolver ?? new SessionTokenResolver(tokens),
    relational,
    mediaStorage,
    recordingPort,
    analysis,
    webhooks,
    llm,
    roomOptions,
    notifications,
  };
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
export async function startMediaSide(
  { config, log, shutdown, options }: Root,
  features: Features,
  { actors, transport }: { actors: ActorAsker; transport: Transport },
): Promise<MediaSide> {
  const { mediaStorage, relational, identity, analysis, webhooks } = features;
  if (!mediaStorage || !relational || !analysis) return {};
  // The media service's modules (recorder, LiveKit APIs, captions) load only with media on.
  const { createMedia, roomHighlights, roomStreamNotifier } = await import("./media.ts");
  const { startAnalysis } = await import("./analysis.ts");
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
    urlResolver: options.urlResolver,
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
    video: media.service.manager?.video,
    actors,
    auth: media.routes.auth,
    log,
    models: analysis.models,
  });
  shutdown.defer("live analysis", () => live.close());
  shutdown.defer("media", () => media.close());
  return { media, analysisRoutes: live.routes };
}
