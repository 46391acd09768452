/**
 * Declarations of edge/routes/media.ts (LiveKit webhooks, tokens, ingress, recording, VOD),
 * vod_danmaku.ts, media_objects.ts and analysis.ts (the recordings' AI). Without LiveKit/S3
 * these answer `503 media_disabled`; the analysis and local-object routes exist only where
 * media runs in this process.
 */
import { ID_PATTERN } from "../../../engine/subject.ts";
import { SearchQuery } from "../../routes/vod_search.ts";
import { FacesAnswer } from "../../routes/vod_faces.ts";
import { area, REST_OF_PATH } from "../area.ts";
import { BEARER, errors, json, jsonBody, text, z } from "../schemas.ts";

const Id = z.string().regex(ID_PATTERN, "must be 1-64 characters of A-Z a-z 0-9 _ -");
const TokenQuery = z.object({
  roomId: Id,
  role: z.enum(["viewer", "streamer"]).default("viewer"),
});
const IngressInput = z.object({ roomId: Id, kind: z.enum(["rtmp", "whip"]) }).strict();
const RotateInput = z.object({ roomId: Id, ingressId: z.string().min(1).max(64) }).strict();
const RoomStartInput = z.object({
  roomId: Id,
  /** An external live stream (HLS .m3u8 / FLV) or a platform URL a resolver knows. */
  url: z.string().url().max(2048).optional(),
}).strict();
/** The Douyin document's body: an outside live URL cut into `segment_time` windows. */
export const LiveStartInput = z.object({
  live_url: z.string().url().max(2048),
  /** Seconds per window (one MP4, one coaching analysis each). */
  segment_time: z.number().int().min(10).max(3600).default(300),
  quality: z.enum(["OD", "UHD", "HD", "SD", "LD"]).default("OD"),
  save_format: z.enum(["mp4"]).default("mp4"),
  /** Record into this room (default: a room made for the stream, owned by the caller). */
  room_id: Id.optional(),
}).strict();
const StartInput = z.union([RoomStartInput, LiveStartInput]);
const StopInput = z.union([
  z.object({ recordingId: Id }).strict(),
  z.object({ recording_id: Id }).strict(),
]);
const StatusQuery = z.object({
  recordingId: Id.optional(),
  recording_id: Id.optional(),
  roomId: Id.optional(),
}).refine((q) => q.recordingId || q.recording_id || q.roomId, "give recording_id or roomId");
const EventsQuery = z.object({
  roomId: Id.optional(),
  recordingId: Id.optional(),
  recording_id: Id.optional(),
});
const WindowQuery = z.object({
  recording_id: Id,
  seq: z.coerce.number().int().min(0).max(100_000),
});
const WindowDanmakuQuery = WindowQuery.extend({
  limit: z.coerce.number().int().min(1).max(2_000).default(500),
});
const LiveStarted = z.looseObject({
  recording_id: z.string(),
  output: z.string(),
  room_id: z.string(),
  platform: z.string(),
  anchor: z.string(),
  segment_time: z.number(),
});
const ClipsInput = z.object({
  /** Highlight ids to cut (default: all the room's highlights inside the recording). */
  highlightIds: z.array(z.string().min(1).max(64)).max(50).optional(),
  padMs: z.number().int().min(0).max(30_000).default(2_000),
}).strict();

const VOD_DANMAKU_MAX_LIMIT = 1000;
const Ms = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const VodDanmakuQuery = z.object({
  from: Ms.default(0),
  to: Ms.optional(),
  limit: z.coerce.number().int().min(1).max(VOD_DANMAKU_MAX_LIMIT).default(500),
  cursor: z.string().regex(/^\d{1,16}:[^:]{1,128}$/, "is not a cursor from `next`").optional(),
}).strict();

