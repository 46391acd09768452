/**
 * Media over HTTP:
 * - `POST /webhooks/livekit`: LiveKit's signed webhooks (verified, stale/replayed refused).
 *   An event the room cannot take is answered 503 `room_unavailable` and not recorded, so
 *   LiveKit's retry of it is delivered; only a delivered event id is refused as replayed.
 * - `GET /api/media/status`: `{live, recording, vod, pieces?}` - what media this server offers
 *   (`pieces`: the embedded media servers, each `{piece, state, restarts, detail?}`).
 * - `GET /api/media/token?roomId&role=viewer|streamer`: a LiveKit token (streamer: the
 *   room's owner, its admins, platform admins; a viewer accepted on stage gets `role: guest`,
 *   which may publish what the streamer accepted). In a meeting room only the meeting's members
 *   get a token (`role: participant`: camera, microphone, screen share); everyone else is
 *   refused with 403 `not_admitted`, whatever role they ask for.
 * - `GET|POST /api/media/ingress`, `POST /api/media/ingress/rotate`: OBS ingress (RTMP/WHIP).
 * - `POST /api/recording/start|stop`, `GET /api/recording/status`, `GET /api/recording/events`
 *   (Server-Sent Events): streamer or admin only.
 * - `GET /api/rooms/:roomId/cover.jpg`: a recent key frame of the room's live stream (JPEG;
 *   404 `no_live_cover` when none), the home page's cover of a live room.
 * - `GET /api/vod/rooms/:roomId/recordings`, `GET /api/vod/recordings/:id` (timeline),
 *   `GET /api/vod/recordings/:id/playlist.m3u8`, `GET|POST /api/vod/recordings/:id/clips`.
 */
