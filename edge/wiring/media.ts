/**
 * Wiring media into a process, in calls around the engine's start:
 *
 *   const storage = await openMediaStorage({ config, sql, log, embedded });  // media_storage.ts
 *   if (storage) types.push(segmentActorType(storage));             // SegmentActor, before the engine
 *   const media = storage && createMedia({ config, storage, sql, actors, log, auth });
 *   if (media) app.route("/", mediaRoutes(media.routes));
 *   media?.launch(url);                                             // once the edge listens
 *   await media?.close();                                           // on shutdown, before the engine
 *
 * `MEDIA=auto` in embedded mode (the default) runs here what is not configured: with no
 * S3_* the recordings go to the local disk (DATA_DIR/objects, signed `/media/objects/` URLs),
 * with no LIVEKIT_URL livekit-server, Redis and LiveKit's ingress run as supervised child
 * processes (media/local/local_media.ts). `MEDIA=external` uses only what is configured,
 * `MEDIA=off` nothing.
 *
 * Room actors drive recording (`roomDrivesRecording`): a verified webhook becomes a `stream`
 * command (`roomStreamNotifier`), the room goes live and asks its `RoomRecordingPort`
 * (`LateRecordingPort`, bound to the media service once the engine runs) to record; each
 * highlight the room publishes while recorded is cut into a clip (`clipHighlights`).
 *
 * Recording uses LiveKit egress when RECORDING_VIA_EGRESS is set, else the in-process
 * recorder agent (embedded mode). Without LiveKit, URL recordings and VOD still work.
 */
import type { OutboundEventSink } from "../../actors/webhooks/events.ts";
import { RoomClient } from "../../actors/room/client.ts";
import type { SqlStore } from "../../engine/sql/sql.ts";
import { streamStateCommand } from "../../media/livekit/stream_state.ts";
import { clipHighlights, type HighlightClipper } from "../../media/recorder/highlight_clips.ts";
import { endStream, startStream } from "../accounts/rooms.ts";
import { identityToActor } from "../auth/identity.ts";
import type { Config } from "./config.ts";
import type { MediaStorage } from "./media_storage.ts";
import type { Logger } from "../../engine/log.ts";
import type { Transport } from "../../engine/transport.ts";
import { banEnforcement } from "../../media/livekit/ban_enforcer.ts";
import { watchRoomEvents } from "../../media/livekit/room_events.ts";
import { stageEnforcement } from "../../media/livekit/stage_enforcer.ts";
import type { MediaAuth, MediaRouteDeps } from "../routes/media.ts";
import { meetingEnforcement } from "../../media/livekit/meeting_enforcer.ts";
import { SqlReplayGuard } from "../../media/index/sql_replay_guard.ts";
import { LivekitEgressStarter } from "../../media/livekit/egress.ts";
import { LivekitServerApi } from "../../media/livekit/server_api.ts";
import { RecordingReconciler } from "../../media/livekit/reconcile.ts";
import { livekitSettingsFromConfig } from "../../media/livekit/settings.ts";
import { LivekitWebhookVerifier, type StreamEvent } from "../../media/livekit/webhooks.ts";
import { type ActorAsk, MediaService } from "../../media/media_service.ts";
import { RecordingManager } from "../../media/recorder/manager.ts";
import { urlResolvers } from "../../media/platforms/platforms.ts";
import type { StreamUrlResolver } from "../../media/recorder/url_source.ts";
import { LocalMedia } from "../../media/local/local_media.ts";
import { reportPieces } from "../../media/local/piece_metrics.ts";
import { VodService } from "../../media/vod.ts";
import type { WallSpan } from "../../actors/recording/timeline.ts";
import { DanmakuArchiveReader } from "../../actors/room/danmaku_archive.ts";
import { RecordingPlans } from "../../actors/recording/recording_plans.ts";
import { WindowCutter } from "../../media/recorder/windows.ts";
import { createRoom, getRoom } from "../accounts/rooms.ts";
import { MediaError } from "../../media/errors.ts";
import { outsideRoomId } from "../routes/media.ts";
import { LINKS_ACTOR_TYPE } from "../../actors/bridges/address.ts";

export interface Media {
  service: MediaService;
  routes: MediaRouteDeps;
  /** LiveKit server API (ingress, removing a banned participant), when configured. */
  livekit?: LivekitServerApi;
  /** The embedded media servers, when they run here. */
  servers?: LocalMedia;
  /** `/readyz` checks: one per embedded media server that can run here. */
  readiness: { name: string; check(): Promise<boolean> }[];
  /** Once the edge listens on `origin`: start the embedded media servers, bind local URLs. */
  launch(origin: string): void;
  close(): Promise<void>;
}