const LatestQuery = z.object({
  room: Id,
  limit: z.coerce.number().int().min(1).max(50).default(5),
});
/** Without `room`: the caller's one windowed recording (the Douyin document's call). */
const LatestTipsQuery = z.object({
  room: Id.optional(),
  recording_id: Id.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(5),
});
const LivenessQuery = z.object({
  room: Id,
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const LivenessEvidence = z.object({
  samples: z.number().int().describe("pictures in the history kept"),
  frozenForMs: z.number().describe("how long the picture has not changed"),
  repeats: z.number().int().describe("moving pictures that matched an earlier one"),
  loopMs: z.number().nullable().describe("the loop's length (median)"),
  motion: z.number().describe("mean change between pictures, 0..255 grey levels"),
  faceSamples: z.number().int(),
  antispoof: z.number().nullable().describe("mean antispoof score: 0 photo/screen .. 1 real"),
  liveness: z.number().nullable().describe("mean liveness score: 0 .. 1 live"),
  clearedWith: z.record(z.string(), z.number().nullable()).optional()
    .describe("the evidence when the flag cleared"),
});
const LivenessAnswer = z.object({
  flags: z.array(z.object({
    roomId: z.string(),
    recordingId: z.string(),
    identity: z.string().describe("the participant (user id)"),
    raisedAt: z.number(),
    clearedAt: z.number().nullable(),
    reasons: z.array(z.enum(["frozen", "loop", "models"])),
    evidence: LivenessEvidence,
    label: z.literal("possibly not a live camera"),
    open: z.boolean(),
  })),
});
const SegmentInput = z.union([
  z.object({
    recordingId: Id,
    window: z.number().int().nonnegative().max(100_000),
    force: z.boolean().default(false),
  }).strict(),
  /** The Douyin document's names: a windowed recording's window by its `seq`. */
  z.object({
    recording_id: Id,
    seq: z.number().int().nonnegative().max(100_000),
    force: z.boolean().default(false),
  }).strict(),
]);

const AUTH = ["auth_required", "auth_invalid", "auth_expired"];
const MEDIA_ERRORS = errors({
  400: ["invalid_request"],
  401: AUTH,
  403: ["forbidden"],
  404: ["recording_not_found", "recording_empty", "clip_empty"],
  409: ["recorder_unavailable"],
  422: ["recording_starting"],
  500: ["ffmpeg_failed", "segment_missing"],
  503: ["media_disabled"],
});
const RecordingParam = z.object({ id: Id });
const RoomParam = z.object({ roomId: Id });
const SSE = text("text/event-stream", "Server-Sent Events");

export const mediaApi = area("media", "Live video, OBS ingress, recordings and VODs", "/", [
  {
    method: "post",
    path: "/webhooks/livekit",
    summary: "LiveKit's signed webhooks (verified; stale or replayed refused)",
    description: "Body: LiveKit's webhook event (application/webhook+json), signed in " +
      "`Authorization`. 503 answers carry `Retry-After`.",
    responses: () => ({
      200: json(z.object({ ok: z.literal(true), eventId: z.string() }), "taken", {
        ok: true,
        eventId: "EV_abc",
      }),
      ...errors({
        400: ["webhook_malformed", "webhook_stale"],
        401: ["webhook_bad_signature"],
        409: ["webhook_replayed"],
        413: ["body_too_large"],
        503: ["room_unavailable", "webhook_in_flight", "media_disabled"],
      }),
    }),
  },
  {
    method: "get",
    path: "/api/media/status",
    summary: "What media this server offers: live, recording, VOD, embedded pieces",
    responses: (replies) => ({ 200: json(replies.MediaStatusSchema, "what runs here") }),
  },
  {
    method: "get",
    path: "/api/media/token",
    summary: "A LiveKit token to watch (anyone with a session) or to stream (room managers)",
    security: BEARER,
    request: { query: TokenQuery },
    responses: () => ({
      200: json(z.looseObject({ url: z.string(), token: z.string() }), "LiveKit URL and token"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/api/media/ingress",
    summary: "The room's OBS ingress (RTMP/WHIP URL and stream key)",
    security: BEARER,
    request: { query: z.object({ roomId: Id }) },
    responses: (replies) => ({
      200: json(replies.MediaReplySchemas.ingressList, "the room's ingresses"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "post",
    path: "/api/media/ingress",
    summary: "Create the room's OBS ingress",
    security: BEARER,
    request: jsonBody(IngressInput, { roomId: "lobby", kind: "rtmp" }),
    responses: (replies) => ({
      201: json(replies.MediaReplySchemas.ingress, "the new ingress"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "post",
    path: "/api/media/ingress/rotate",
    summary: "A new stream key (the old one stops working)",
    security: BEARER,
    request: jsonBody(RotateInput, { roomId: "lobby", ingressId: "IN_abc" }),
    responses: (replies) => ({
      200: json(replies.MediaReplySchemas.ingress, "the ingress, new key"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "post",
    path: "/api/recording/start",
    summary: "Record the room's stream, an external stream URL, or a live URL in windows",
    description: "Two bodies: `{roomId, url?}` records a room's stream (or `url` into the " +
      "room), answered `{recording}`; the Douyin document's `{live_url, segment_time, " +
      "quality, save_format, room_id?}` records a live page or stream URL cut into " +
      "`segment_time` windows (one MP4 and one coaching analysis each), answered " +
      "`{recording_id, output, ...}`; with no `room_id` a room is made for the stream, owned " +
      "by the caller, and linked to the platform's chat where a bridge can (`chat`).",
    security: BEARER,
    request: jsonBody(StartInput, {
      live_url: "https://live.douyin.com/123456789",
      segment_time: 300,
      quality: "OD",
      save_format: "mp4",
    }),
    responses: (replies) => ({
      201: json(z.union([LiveStarted, replies.MediaReplySchemas.roomRecording]), "started", {
        recording_id: "rec_1",
        output: "records/douyin/anchor/2026-12-05/",
        room_id: "out-douyin-0123456789ab",
        platform: "douyin",
        anchor: "anchor",
        segment_time: 300,
      }),
      ...errors({
        400: ["invalid_request", "url_invalid", "url_unsupported", "url_unresolvable"],
        401: AUTH,
        403: ["forbidden", "url_forbidden"],
        409: ["stream_offline", "room_limit", "e2ee_on"],
        429: ["recording_limit"],
        502: ["platform_unreadable"],
        503: ["media_disabled", "recorder_unavailable"],
      }),
    }),
  },
  {
    method: "post",
    path: "/api/recording/stop",
    summary: "Stop a recording (`{recordingId}` or `{recording_id}`)",
    security: BEARER,
    request: jsonBody(StopInput, { recording_id: "rec_1" }),
    responses: (replies) => ({
      200: json(replies.RecordingAnswerSchema, "stopped"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/api/recording/status",
    summary: "A recording's state (by `recording_id`/`recordingId` or by room); windows too",
    security: BEARER,
    request: { query: StatusQuery },
    responses: (replies) => ({
      200: json(replies.RecordingAnswerSchema, "the recording"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/api/recording/events",
    summary: "Recording events as Server-Sent Events (`?access_token=` allowed)",
    description: "With `roomId`: the room's events, each named by its type. Without: the " +
      "Douyin document's stream of the caller's windowed recordings (or `recording_id`'s), " +
      "unnamed events `{type, data}`: `segment_ready` `{recording_id, seq, path, start_ts, " +
      "end_ts, url}` per window (ms since the epoch, the window's exact bounds), and notices " +
      "`recording_started`, `recording_paused` (`reason`, `message`), `recording_resumed`, " +
      "`recording_stopped`.",
    security: BEARER,
    request: { query: EventsQuery },
    responses: () => ({ 200: SSE, ...MEDIA_ERRORS }),
  },
  {
    method: "get",
    path: "/api/recording/windows",
    summary: "A windowed recording's stored windows (MP4s)",
    security: BEARER,
    request: { query: z.object({ recording_id: Id }) },
    responses: (replies) => ({
      200: json(
        z.object({ recording_id: z.string(), windows: z.array(replies.WindowInfoSchema) }),
        "the windows stored so far, oldest first",
      ),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/api/recording/download",
    summary: "A window's MP4 (a redirect to a signed URL; `?access_token=` allowed)",
    security: BEARER,
    request: { query: WindowQuery },
    responses: () => ({
      302: { description: "to the MP4's signed URL" },
      ...errors({
        400: ["invalid_request"],
        401: AUTH,
        403: ["forbidden"],
        404: ["recording_not_found", "window_not_found"],
        503: ["media_disabled"],
      }),
    }),
  },
  {
    method: "get",
    path: "/api/recording/danmaku",
    summary: "The chat sent during one window of a windowed recording, oldest first",
    security: BEARER,
    request: { query: WindowDanmakuQuery },
    responses: () => ({
      200: json(
        z.object({
          recording_id: z.string(),
          seq: z.number(),
          start_ts: z.number(),
          end_ts: z.number(),
          comments: z.array(z.object({
            id: z.string(),
            user: z.string(),
            user_id: z.string(),
            content: z.string(),
            ts: z.number(),
          })),
          more: z.boolean(),
        }),
        "the window's danmaku",
      ),
      ...errors({
        400: ["invalid_request"],
        401: AUTH,
        403: ["forbidden"],
        404: ["recording_not_found", "window_not_found"],
        503: ["media_disabled", "danmaku_archive_disabled"],
      }),
    }),
  },
  {
    method: "get",
    path: "/api/vod/rooms/{roomId}/recordings",
    summary: "A room's recordings",
    request: { params: RoomParam },
    responses: (replies) => ({
      200: json(replies.MediaReplySchemas.recordings, "newest first"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/api/vod/recordings/{id}",
    summary: "A recording's timeline",
    request: { params: RecordingParam },
    responses: (replies) => ({
      200: json(replies.MediaReplySchemas.timeline, "segments, gaps, highlights and clips"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/api/rooms/{roomId}/cover.jpg",
    summary: "A recent key frame of the room's live stream (the home page's cover)",
    request: { params: RoomParam },
    responses: () => ({
      200: { description: "JPEG", content: { "image/jpeg": { schema: z.string() } } },
      ...errors({ 400: ["invalid_request"], 404: ["no_live_cover"], 503: ["media_disabled"] }),
    }),
  },
  {
    method: "get",
    path: "/api/vod/recordings/{id}/playlist.m3u8",
    summary: "The recording's HLS playlist",
    request: { params: RecordingParam },
    responses: () => ({ 200: text("application/vnd.apple.mpegurl", "playlist"), ...MEDIA_ERRORS }),
  },
  {
    method: "get",
    path: "/api/vod/recordings/{id}/clips",
    summary: "The recording's highlight clips",
    request: { params: RecordingParam },
    responses: (replies) => ({
      200: json(z.object({ clips: replies.MediaReplySchemas.clips }), "clips with signed URLs"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "post",
    path: "/api/vod/recordings/{id}/clips",
    summary: "Cut clips of highlights (default: all inside the recording)",
    security: BEARER,
    request: { params: RecordingParam, ...jsonBody(ClipsInput, { padMs: 2000 }) },
    responses: (replies) => ({
      201: json(z.object({ clips: z.array(replies.ClipSchema) }), "the clips cut"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/api/vod/{recordingId}/danmaku",
    summary: "The recording's chat for replay: danmaku with VOD offsets in [from, to)",
    request: { params: z.object({ recordingId: Id }), query: VodDanmakuQuery },
    responses: () => ({
      200: json(
        z.object({
          recordingId: z.string(),
          roomId: z.string(),
          from: z.number(),
          to: z.number(),
          danmaku: z.array(z.object({
            id: z.string(),
            userId: z.string(),
            name: z.string(),
            text: z.string(),
            at: z.number().openapi({ description: "sent at, ms since the epoch" }),
            offsetMs: z.number().openapi({ description: "where it shows in the VOD" }),
          })),
          next: z.string().nullable(),
        }),
        "a page",
      ),
      ...errors({
        400: ["invalid_request"],
        404: ["recording_not_found"],
        409: ["recording_has_no_room"],
        503: ["media_disabled", "danmaku_archive_disabled"],
      }),
    }),
  },
  {
    method: "get",
    path: "/media/objects/{key}",
    [REST_OF_PATH]: "key",
    summary: "A recording's file on the local disk, by its signed URL (Range honoured)",
    description: "`key` is the rest of the path, slashes included " +
      "(`recordings/{roomId}/{recordingId}/seg_000001.ts`). A missing, bad or expired `exp`/" +
      "`sig` is `403 bad_signature`.",
    request: {
      params: z.object({
        key: z.string().min(1).max(1024).openapi({
          param: { name: "key", in: "path" },
          description: "the object's key: the rest of the path",
        }),
      }),
      query: z.object({ exp: z.string().max(20), sig: z.string().max(200) }),
    },
    responses: () => ({
      200: { description: "the bytes" },
      206: { description: "a byte range" },
      ...errors({ 403: ["bad_signature"], 404: ["not_found"] }),
    }),
  },
]);

export const analysisApi = area("analysis", "The recordings' AI: tips, summaries, captions", "/", [
  {
    method: "get",
    path: "/api/analysis/tips/latest",
    summary: "The latest coaching tips: a room's windows, or the caller's recording's AIScript[]",
    description: "With `room`: `{tips}`, the room's latest analysed windows (at most `limit`). " +
      "Without (the Douyin document's call): the latest `limit` lines (`AIScript[]`, newest " +
      "window first) of `recording_id`, else of the caller's one windowed recording that is " +
      "running (or, none running, the newest); `409 recording_ambiguous` when several run.",
    security: BEARER,
    request: { query: LatestTipsQuery },
    responses: (replies) => ({
      200: json(
        z.union([replies.AnalysisReplySchemas.scripts, replies.AnalysisReplySchemas.latestTips]),
        "tips",
        [
          {
            text: "新进来的朋友扣1，今天的福利马上开始～",
            type: "welcome",
            tags: ["douyin", "segment-5m"],
            score: 0.8,
          },
        ],
      ),
      ...errors({
        400: ["invalid_request"],
        401: AUTH,
        403: ["forbidden"],
        404: ["recording_not_found"],
        409: ["recording_ambiguous"],
        503: ["media_disabled"],
      }),
    }),
  },
  {
    method: "get",
    path: "/api/analysis/liveness",
    summary: "Liveness flags of the room's publishing participants (room managers)",
    description: "A liveness check, not deepfake detection: a participant whose picture froze " +
      "(`LIVENESS_FROZEN_S`), keeps repeating a short loop, or whose face both the antispoof " +
      "and liveness models score low is flagged 'possibly not a live camera' with the " +
      "evidence; `clearedAt` is set once the picture looks live again. Newest first.",
    security: BEARER,
    request: { query: LivenessQuery },
    responses: () => ({
      200: json(LivenessAnswer, "flags, newest first", {
        flags: [{
          roomId: "room1",
          recordingId: "rec_1",
          identity: "alice",
          raisedAt: 1_767_225_600_000,
          clearedAt: null,
          reasons: ["frozen"],
          evidence: {
            samples: 12,
            frozenForMs: 22_000,
            repeats: 0,
            loopMs: null,
            motion: 0.1,
            faceSamples: 6,
            antispoof: 0.41,
            liveness: 0.88,
          },
          label: "possibly not a live camera",
          open: true,
        }],
      }),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/api/analysis/tips/stream",
    summary: "The same as Server-Sent Events (`tips`)",
    security: BEARER,
    request: { query: LatestQuery },
    responses: () => ({ 200: SSE, ...MEDIA_ERRORS }),
  },
  {
    method: "post",
    path: "/api/analysis/segment",
    summary: "(Re-)run one window's analysis (`{recordingId, window}` or `{recording_id, seq}`)",
    security: BEARER,
    request: jsonBody(SegmentInput, { recordingId: "rec_1", window: 0 }),
    responses: (replies) => ({
      200: json(replies.AnalysisReplySchemas.segmentDone, "already analysed (no `force`)"),
      202: json(replies.AnalysisReplySchemas.segmentAccepted, "the analysis runs"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "post",
    path: "/api/analysis/summary/{recordingId}",
    summary: "Regenerate the stream's summary and chapters",
    security: BEARER,
    request: { params: z.object({ recordingId: Id }) },
    responses: (replies) => ({
      202: json(replies.AnalysisReplySchemas.summaryAccepted, "the summary is being made again"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/api/analysis/recordings/{id}",
    summary: "Summary, chapters and captions of a VOD",
    request: { params: RecordingParam },
    responses: (replies) => ({
      200: json(replies.AnalysisReplySchemas.recording, "summary, chapters, captions"),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/api/analysis/recordings/{id}/search",
    summary: "Where a text was on screen (OCR of key frames) or said (captions) in a VOD",
    description: "Case-insensitive substring match; a line seen in consecutive key frames " +
      "is one hit from `offsetMs` (seek here) to `untilMs`. Public like the VOD.",
    request: { params: RecordingParam, query: SearchQuery },
    responses: () => ({
      200: json(
        z.object({
          recordingId: z.string(),
          q: z.string(),
          hits: z.array(z.object({
            kind: z.enum(["screen", "caption"]),
            text: z.string(),
            offsetMs: z.number(),
            untilMs: z.number(),
          })),
        }),
        "hits in VOD order",
        {
          recordingId: "rec_1",
          q: "特价",
          hits: [{ kind: "screen", text: "限时特价 ¥59", offsetMs: 130_000, untilMs: 150_000 }],
        },
      ),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/api/analysis/recordings/{id}/faces",
    summary: "Faces and expressions of a VOD's key frames (a timeline)",
    description: "Each analysed key frame (faces found; the largest face's expression) " +
      "at its VOD offset, each analysis window and the whole " +
      "recording in short. Public like the VOD. Empty until a window is analysed, or with " +
      "`ANALYSIS_FACES=false`.",
    request: { params: RecordingParam },
    responses: () => ({
      200: json(FacesAnswer, "frames in time order", {
        recordingId: "rec_1",
        summary: {
          frames: 2,
          withFace: 2,
          presentRatio: 1,
          dominant: "happy",
          shares: { happy: 0.5, neutral: 0.5 },
          smileRatio: 0.5,
          maxFaces: 1,
        },
        windows: [{
          window: 0,
          offsetMs: 0,
          untilMs: 10_000,
          summary: {
            frames: 2,
            withFace: 2,
            presentRatio: 1,
            dominant: "happy",
            shares: { happy: 0.5, neutral: 0.5 },
            smileRatio: 0.5,
            maxFaces: 1,
          },
        }],
        frames: [
          {
            window: 0,
            frame: 1,
            at: 1_767_225_600_000,
            offsetMs: 0,
            faces: 1,
            expression: "happy",
            score: 0.93,
          },
          {
            window: 0,
            frame: 2,
            at: 1_767_225_610_000,
            offsetMs: 10_000,
            faces: 1,
            expression: "neutral",
            score: 0.8,
          },
        ],
      }),
      ...MEDIA_ERRORS,
    }),
  },
  {
    method: "get",
    path: "/api/analysis/recordings/{id}/captions.vtt",
    summary: "The VOD's WebVTT captions",
    request: { params: RecordingParam },
    responses: () => ({ 200: text("text/vtt", "WebVTT"), ...MEDIA_ERRORS }),
  },
]);