import { PAUSE_NOTICE, RESUME_NOTICE } from "./recording_notices.ts";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { DanmakuArchiveReader } from "../../actors/room/danmaku_archive.ts";
import type { SqlExecutor } from "../../engine/sql/sql.ts";
import type { Logger } from "../../engine/log.ts";
import { MediaError } from "../../media/errors.ts";
import type { LivekitServerApi } from "../../media/livekit/server_api.ts";
import type { LivekitSettings } from "../../media/livekit/settings.ts";
import { type GuestMedia, issueToken } from "../../media/livekit/tokens.ts";
import type { LivekitWebhookVerifier, StreamEvent } from "../../media/livekit/webhooks.ts";
import type { MediaService } from "../../media/media_service.ts";
import type { RecordingEvent } from "../../media/recorder/events.ts";
import { LiveCovers } from "../../media/live_cover.ts";
import type { VodService } from "../../media/vod.ts";
import { mapSpans, type WallSpan } from "../../actors/recording/timeline.ts";
import { canManage, getRoom } from "../accounts/rooms.ts";
import type { Identity } from "../auth/identity.ts";
import { guarded, jsonError } from "../http_errors.ts";
import { vodDanmakuRoutes } from "./vod_danmaku.ts";
import type { PieceStatus } from "../../media/local/local_media.ts";
import type { LocalObjectStore } from "../../media/local_object_store.ts";
import { localObjectRoutes } from "./media_objects.ts";
import type { RecordingPlan, RecordingPlans } from "../../actors/recording/recording_plans.ts";
import type { ObjectStore } from "../../media/object_store.ts";
import { newRecordingId } from "../../media/recorder/recording_id.ts";
import type { WindowCutter } from "../../media/recorder/windows.ts";
import { windowFolder } from "../../media/recorder/window_names.ts";
import { declared } from "../openapi/area.ts";
import { mediaApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";

/** Who calls, and whether they may stream/record a room. */
export interface MediaAuth {
  /** The caller from `Authorization: Bearer` (or `?access_token=` for EventSource); throws. */
  identify(c: Context): Promise<Identity>;
  canStream(who: Identity, roomId: string): Promise<boolean>;
}

export interface MediaRouteDeps {
  log: Logger;
  auth: MediaAuth;
  /** Unset: media is off here (embedded mode without LiveKit/S3), endpoints answer 503. */
  media?: MediaService;
  vod?: VodService;
  livekit?: { settings: LivekitSettings; api: LivekitServerApi; verifier: LivekitWebhookVerifier };
  /** Forward a verified stream event to the room actor (live/offline for viewers). */
  notifyRoom?: (event: StreamEvent) => Promise<void>;
  /** The room actor's highlights (wall clock), for clips. */
  highlights?: (roomId: string) => Promise<WallSpan[]>;
  /** What the user may publish as a guest on the room's stage (undefined: not on stage). */
  stageMedia?: (roomId: string, userId: string) => Promise<GuestMedia | undefined>;
  /**
   * A meeting room: where `who` stands and whether end-to-end encryption is on (undefined:
   * not a meeting room).
   */
  meetingPlace?: (
    roomId: string,
    who: Identity,
  ) => Promise<{ me: string; e2ee: boolean } | undefined>;
  /** The recording of the room's live stream, as the room actor knows it (after a resume too). */
  roomRecording?: (roomId: string) => Promise<string | undefined>;
  /** The danmaku archive, for chat replay on the VOD (`vod_danmaku.ts`). */
  danmaku?: DanmakuArchiveReader;
  /** Recordings on the local disk: their signed URLs are served here (`media_objects.ts`). */
  localObjects?: LocalObjectStore;
  /** The embedded media servers' states (redis, livekit-server, ingress), when they run here. */
  pieces?: () => PieceStatus[];
  /** Windowed recordings (the Douyin document's API): their plans and stored windows. */
  plans?: RecordingPlans;
  /** Cuts windowed recordings into MP4s (in the process that records). */
  windows?: WindowCutter;
  /** Where windows' MP4s are stored (signed download URLs). */
  objects?: ObjectStore;
  /** The time zone of the windows' names (default UTC). */
  nameTimeZone?: string;
  /**
   * The room an outside stream is recorded into when the caller names none, made for it and
   * owned by the caller (accounts); default: an ad-hoc room `out-{platform}-{hash}` that only
   * the recording's owner and admins control.
   */
  outsideRoom?: (who: Identity, stream: OutsideStream) => Promise<string>;
  /**
   * Link a room made for an outside stream to that platform's chat (a bridge), so its danmaku
   * are the windows' chat; answers what happened (`linked`, `already_linked`, `unsupported`).
   */
  linkChat?: (roomId: string, platform: string, platformRoomId: string) => Promise<string>;
}

/** An outside stream a room is made for. */
export interface OutsideStream {
  platform: string;
  anchor: string;
  title: string;
  /** Stable per stream: `{platform}:{platform room id}`, or the URL's host and path. */
  sourceKey: string;
}

/** The room id made for `who`'s recordings of one outside stream (3-64 of a-z 0-9 - _). */
export async function outsideRoomId(ownerId: string, stream: OutsideStream): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(`${ownerId}\n${stream.sourceKey}`),
    ),
  );
  const platform = stream.platform.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 16) || "url";
  return `out-${platform}-${digest.slice(0, 6).toHex()}`;
}

const MAX_WEBHOOK_BYTES = 256 * 1024;
/** Places in a meeting that get a LiveKit token. */
const MEMBER = new Set(["host", "cohost", "participant"]);
/**
 * Seconds LiveKit waits before retrying a webhook we answered 503 (its HTTP client honours
 * Retry-After on 503; it retries 4 times).
 */
const WEBHOOK_RETRY_AFTER_S = 8;

function fail(code: string, message: string, status = 400): never {
  throw new MediaError(code, message, status);
}