export function createMedia(opts: {
  config: Config;
  storage: MediaStorage;
  sql: SqlStore;
  actors: ActorAsk;
  log: Logger;
  auth: MediaAuth;
  /** Forward stream events to the room actor (see media/livekit/stream_state.ts). */
  notifyRoom?: (event: StreamEvent) => Promise<void>;
  /** Integration events of the media side (`recording.ready`, `clip.ready`). */
  outbound?: OutboundEventSink;
  highlights?: (roomId: string) => Promise<WallSpan[]>;
  /**
   * Room bans seen on `rooms.out.*` remove the user from the SFU (with LiveKit), stage
   * changes grant or take guests' publish rights there, and
   * highlights of recorded rooms are cut into clips.
   */
  transport?: Transport;
  /** Room actors start/stop recordings (through `LateRecordingPort`); no auto-recording here. */
  roomDrivesRecording?: boolean;
  /** Tests only: the URL resolver (see StartServerOptions.urlResolver). */
  urlResolver?: StreamUrlResolver;
}): Media {
  const { config, storage, log } = opts;
  const mediaLog = log.child({ component: "media" });
  const servers = storage.servers;
  const settings = livekitSettingsFromConfig(config) ??
    (servers?.live ? servers.settings : undefined);
  if (!settings) mediaLog.info("LiveKit not configured: live streaming and room recording are off");
  const viaEgress = settings !== undefined && config.RECORDING_VIA_EGRESS &&
    storage.s3 !== undefined;
  const manager = new RecordingManager({
    store: storage.objects,
    livekit: settings,
    workRoot: `${config.DATA_DIR}/recordings`,
    segmentSeconds: config.RECORDING_SEGMENT_SECONDS,
    maxConcurrent: config.RECORDING_MAX_CONCURRENT,
    videoSampleMs: config.LIVE_FRAME_SAMPLE_MS,
    limits: {
      minFreeDiskBytes: config.RECORDING_MIN_FREE_DISK_MB * 1024 * 1024,
      bucketQuotaBytes: config.RECORDING_BUCKET_QUOTA_MB > 0
        ? config.RECORDING_BUCKET_QUOTA_MB * 1024 * 1024
        : undefined,
    },
    // platform live pages (Douyin, Bilibili) first, then direct .m3u8/.flv URLs
    resolver: opts.urlResolver ?? urlResolvers(config).chain,
    log: mediaLog.child({ part: "recorder" }),
    stageOf: (roomId) =>
      new RoomClient(opts.actors).info(roomId).then((info) =>
        info.stage && {
          layout: info.stage.layout,
          guests: info.stage.guests.map((g) => g.userId),
        }
      ),
  });
  const egress = viaEgress ? new LivekitEgressStarter(settings, storage.s3!) : undefined;
  const service = new MediaService({
    objects: storage.objects,
    index: storage.index,
    actors: opts.actors,
    log: mediaLog,
    manager,
    egressStarter: egress,
    egressSegmentSeconds: config.RECORDING_SEGMENT_SECONDS,
    autoRecord: !opts.roomDrivesRecording,
    instanceId: config.INSTANCE_ID,
  });
  const api = settings
    ? new LivekitServerApi(settings, mediaLog, { simulcast: config.INGRESS_SIMULCAST })
    : undefined;
  // After a restart: resume the recordings of rooms still live, put the others offline.
  const reconciler = config.RECORDING_RECONCILE_MS > 0 && opts.roomDrivesRecording
    ? new RecordingReconciler({
      service,
      index: storage.index,
      actors: opts.actors,
      livekit: api,
      egress,
      log: mediaLog.child({ part: "reconcile" }),
      everyMs: config.RECORDING_RECONCILE_MS,
      stableInstance: config.INSTANCE_ID !== undefined,
      believedLive: () =>
        opts.sql.query<{ id: string }>(
          "SELECT id FROM rooms WHERE live_stream_id IS NOT NULL ORDER BY id LIMIT 500",
        ).then((rows) => rows.map((r) => r.id)),
      onOffline: (roomId) =>
        endStream(opts.sql, roomId).then(() => {}, (err) => {
          if ((err as { code?: unknown }).code !== "unknown_room") throw err;
        }),
    })
    : undefined;
  reconciler?.start();
  // A crashed livekit-server came back: the rooms live on it are checked again (their
  // streamers reconnect within seconds; the recorder's source is gone and resumes).
  servers?.onLivekitRestart(() => {
    setTimeout(() => void reconciler?.pass().catch(() => {}), 3_000);
  });
  const unreport = servers && reportPieces(servers);
  // One watcher decodes each room batch once for both enforcers (one queue group).
  const enforcers = api && opts.transport
    ? watchRoomEvents(opts.transport, "media-enforcers", {
      moderation: banEnforcement(api, mediaLog),
      stage: stageEnforcement(api, mediaLog),
      meeting: meetingEnforcement(api, mediaLog),
    })
    : undefined;
  const vod = new VodService(storage.index, storage.objects);
  const clipper: HighlightClipper | undefined = opts.transport && clipHighlights({
    transport: opts.transport,
    index: storage.index,
    vod,
    log: mediaLog.child({ part: "clips" }),
    onClip: opts.outbound && ((roomId, clip) =>
      opts.outbound!.publish({
        type: "clip.ready",
        key: clip.id,
        roomId,
        at: Date.now(),
        data: { roomId, recordingId: clip.recordingId, clip },
      })),
  });
  // Windowed recordings (the Douyin document's API): each window one MP4 and one analysis.
  const plans = new RecordingPlans(opts.sql);
  const windows = new WindowCutter({
    events: service.events,
    objects: storage.objects,
    plans,
    log: mediaLog.child({ part: "windows" }),
    timeZone: config.RECORDING_NAME_TZ,
  });
  const routes: MediaRouteDeps = {
    plans,
    windows,
    objects: storage.objects,
    nameTimeZone: config.RECORDING_NAME_TZ,
    // Its platform's chat into that room: Bilibili rooms directly (Douyin needs a relay URL).
    linkChat: async (roomId, platform, platformRoomId) => {
      if (platform !== "bilibili" || !/^\d{1,13}$/.test(platformRoomId)) return "unsupported";
      const { links } = await opts.actors.ask<{ links: { platform: string }[] }>(
        LINKS_ACTOR_TYPE,
        roomId,
        { kind: "list" },
      );
      if (links.some((l) => l.platform === "bilibili")) return "already_linked";
      await opts.actors.ask(LINKS_ACTOR_TYPE, roomId, {
        kind: "link",
        request: { platform: "bilibili", roomId: Number(platformRoomId) },
      });
      return "linked";
    },
    // An outside stream with no room named: a room of the caller's, made once per stream.
    outsideRoom: async (who, stream) => {
      const id = await outsideRoomId(who.userId, stream);
      const room = await getRoom(opts.sql, id);
      if (room) {
        if (room.ownerId !== who.userId) {
          throw new MediaError("forbidden", "the room for this stream is not yours", 403);
        }
        return id;
      }
      try {
        await createRoom(opts.sql, who.userId, {
          id,
          title: `${stream.title} · ${stream.platform}`.slice(0, 120),
          category: "just-chatting",
          coverUrl: null,
          guestChat: true,
        });
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === "room_taken") return id; // made meanwhile by a concurrent start
        if (code === "room_limit") {
          throw new MediaError(
            "room_limit",
            "you have the most rooms a streamer may have: name one with room_id",
            409,
          );
        }
        throw err;
      }
      return id;
    },
    log: mediaLog,
    auth: opts.auth,
    media: service,
    vod,
    livekit: settings && api
      ? {
        settings,
        api,
        verifier: new LivekitWebhookVerifier({
          settings,
          replay: new SqlReplayGuard(opts.sql),
          log: mediaLog,
        }),
      }
      : undefined,
    notifyRoom: opts.notifyRoom,
    highlights: opts.highlights,
    danmaku: new DanmakuArchiveReader(opts.sql),
    pieces: servers && (() => servers.pieces()),
    localObjects: storage.local,
    stageMedia: (roomId, userId) =>
      new RoomClient(opts.actors).info(roomId)
        .then((info) => info.stage?.guests.find((g) => g.userId === userId)?.media),
    meetingPlace: (roomId, who) =>
      new RoomClient(opts.actors).meeting(roomId, identityToActor(who), { op: "state" }).then(
        (r) => ({ me: r.me, e2ee: r.view.e2ee }),
        (err) => {
          if ((err as { code?: unknown }).code === "not_a_meeting") return undefined;
          throw err;
        },
      ),
    roomRecording: (roomId) =>
      new RoomClient(opts.actors).info(roomId)
        .then((info) => info.stream?.live ? info.stream.recordingId : undefined),
  };
  return {
    service,
    routes,
    livekit: api,
    servers,
    readiness: (servers?.pieces() ?? [])
      .filter((p) => p.state !== "missing")
      .map((p) => ({
        name: `media:${p.piece}`,
        check: () =>
          Promise.resolve(servers!.pieces().find((q) => q.piece === p.piece)?.state === "up"),
      })),
    launch(origin) {
      storage.local?.bindOrigin(origin);
      servers?.launch(origin);
    },
    async close() {
      unreport?.();
      await servers?.close();
      await reconciler?.close();
      enforcers?.unsubscribe();
      await clipper?.close();
      await service.close();
      await windows.settled();
      windows.close();
      storage.objects.close();
    },
  };
}