export function mediaRoutes(deps: MediaRouteDeps): Hono {
  const app = new Hono();
  const { log, auth } = deps;
  const guard = guarded(log);
  const media = () =>
    deps.media ?? fail("media_disabled", "media is not configured on this server", 503);
  const vod = () =>
    deps.vod ?? fail("media_disabled", "media is not configured on this server", 503);
  const livekit = () =>
    deps.livekit ?? fail("media_disabled", "LiveKit is not configured on this server", 503);
  const streamerOf = async (c: Context, roomId: string) => {
    const who = await auth.identify(c);
    if (!(await auth.canStream(who, roomId))) {
      fail("forbidden", "only the room's streamer or an admin may do this", 403);
    }
    return who;
  };

  const plans = () =>
    deps.plans ?? fail("recorder_unavailable", "windowed recordings are not kept here", 503);
  /**
   * The caller may control (stop, read) a recording: its room's streamer or an admin, or - for
   * a windowed recording - whoever started it.
   */
  const controllerOf = async (c: Context, roomId: string, plan: RecordingPlan | undefined) => {
    const who = await auth.identify(c);
    if (plan && who.kind === "user" && plan.ownerId === who.userId) return who;
    if (!(await auth.canStream(who, roomId))) {
      fail("forbidden", "only the recording's owner, the room's streamer or an admin", 403);
    }
    return who;
  };
  const downloadUrl = (recordingId: string, seq: number) =>
    `/api/recording/download?recording_id=${encodeURIComponent(recordingId)}&seq=${seq}`;
  const windowInfo = (
    w: { recordingId: string; seq: number; path: string; startAt: number; endAt: number },
  ) => ({
    seq: w.seq,
    path: w.path,
    start_ts: w.startAt,
    end_ts: w.endAt,
    url: downloadUrl(w.recordingId, w.seq),
  });
  const planFields = async (plan: RecordingPlan) => ({
    recording_id: plan.recordingId,
    room_id: plan.roomId,
    output: plan.output,
    platform: plan.platform,
    anchor: plan.anchor,
    segment_time: plan.windowMs / 1000,
    quality: plan.quality,
    save_format: plan.saveFormat,
    windows: (await plans().windows(plan.recordingId)).map(windowInfo),
  });

  /** The Douyin document's start: a live URL recorded in `segment_time` windows. */
  const startLive = async (
    c: Context,
    body: {
      live_url: string;
      segment_time: number;
      quality: "OD" | "UHD" | "HD" | "SD" | "LD";
      save_format: "mp4";
      room_id?: string;
    },
  ) => {
    const who = await auth.identify(c);
    if (who.kind !== "user") fail("forbidden", "sign in to record a live URL", 403);
    const service = media();
    const manager = service.manager ??
      fail("recorder_unavailable", "no recorder runs on this server", 503);
    const store = plans();
    if (body.room_id) await streamerOf(c, body.room_id);
    manager.checkCapacity();
    const stream = await manager.resolve(body.live_url, { quality: body.quality });
    const page = new URL(body.live_url);
    const platform = stream.room?.platform ?? "url";
    const anchor = stream.room?.anchor || stream.room?.roomId || page.hostname;
    const outside: OutsideStream = {
      platform,
      anchor,
      title: stream.room?.title || anchor,
      sourceKey: stream.room ? `${platform}:${stream.room.roomId}` : `${page.host}${page.pathname}`,
    };
    const roomId = body.room_id ??
      await (deps.outsideRoom ?? ((w, s) => outsideRoomId(w.userId, s)))(who, outside);
    // A room made for the stream hears the platform's own chat where a bridge can reach it.
    const chat = !body.room_id && stream.room && deps.linkChat
      ? await deps.linkChat(roomId, platform, stream.room.roomId).catch((err) => {
        log.warn("outside chat not linked", { roomId, platform, error: err as Error });
        return "failed";
      })
      : "not_linked";
    const recordingId = newRecordingId();
    const windowMs = body.segment_time * 1000;
    const output = windowFolder(platform, anchor, Date.now(), deps.nameTimeZone);
    await store.put({
      recordingId,
      roomId,
      ownerId: who.userId,
      platform,
      anchor,
      windowMs,
      quality: stream.quality ?? body.quality,
      saveFormat: body.save_format,
      sourceUrl: `${page.origin}${page.pathname}`, // no query: it may hold tokens
      output,
    });
    deps.windows?.plan(recordingId, roomId, { platform, anchor, windowMs });
    let status;
    try {
      status = await manager.startResolved(roomId, stream, recordingId);
    } catch (err) {
      deps.windows?.drop(recordingId);
      await store.delete(recordingId).catch(() => {});
      throw err;
    }
    return c.json({
      recording_id: recordingId,
      output,
      room_id: roomId,
      platform,
      anchor,
      segment_time: body.segment_time,
      quality: stream.quality ?? body.quality,
      save_format: body.save_format,
      chat,
      state: status.state,
      recording: status,
    }, 201);
  };

  mount(app, declared(mediaApi, "post", "/webhooks/livekit"), async (c) => {
    const lk = deps.livekit;
    if (!lk) return jsonError(c, 503, "media_disabled", "LiveKit is not configured on this server");
    const raw = await c.req.text(); // by hand: the signed body is verified as it came
    if (raw.length > MAX_WEBHOOK_BYTES) {
      return jsonError(c, 413, "body_too_large", "webhook body too large");
    }
    const result = await lk.verifier.verify(raw, c.req.header("authorization"));
    if (!result.ok) {
      if (result.code === "webhook_in_flight") {
        // 503 + Retry-After: LiveKit retries it; by then the other delivery has finished.
        c.header("retry-after", String(WEBHOOK_RETRY_AFTER_S));
        return jsonError(c, 503, result.code, result.message);
      }
      const status = result.code === "webhook_bad_signature"
        ? 401
        : result.code === "webhook_replayed"
        ? 409
        : 400;
      return jsonError(c, status, result.code, result.message);
    }
    const { event, delivery } = result;
    try {
      const who = event.kind === "track_published" ? event.participant : undefined;
      if (who && who.role === undefined) {
        // Its webhook names the publisher without metadata: whether this is the streamer or a
        // guest on stage decides whether the stream went live and who owns its recording.
        who.role = await lk.api.participantRole(event.roomId, who.identity);
      }
      // The room first: the recording controller acts only on events the room took, so
      // a redelivered event cannot start anything twice.
      await deps.notifyRoom?.(event);
    } catch (err) {
      await delivery.failed().catch((e) =>
        log.error("webhook claim not released", { eventId: event.eventId, error: e as Error })
      );
      log.warn("room did not take the stream event; LiveKit will retry it", {
        roomId: event.roomId,
        eventId: event.eventId,
        error: err as Error,
      });
      c.header("retry-after", String(WEBHOOK_RETRY_AFTER_S));
      return jsonError(
        c,
        503,
        "room_unavailable",
        `room ${event.roomId} did not take event ${event.eventId}; try again`,
      );
    }
    deps.media?.onStreamEvent(event);
    // Delivered: from now on the id is a replay. If this write fails the claim's lease
    // runs out and a retry is delivered again; the room ignores an event id it has seen.
    await delivery.delivered().catch((err) =>
      log.error("webhook not recorded as delivered", {
        eventId: event.eventId,
        error: err as Error,
      })
    );
    return c.json({ ok: true, eventId: event.eventId });
  });

  /** What media this server offers (the web client says "media is off" without it). */
  mount(app, declared(mediaApi, "get", "/api/media/status"), (c) =>
    c.json({
      live: deps.livekit !== undefined,
      recording: deps.media !== undefined,
      vod: deps.vod !== undefined,
      // Embedded media servers: what runs, what is missing here and how to get it.
      ...(deps.pieces ? { pieces: deps.pieces() } : {}),
    }));

  mount(
    app,
    declared(mediaApi, "get", "/api/media/token"),
    guard(async (c, input) => {
      const q = input.query();
      const lk = livekit();
      const meeting = deps.meetingPlace &&
        await deps.meetingPlace(q.roomId, await auth.identify(c));
      if (meeting) {
        if (!MEMBER.has(meeting.me)) {
          fail("not_admitted", "join the meeting; the host admits you from the waiting room", 403);
        }
        const who = await auth.identify(c);
        const token = await issueToken(lk.settings, "participant", {
          roomId: q.roomId,
          identity: who.userId,
          name: who.name,
        });
        return c.json({
          url: lk.settings.wsUrl,
          token,
          role: "participant",
          roomId: q.roomId,
          e2ee: meeting.e2ee,
        });
      }
      const who = q.role === "streamer" ? await streamerOf(c, q.roomId) : await auth.identify(c);
      // A guest on stage gets its publish rights back in every new token (a reconnect).
      const media = q.role === "viewer" ? await deps.stageMedia?.(q.roomId, who.userId) : undefined;
      const role = media ? "guest" : q.role;
      const token = await issueToken(lk.settings, role, {
        roomId: q.roomId,
        identity: who.userId,
        name: who.name,
      }, media);
      return c.json({ url: lk.settings.wsUrl, token, role, roomId: q.roomId });
    }),
  );

  mount(
    app,
    declared(mediaApi, "get", "/api/media/ingress"),
    guard(async (c, input) => {
      const { roomId } = input.query();
      await streamerOf(c, roomId);
      return c.json({ ingress: await livekit().api.listIngress(roomId) });
    }),
  );
  mount(
    app,
    declared(mediaApi, "post", "/api/media/ingress"),
    guard(async (c, input) => {
      const { roomId, kind } = await input.json();
      const who = await streamerOf(c, roomId);
      const ingress = await livekit().api.createIngress(roomId, kind, {
        identity: who.userId,
        name: who.name,
      });
      return c.json({ ingress }, 201);
    }),
  );
  mount(
    app,
    declared(mediaApi, "post", "/api/media/ingress/rotate"),
    guard(async (c, input) => {
      const { roomId, ingressId } = await input.json();
      const who = await streamerOf(c, roomId);
      const ingress = await livekit().api.rotateIngressKey(roomId, ingressId, {
        identity: who.userId,
        name: who.name,
      });
      return c.json({ ingress });
    }),
  );

  mount(
    app,
    declared(mediaApi, "post", "/api/recording/start"),
    guard(async (c, input) => {
      const body = await input.json();
      if ("live_url" in body) return await startLive(c, body);
      const { roomId, url } = body;
      const who = await streamerOf(c, roomId);
      const service = media();
      if (!url) {
        livekit(); // no LiveKit: media_disabled, before the room is asked about its meeting
        if ((await deps.meetingPlace?.(roomId, who))?.e2ee) {
          fail("e2ee_on", "end-to-end encrypted meetings are not recorded by the server", 409);
        }
        return c.json({ recording: await service.startRoomRecording(roomId) }, 201);
      }
      const manager = service.manager ??
        fail("recorder_unavailable", "no recorder runs on this server", 503);
      return c.json({ recording: await manager.startUrl(roomId, url) }, 201);
    }),
  );
  mount(
    app,
    declared(mediaApi, "post", "/api/recording/stop"),
    guard(async (c, input) => {
      const body = await input.json();
      const recordingId = "recording_id" in body ? body.recording_id : body.recordingId;
      const service = media();
      const roomId = await service.roomOf(recordingId) ??
        fail("recording_not_found", "no such recording", 404);
      const plan = await deps.plans?.get(recordingId);
      await controllerOf(c, roomId, plan);
      await service.stopRecording(recordingId);
      await deps.windows?.settled(); // the last window's MP4 is in `windows`
      const live = service.manager?.status(recordingId);
      const recording = live ?? await vod().timeline(recordingId).then((t) => t.recording);
      return c.json({
        ...(plan ? { ...await planFields(plan), state: recording?.state } : {}),
        recording,
      });
    }),
  );
  mount(
    app,
    declared(mediaApi, "get", "/api/recording/status"),
    guard(async (c, input) => {
      const q = input.query();
      const manager = media().manager;
      const recordingId = q.recordingId ?? q.recording_id;
      if (recordingId) {
        const live = manager?.status(recordingId);
        const row = live
          ? undefined
          : await vod().timeline(recordingId).then((t) => t.recording).catch(() => undefined);
        const plan = await deps.plans?.get(recordingId);
        const roomId = live?.roomId ?? row?.roomId ?? plan?.roomId ??
          fail("recording_not_found", "no such recording", 404);
        await controllerOf(c, roomId, plan);
        const recording = live ?? row;
        return c.json({
          ...(plan
            ? {
              ...await planFields(plan),
              state: recording?.state ?? "starting",
              ...(live?.pauseReason
                ? { pause_reason: live.pauseReason, notice: PAUSE_NOTICE[live.pauseReason] }
                : {}),
            }
            : {}),
          recording,
        });
      }
      await streamerOf(c, q.roomId!);
      const active = manager?.activeForRoom(q.roomId!);
      if (active) return c.json({ recording: active });
      // recorded elsewhere (egress, another process) or resumed after a restart: the room knows
      const id = await deps.roomRecording?.(q.roomId!).catch(() => undefined);
      const row = id &&
        await vod().timeline(id).then((t) => t.recording).catch(() => undefined);
      return c.json({ recording: row && row.roomId === q.roomId ? row : null });
    }),
  );
  mount(
    app,
    declared(mediaApi, "get", "/api/recording/events"),
    guard(async (c, input) => {
      const q = input.query();
      if (!q.roomId) return await liveEvents(c, q.recording_id ?? q.recordingId);
      await streamerOf(c, q.roomId);
      const hub = media().events;
      return streamSSE(c, async (stream) => {
        const queue: RecordingEvent[] = [];
        let wake: (() => void) | undefined;
        const off = hub.subscribe((e) => {
          if (e.roomId !== q.roomId || (q.recordingId && e.recordingId !== q.recordingId)) return;
          queue.push(e);
          wake?.();
        });
        stream.onAbort(() => {
          off();
          wake?.();
        });
        await stream.writeSSE({ event: "ready", data: JSON.stringify({ roomId: q.roomId }) });
        while (!stream.aborted) {
          const e = queue.shift();
          if (e) {
            await stream.writeSSE({ event: e.type, data: JSON.stringify(e) });
            continue;
          }
          await new Promise<void>((r) => {
            const t = setTimeout(r, 15_000);
            wake = () => {
              clearTimeout(t);
              wake = undefined;
              r();
            };
          });
          if (queue.length === 0 && !stream.aborted) await stream.write(": keep-alive\n\n");
        }
        off();
      });
    }),
  );

  /**
   * The Douyin document's SSE: the caller's windowed recordings (or one), unnamed events
   * `{type, data}` - `segment_ready` per stored window, notices when recording starts,
   * pauses (with why), resumes and stops.
   */
  const liveEvents = async (c: Context, only: string | undefined) => {
    const who = await auth.identify(c);
    const hub = media().events;
    const store = plans();
    if (only) {
      const plan = await store.get(only) ?? fail("recording_not_found", "no such recording", 404);
      await controllerOf(c, plan.roomId, plan);
    }
    const visible = new Map<string, Promise<boolean>>();
    const maySee = (recordingId: string) => {
      let v = visible.get(recordingId);
      if (!v) {
        v = store.get(recordingId).then(async (plan) => {
          if (!plan) return false;
          if (who.kind === "user" && plan.ownerId === who.userId) return true;
          return await auth.canStream(who, plan.roomId);
        }).catch(() => false);
        visible.set(recordingId, v);
      }
      return v;
    };
    return streamSSE(c, async (stream) => {
      const queue: RecordingEvent[] = [];
      let wake: (() => void) | undefined;
      const off = hub.subscribe((e) => {
        if (only && e.recordingId !== only) return;
        if (e.type === "segment_ready" || e.type === "recording_gap") return;
        queue.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        off();
        wake?.();
      });
      await stream.writeSSE({ data: JSON.stringify({ type: "ready", data: {} }) });
      while (!stream.aborted) {
        const e = queue.shift();
        if (e) {
          if (!(await maySee(e.recordingId))) continue;
          await stream.writeSSE({ data: JSON.stringify(liveEvent(e)) });
          continue;
        }
        await new Promise<void>((r) => {
          const t = setTimeout(r, 15_000);
          wake = () => {
            clearTimeout(t);
            wake = undefined;
            r();
          };
        });
        if (queue.length === 0 && !stream.aborted) await stream.write(": keep-alive\n\n");
      }
      off();
    });
  };
  const liveEvent = (e: RecordingEvent): { type: string; data: Record<string, unknown> } => {
    switch (e.type) {
      case "window_ready":
        return {
          type: "segment_ready",
          data: {
            recording_id: e.recordingId,
            seq: e.seq,
            path: e.key,
            start_ts: e.startAt,
            end_ts: e.endAt,
            url: downloadUrl(e.recordingId, e.seq),
          },
        };
      case "recording_paused":
        return {
          type: e.type,
          data: {
            recording_id: e.recordingId,
            reason: e.reason,
            at: e.at,
            message: PAUSE_NOTICE[e.reason].en,
            message_zh: PAUSE_NOTICE[e.reason].zh,
          },
        };
      case "recording_resumed":
        return {
          type: e.type,
          data: {
            recording_id: e.recordingId,
            at: e.at,
            message: RESUME_NOTICE.en,
            message_zh: RESUME_NOTICE.zh,
          },
        };
      case "recording_stopped":
        return {
          type: e.type,
          data: { recording_id: e.recordingId, reason: e.reason, at: e.at },
        };
      default:
        return { type: e.type, data: { recording_id: e.recordingId, room_id: e.roomId } };
    }
  };

  /** A windowed recording the caller controls, with its plan. */
  const plannedRecording = async (c: Context, recordingId: string) => {
    media();
    const plan = await plans().get(recordingId) ??
      fail("recording_not_found", "no windowed recording with this id", 404);
    await controllerOf(c, plan.roomId, plan);
    return plan;
  };
  mount(
    app,
    declared(mediaApi, "get", "/api/recording/windows"),
    guard(async (c, input) => {
      const plan = await plannedRecording(c, input.query().recording_id);
      return c.json({
        recording_id: plan.recordingId,
        windows: (await plans().windows(plan.recordingId)).map(windowInfo),
      });
    }),
  );
  mount(
    app,
    declared(mediaApi, "get", "/api/recording/download"),
    guard(async (c, input) => {
      const q = input.query();
      const plan = await plannedRecording(c, q.recording_id);
      const w = await plans().window(plan.recordingId, q.seq) ??
        fail("window_not_found", `window ${q.seq} is not stored (yet)`, 404);
      const objects = deps.objects ??
        fail("media_disabled", "media is not configured on this server", 503);
      return c.redirect(await objects.presignGet(w.path, 3600), 302);
    }),
  );
  mount(
    app,
    declared(mediaApi, "get", "/api/recording/danmaku"),
    guard(async (c, input) => {
      const q = input.query();
      const plan = await plannedRecording(c, q.recording_id);
      const reader = deps.danmaku ??
        fail("danmaku_archive_disabled", "the danmaku archive is not kept here", 503);
      const w = await plans().window(plan.recordingId, q.seq) ??
        fail("window_not_found", `window ${q.seq} is not stored (yet)`, 404);
      const page = await reader.range(plan.roomId, w.startAt, w.endAt, { limit: q.limit });
      return c.json({
        recording_id: plan.recordingId,
        seq: w.seq,
        start_ts: w.startAt,
        end_ts: w.endAt,
        comments: page.danmaku.map((d) => ({
          id: d.id,
          user: d.name,
          user_id: d.userId,
          content: d.text,
          ts: d.at,
        })),
        more: page.more,
      });
    }),
  );

  // The home page's cover of a live room: a recent key frame of its recording.
  const covers = deps.vod ? new LiveCovers((id) => deps.vod!.latestSegment(id)) : null;
  mount(
    app,
    declared(mediaApi, "get", "/api/rooms/{roomId}/cover.jpg"),
    guard(async (c, input) => {
      const { roomId } = input.param();
      vod();
      const id = await deps.roomRecording?.(roomId).catch(() => undefined);
      const jpeg = id ? await covers!.cover(id) : null;
      if (!jpeg) fail("no_live_cover", "no recent key frame of this room's stream", 404);
      return c.body(jpeg as Uint8Array<ArrayBuffer>, 200, {
        "content-type": "image/jpeg",
        "cache-control": "public, max-age=10",
      });
    }),
  );
  mount(
    app,
    declared(mediaApi, "get", "/api/vod/rooms/{roomId}/recordings"),
    guard(async (c, input) => {
      const { roomId } = input.param();
      const v = vod();
      return c.json({ roomId, recordings: await v.listRecordings(roomId) });
    }),
  );
  mount(
    app,
    declared(mediaApi, "get", "/api/vod/recordings/{id}"),
    guard(async (c, input) => {
      const { id } = input.param();
      const timeline = await vod().timeline(id);
      const highlights = deps.highlights
        ? mapSpans(timeline, await deps.highlights(timeline.recording.roomId))
        : [];
      return c.json({ ...timeline, highlights, clips: await vod().clips(id) });
    }),
  );
  mount(
    app,
    declared(mediaApi, "get", "/api/vod/recordings/{id}/playlist.m3u8"),
    guard(async (c, input) => {
      const { id } = input.param();
      return c.body(await vod().playlist(id), 200, {
        "content-type": "application/vnd.apple.mpegurl",
        "cache-control": "no-store",
      });
    }),
  );
  mount(
    app,
    declared(mediaApi, "get", "/api/vod/recordings/{id}/clips"),
    guard(async (c, input) => {
      const { id } = input.param();
      return c.json({ clips: await vod().clipsWithUrls(id) });
    }),
  );
  mount(
    app,
    declared(mediaApi, "post", "/api/vod/recordings/{id}/clips"),
    guard(async (c, input) => {
      const { id } = input.param();
      const { highlightIds, padMs } = await input.json();
      const timeline = await vod().timeline(id);
      await streamerOf(c, timeline.recording.roomId);
      const all = deps.highlights ? await deps.highlights(timeline.recording.roomId) : [];
      const chosen = highlightIds ? all.filter((h) => highlightIds.includes(h.id)) : all;
      const spans = mapSpans(timeline, chosen);
      const clips = [];
      for (const span of spans) clips.push(await vod().cutClip(id, span, { padMs }));
      return c.json({ clips }, 201);
    }),
  );
  if (deps.localObjects) app.route("/", localObjectRoutes(deps.localObjects));
  app.route("/", vodDanmakuRoutes({ log, vod: deps.vod, archive: deps.danmaku }));
  return app;
}

/** Media authorization through accounts: room owner, room admins and platform admins stream. */
export function accountsMediaAuth(
  db: SqlExecutor,
  resolveUser: (token: string) => Promise<Identity>,
): MediaAuth {
  return {
    identify(c) {
      const header = c.req.header("authorization") ?? "";
      // EventSource cannot set headers: SSE sends the token in the query.
      const query = c.req.query("access_token"); // by hand: a credential, not a declared input
      const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? query ?? "";
      if (!token) fail("auth_required", "send Authorization: Bearer <access token>", 401);
      return resolveUser(token);
    },
    async canStream(who, roomId) {
      const room = await getRoom(db, roomId);
      return room !== undefined && canManage(room, who, false);
    },
  };
}