/**
 * Verified LiveKit events → the room actor's `stream` command (live/offline). With the
 * accounts database, the stream is also put on air there (`rooms.live_stream_id`, what
 * "live now from people I follow" reads) and the room takes that stream id.
 */
export function roomStreamNotifier(opts: {
  actors: ActorAsk;
  accountsDb?: SqlStore;
  log: Logger;
}): (event: StreamEvent) => Promise<void> {
  const db = opts.accountsDb;
  const rooms = new RoomClient(opts.actors);
  const quietly = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // an ad-hoc room (not registered in accounts) has no stream record: fine
      if (code !== "unknown_room") opts.log.warn(what, { error: err as Error });
      return undefined;
    }
  };
  return async (event) => {
    const guest = stagePresence(event);
    if (guest) {
      await askWithRetry(() => rooms.stagePresence(event.roomId, guest.userId, guest.connected));
      return;
    }
    const member = meetingPresence(event);
    if (member) {
      await askWithRetry(() => rooms.meetingPresence(event.roomId, { ...member, via: "sfu" }));
      return;
    }
    const cmd = streamStateCommand(event);
    if (!cmd) return;
    const room = event.roomId;
    const streamId = cmd.state === "live" && db
      ? await quietly("stream record not started", () => startStream(db, room))
      : undefined;
    const { kind: _, ...stream } = cmd;
    const reply = await askWithRetry(() =>
      rooms.stream(room, streamId ? { ...stream, streamId } : stream)
    );
    if (!db) return;
    if (!reply.stream.live && (reply.applied || streamId)) {
      await quietly("stream record not ended", () => endStream(db, room));
    }
  };
}

/** A guest on stage's LiveKit connection going or coming back (`stage_presence`). */
function stagePresence(event: StreamEvent): { userId: string; connected: boolean } | undefined {
  if (event.participant?.role !== "guest") return undefined;
  if (event.kind !== "participant_left" && event.kind !== "participant_joined") return undefined;
  return { userId: event.participant.identity, connected: event.kind === "participant_joined" };
}

/** A meeting member's LiveKit connection going or coming back (`meeting_presence`). */
function meetingPresence(event: StreamEvent): { userId: string; connected: boolean } | undefined {
  if (event.participant?.role !== "participant") return undefined;
  if (event.kind !== "participant_left" && event.kind !== "participant_joined") return undefined;
  return { userId: event.participant.identity, connected: event.kind === "participant_joined" };
}

/** Engine codes meaning "the room is moving or busy": worth another try. */
const TRANSIENT = new Set(["room_unavailable"]);

/**
 * A room in the middle of a hand-over gets one more try (after the client's own retries of
 * "no responders", about 5 s). Past that the webhook is answered 503 and its id is not
 * recorded, so LiveKit retries the delivery (4 times, Retry-After apart): the event is not
 * lost while the room is briefly unreachable, and the request does not hang for long.
 */
async function askWithRetry<T>(ask: () => Promise<T>, tries = 2): Promise<T> {
  for (let i = 1;; i++) {
    try {
      return await ask();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (i >= tries || typeof code !== "string" || !TRANSIENT.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 100 * 2 ** i));
    }
  }
}

/** The room's highlights (wall clock) for VOD offsets and clips. */
export function roomHighlights(actors: ActorAsk): (roomId: string) => Promise<WallSpan[]> {
  const rooms = new RoomClient(actors);
  return (roomId) => rooms.highlights(roomId);
}
