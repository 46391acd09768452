/**
 * The room's contract, in one place: every command a room accepts (its schema and who may
 * send it), every reply, and every event it publishes. Read `ROOM_COMMANDS` to see a
 * command's trust; the room actor's handler table (`room_actor.ts`) says which part handles
 * it; the ports the room needs are declared beside this file (`ports.ts`).
 *
 * Trust levels:
 * - `viewer`: built by the edge from a viewer's parsed frame or REST call (the actor field is
 *   the verified identity, never the viewer's claim);
 * - `edge`: built by the edge from its own state (joins, presence);
 * - `internal`: trusted server code only (media wiring, accounts, the recording analysis).
 *   It reaches the room only inside the internal envelope (`{kind: "internal", cmd}`),
 *   which only `RoomClient`'s internal methods build; a bare internal command (a viewer
 *   path, a forged message) is refused with `internal_only` and changes nothing.
 *
 * Commands travel as JSON over the transport (NATS in a cluster), so the room parses every
 * one with these schemas (`parseRoomCommand`); bad ones get `bad_command`.
 */
import {
  LANGUAGE_SETTINGS,
  type LanguageSetting,
  type StreamLanguageView,
} from "../ai/language_tags.ts";
import { z } from "zod";
import { ActorError } from "../../engine/actor.ts";
import type { Citation } from "../ai/qa/answer.ts";
import type { Topic } from "../ai/topics.ts";
import type { AuditEntry } from "../ai/moderation/room_manager.ts";
import type { KbEntry } from "../ai/qa/kb.ts";
import type { MoodPoint } from "../ai/sentiment.ts";
import type { Source } from "../ai/source.ts";
import { BridgeEventSchema } from "../bridges/events.ts";
import type { BridgedRoomEvent, Via } from "../bridges/room_part.ts";
import type { CoHostEvent } from "../cohost/events.ts";
import type { PkView } from "../pk/view.ts";
import { MeetingOp, type MeetingRoomEvent } from "./meeting_contract.ts";

export const ROOM_ACTOR_TYPE = "rooms";

// --- limits (one constant each; the edge's frame schemas use the same ones)

/**
 * A chat line as typed: at most this many UTF-16 units reach the room (the edge's `say`
 * frame). The room then cleans it and keeps at most `maxTextLength` code points (its option,
 * `DEFAULT_MAX_CODE_POINTS` = 100 by default; longer: `too_long`).
 */
export const MAX_SAY_INPUT = 1000;
/** Most gifts of one kind in one `gift` command. */
export const MAX_GIFT_COUNT = 9999;
/** A gift's idempotency key: 8..128 characters, chosen by the client. */
export const IDEMPOTENCY_KEY = { min: 8, max: 128 } as const;
/** Longest mute an admin can give (30 days). */
export const MAX_MUTE_SECONDS = 30 * 24 * 3600;
/** A client-chosen id echoed in acks. */
export const MAX_CLIENT_ID = 64;
/** Ids of users, rooms, gifts and edges. */
export const MAX_ID = 64;

// --- who acts

/** Who acts: resolved by the edge from a verified token. */
export const Actor = z.object({
  userId: z.string().min(1).max(64),
  name: z.string().min(1).max(32),
  kind: z.enum(["guest", "user"]),
  /** Platform-wide roles from the identity (e.g. `admin`). */
  roles: z.array(z.string()).max(8).default([]),
});
export type Actor = z.infer<typeof Actor>;

/**
 * A room's settings from the record of truth (the accounts database): who owns it, its room
 * admins, and whether guests may chat. Read by the room on activation and pushed to it by
 * `configure` after every change.
 */
export const RoomSettings = z.object({
  ownerId: z.string().min(1).max(64),
  admins: z.array(z.string().min(1).max(64)).max(100),
  guestChat: z.boolean(),
  title: z.string().max(120).optional(),
  /** `meeting`: participants publish once admitted (`parts/meeting.ts`); default `live`. */
  kind: z.enum(["live", "meeting"]).optional(),
  /** The language of the room's AI output; `auto` (or unset): the detected language. */
  language: z.enum(LANGUAGE_SETTINGS as [LanguageSetting, ...LanguageSetting[]]).optional(),
});
export type RoomSettings = z.infer<typeof RoomSettings>;

// --- commands

const id64 = z.string().min(1).max(MAX_ID);

/** A viewer joins through an edge; the reply carries history (or the missed batches). */
export const JoinCommand = z.object({
  kind: z.literal("join"),
  edgeId: id64,
  actor: Actor,
  /** Last batch sequence the client saw; the reply then carries the batches after it. */
  resumeFrom: z.number().int().nonnegative().optional(),
});
/** Each edge reports how many viewers it holds in this room (on change and every few s). */
export const PresenceCommand = z.object({
  kind: z.literal("presence"),
  edgeId: id64,
  viewers: z.number().int().nonnegative(),
});
/** A chat line; the room cleans it and enforces its own length limit (`maxTextLength`). */
export const SayCommand = z.object({
  kind: z.literal("say"),
  actor: Actor,
  text: z.string(),
  /** Client-chosen id echoed in the ack, for matching. */
  clientId: z.string().max(MAX_CLIENT_ID).optional(),
});
export const ModerateAction = z.enum([
  "mute",
  "unmute",
  "ban",
  "unban",
  "admin_add",
  "admin_remove",
]);
export const ModerateCommand = z.object({
  kind: z.literal("moderate"),
  actor: Actor,
  action: ModerateAction,
  target: id64,
  /** For `mute`: seconds (default 600). */
  seconds: z.number().int().positive().max(MAX_MUTE_SECONDS).optional(),
});
/** A gift: queued, committed with the tick's other gifts in one transaction, then acked. */
export const GiftCommand = z.object({
  kind: z.literal("gift"),
  actor: Actor,
  giftId: id64,
  count: z.number().int().positive().max(MAX_GIFT_COUNT),
  /** Client-chosen; a retry with the same key returns the first result, never charges twice. */
  idempotencyKey: z.string().min(IDEMPOTENCY_KEY.min).max(IDEMPOTENCY_KEY.max),
});
export const InfoQuery = z.object({ kind: z.literal("info") });
export const HighlightsQuery = z.object({ kind: z.literal("highlights") });
/** The room's time series since activation (`parts/stats.ts`): viewers, chat and gifts. */
export const StatsQuery = z.object({ kind: z.literal("stats") });
/**
 * Replace the room's owner, admins and guest-chat switch (the accounts routes after a room is
 * created, edited or deleted). `null`: the room is no longer registered.
 */
export const ConfigureCommand = z.object({
  kind: z.literal("configure"),
  settings: RoomSettings.nullable(),
});
const aiId = z.string().min(1).max(80);

/** What an `ai` command asks for. Everything but `state` needs a room owner/admin. */
export const AiOp = z.discriminatedUnion("op", [
  /** The AI panel: mood series, hot topics, recent answers, Q&A status (+ admin extras). */
  z.object({ op: z.literal("state") }),
  z.object({ op: z.literal("audit"), limit: z.number().int().min(1).max(200).default(50) }),
  /** Reverse a moderation action: a mute is lifted, a hidden message is restored. */
  z.object({ op: z.literal("undo"), auditId: aiId }),
  z.object({ op: z.literal("kb_list") }),
  /** Create (no `id`) or replace an entry; `entry` is checked by `KbEntryInput`. */
  z.object({ op: z.literal("kb_put"), id: aiId.optional(), entry: z.unknown() }),
  z.object({ op: z.literal("kb_delete"), id: aiId }),
  /** Q&A assistant controls. `skip` needs `questionId` (a queued or the current one). */
  z.object({
    op: z.literal("qa"),
    action: z.enum(["pause", "resume", "skip", "interrupt"]),
    questionId: aiId.optional(),
  }),
]);
export type AiOp = z.infer<typeof AiOp>;

export const AiCommand = z.object({ kind: z.literal("ai"), actor: Actor, cmd: AiOp });
export type AiCommand = z.infer<typeof AiCommand>;

/** A live caption cue from the recorder's captioner, broadcast as a `caption` event. */
export const CaptionCommand = z.object({
  kind: z.literal("caption"),
  recordingId: z.string().min(1).max(64),
  /** Offsets from the recording's start (ms). */
  startMs: z.number().int().nonnegative(),
  endMs: z.number().int().nonnegative(),
  /** Wall clock of the cue's start (ms since the epoch). */
  at: z.number().int().positive(),
  text: z.string().min(1).max(2000),
  source: z.enum(["local", "llm"]),
  /** Who spoke (the streamer, a guest on stage or a meeting's participant: user id and name). */
  speaker: z.object({ id: z.string().min(1).max(128), name: z.string().max(100) }).optional(),
});
/** The room's danmaku in [from, to) for a recording's analysis window. */
export const WindowQuery = z.object({
  kind: z.literal("window"),
  from: z.number().int().nonnegative(),
  to: z.number().int().positive(),
  limit: z.number().int().min(1).max(1000).default(500),
});
export type CaptionCommand = z.infer<typeof CaptionCommand>;
export type WindowQuery = z.infer<typeof WindowQuery>;

export const StreamSource = z.enum(["webrtc", "ingress", "room"]);

/** Live or offline, from a verified LiveKit webhook (the media wiring). */
export const StreamCommand = z.object({
  kind: z.literal("stream"),
  state: z.enum(["live", "offline"]),
  eventId: z.string().min(1).max(128),
  /** When LiveKit saw it (ms since the epoch). */
  at: z.number().int().nonnegative(),
  streamerId: z.string().min(1).max(128).optional(),
  source: StreamSource,
  /** The stream's id in the accounts database, when the room is registered there. */
  streamId: z.string().min(1).max(64).optional(),
}).strict();
export type StreamCommand = z.infer<typeof StreamCommand>;

/**
 * The recording reconciler: the stream's recording was resumed
 * as `recordingId`, replacing `replaces` (the room's current recording; null: none known).
 */
export const StreamRecordingCommand = z.object({
  kind: z.literal("stream_recording"),
  streamId: z.string().min(1).max(64),
  replaces: z.string().min(1).max(64).nullable(),
  recordingId: z.string().min(1).max(64),
}).strict();
export type StreamRecordingCommand = z.infer<typeof StreamRecordingCommand>;

/** A bridge actor hands the room what its outside room said (`actors/bridges/room_part.ts`). */
export const BridgedCommand = z.object({
  kind: z.literal("bridged"),
  linkId: z.string().regex(/^ln_[0-9a-f]{16}$/),
  events: z.array(BridgeEventSchema).max(200),
}).strict();

/** The room's co-host (its own actor) hands the room its events for the batches. */
export const CoHostEventsCommand = z.object({
  kind: z.literal("cohost_events"),
  events: z.array(
    z.object({ t: z.literal("cohost"), op: z.string().max(16) }).passthrough(),
  ).max(500),
}).strict();

/** Which chat the room forwards to its co-host (set by the co-host when its persona changes). */
export const CoHostListenCommand = z.object({
  kind: z.literal("cohost_listen"),
  native: z.boolean(),
  bridged: z.boolean(),
}).strict();

/**
 * A sentence the room's co-host is about to say: the room's moderation (the same blocklist,
 * link and content rules as its chat) answers `{allowed, reasons}`. Handled by the room's AI.
 */
export const SpeechScreenCommand = z.object({
  kind: z.literal("speech_screen"),
  text: z.string().min(1).max(2000),
}).strict();

/** What a guest on stage may publish (LiveKit sources: camera, microphone or both). */
export const StageMedia = z.enum(["camera", "mic", "both"]);
export type StageMedia = z.infer<typeof StageMedia>;
/** How viewers see the streamer and the guests (chosen by the streamer, broadcast). */
export const StageLayout = z.enum(["grid", "side_by_side", "pip"]);
export type StageLayout = z.infer<typeof StageLayout>;

/**
 * Guests on stage (lianmai, `parts/stage.ts`). `state` for anyone; `raise`, `lower` and `leave`
 * act on the sender only (a signed-in viewer); `accept`, `decline`, `remove`, `mute` and
 * `layout` need the room's owner, a room admin or a platform admin (`forbidden`).
 */
export const StageOp = z.discriminatedUnion("op", [
  z.object({ op: z.literal("state") }),
  z.object({ op: z.literal("raise"), media: StageMedia.default("both") }),
  z.object({ op: z.literal("lower") }),
  z.object({ op: z.literal("leave") }),
  z.object({ op: z.literal("accept"), userId: id64, media: StageMedia.optional() }),
  z.object({ op: z.literal("decline"), userId: id64 }),
  z.object({ op: z.literal("remove"), userId: id64 }),
  z.object({ op: z.literal("mute"), userId: id64, source: z.enum(["camera", "mic"]) }),
  z.object({ op: z.literal("layout"), layout: StageLayout }),
]);
export type StageOp = z.infer<typeof StageOp>;
export const StageCommand = z.object({ kind: z.literal("stage"), actor: Actor, cmd: StageOp });

/**
 * LiveKit saw a participant leave or (re)join the room's SFU (its webhook): a guest on stage
 * who stays away past the grace period (`STAGE_DISCONNECT_GRACE_MS`) loses the spot
 * (`parts/stage.ts`), as if they had left.
 */
export const StagePresenceCommand = z.object({
  kind: z.literal("stage_presence"),
  userId: id64,
  connected: z.boolean(),
}).strict();

/**
 * A meeting member's connection went or came back (`parts/meeting.ts`): `sfu` from LiveKit's
 * `participant_left`/`participant_joined` webhooks, `socket` from an edge whose last room
 * socket of that user closed. A member with neither past `MEETING_DISCONNECT_GRACE_MS` has
 * left: the stay's attendance row closes at the time they went.
 */
export const MeetingPresenceCommand = z.object({
  kind: z.literal("meeting_presence"),
  userId: id64,
  connected: z.boolean(),
  via: z.enum(["sfu", "socket"]),
  edgeId: id64.optional(),
}).strict();

/**
 * The PK coordinator (`actors/pk`) hands the room the battle's view: the room claims itself
 * for it (`pk_busy` while in another battle), shows it (`pk` events, `RoomInfo.pk`) and tells
 * the coordinator when its stream ends (`parts/pk.ts`).
 */
export const PkRoomCommand = z.object({
  kind: z.literal("pk"),
  view: z.object({
    pkId: z.string().regex(/^pk_[A-Za-z0-9_-]{1,60}$/),
    status: z.enum(["invited", "running", "ended"]),
  }).passthrough(),
}).strict();

/** A meeting operation (`meeting_contract.ts`); the room checks the sender's place. */
export const MeetingCommand = z.object({
  kind: z.literal("meeting"),
  actor: Actor,
  cmd: MeetingOp,
});

export type Trust = "viewer" | "edge" | "internal";

/** Every command of the room: its schema and who may send it. */
export const ROOM_COMMANDS = {
  join: { trust: "edge", schema: JoinCommand },
  presence: { trust: "edge", schema: PresenceCommand },
  say: { trust: "viewer", schema: SayCommand },
  moderate: { trust: "viewer", schema: ModerateCommand },
  gift: { trust: "viewer", schema: GiftCommand },
  info: { trust: "viewer", schema: InfoQuery },
  highlights: { trust: "viewer", schema: HighlightsQuery },
  stats: { trust: "viewer", schema: StatsQuery },
  ai: { trust: "viewer", schema: AiCommand },
  stage: { trust: "viewer", schema: StageCommand },
  stage_presence: { trust: "internal", schema: StagePresenceCommand },
  meeting: { trust: "viewer", schema: MeetingCommand },
  meeting_presence: { trust: "internal", schema: MeetingPresenceCommand },
  pk: { trust: "internal", schema: PkRoomCommand },
  configure: { trust: "internal", schema: ConfigureCommand },
  caption: { trust: "internal", schema: CaptionCommand },
  window: { trust: "internal", schema: WindowQuery },
  stream: { trust: "internal", schema: StreamCommand },
  stream_recording: { trust: "internal", schema: StreamRecordingCommand },
  bridged: { trust: "internal", schema: BridgedCommand },
  cohost_events: { trust: "internal", schema: CoHostEventsCommand },
  cohost_listen: { trust: "internal", schema: CoHostListenCommand },
  speech_screen: { trust: "internal", schema: SpeechScreenCommand },
} as const satisfies Record<string, { trust: Trust; schema: z.ZodType<{ kind: string }> }>;

export type RoomCommandKind = keyof typeof ROOM_COMMANDS;
/** The parsed command of `kind`. */
export type CommandOf<K extends RoomCommandKind> = z.infer<(typeof ROOM_COMMANDS)[K]["schema"]>;
/** Any parsed room command. */
export type RoomCommand = { [K in RoomCommandKind]: CommandOf<K> }[RoomCommandKind];
/** What a sender passes (defaults not yet applied). */
export type RoomCommandInput<K extends RoomCommandKind> = z.input<
  (typeof ROOM_COMMANDS)[K]["schema"]
>;
export type InternalKind = {
  [K in RoomCommandKind]: (typeof ROOM_COMMANDS)[K]["trust"] extends "internal" ? K : never;
}[RoomCommandKind];
export type OpenKind = Exclude<RoomCommandKind, InternalKind>;

/** The internal envelope: the only way an `internal` command reaches a room. */
export interface InternalEnvelope {
  kind: "internal";
  cmd: { kind: InternalKind };
}

export function isRoomCommandKind(kind: unknown): kind is RoomCommandKind {
  return typeof kind === "string" && Object.hasOwn(ROOM_COMMANDS, kind);
}

/**
 * Parses what arrived at a room: a bare viewer/edge command, or an internal command inside
 * its envelope. Refusals: `bad_command` (not a command, unknown kind, bad fields),
 * `internal_only` (an internal command outside the envelope). Nothing is changed either way.
 */
export function parseRoomCommand(raw: unknown): RoomCommand {
  let msg = raw;
  let internal = false;
  if (kindOf(msg) === "internal") {
    msg = (msg as { cmd?: unknown }).cmd;
    internal = true;
  }
  const kind = kindOf(msg);
  if (!isRoomCommandKind(kind)) {
    throw new ActorError("bad_command", `unknown room command ${JSON.stringify(kind ?? null)}`);
  }
  const entry = ROOM_COMMANDS[kind];
  if (entry.trust === "internal" && !internal) {
    throw new ActorError("internal_only", `${kind} is sent by trusted server code only`);
  }
  const parsed = entry.schema.safeParse(msg);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw new ActorError("bad_command", `invalid ${kind} command: ${where}${issue?.message}`);
  }
  return parsed.data as RoomCommand;
}

function kindOf(raw: unknown): unknown {
  return typeof raw === "object" && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
}

// --- replies and events

/** The `caption` command for a captioner's cue (a stored caption row: its other
 * fields, such as the room, are left out). */
export function captionCommand(cue: Omit<CaptionCommand, "kind">): CaptionCommand {
  return {
    kind: "caption",
    recordingId: cue.recordingId,
    startMs: cue.startMs,
    endMs: cue.endMs,
    at: cue.at,
    text: cue.text,
    source: cue.source,
    ...(cue.speaker ? { speaker: { id: cue.speaker.id, name: cue.speaker.name } } : {}),
  };
}
/** One live caption cue as broadcast (essential: captions are never dropped). */
export type CaptionRoomEvent = {
  t: "caption";
  c: Omit<CaptionCommand, "kind">;
};

/** One chat message as shown to viewers. */
export interface Danmaku {
  id: string;
  userId: string;
  name: string;
  text: string;
  /** Server time, ms since the epoch. */
  at: number;
  /** The room's owner (the streamer) or an admin (room or platform) said it: never sampled
   * out by an edge's display budget. Absent for everyone else. */
  by?: "owner" | "admin";
  /** Bridged from another platform: which one, through which link, and its user id there. */
  via?: Via;
}

export interface HighlightSpan {
  id: string;
  startAt: number;
  endAt: number;
  /** 0..1, grows with the spike's height over baseline and burst phrases. */
  score: number;
  reason: "rate_spike" | "burst_phrase" | "rate_spike+burst_phrase";
  topPhrases: { phrase: string; count: number }[];
  /** Messages per second at the peak and the EWMA baseline at that time. */
  peakRate: number;
  baselineRate: number;
  /** Topic, mood and the streamer's speech at that moment (the room's AI). */
  ai?: HighlightEnrichment;
}

/** Items of a batch. `danmaku` is low priority: an edge may drop it for a slow viewer. */
export type RoomEvent =
  | { t: "danmaku"; d: Danmaku }
  | { t: "highlight"; h: HighlightSpan }
  | { t: "gift"; g: GiftEvent }
  | { t: "system"; code: string; text: string; at: number }
  | { t: "moderation"; action: string; target: string; by: string; until?: number; at: number }
  | { t: "settings"; s: RoomSettingsView; at: number }
  | AiRoomEvent
  | CaptionRoomEvent
  | BridgedRoomEvent
  | CoHostEvent
  | StageRoomEvent
  | MeetingRoomEvent
  /** A PK battle's view changed (scores, start, end: `actors/pk`). Essential. */
  | { t: "pk"; pk: PkView; at: number };

/** The settings viewers see (in `RoomInfo` and in `settings` events after a change). */
export interface RoomSettingsView {
  /** The owner (null for an unregistered room whose first admin has not been named). */
  owner: string | null;
  admins: string[];
  /** False: guests watch but cannot chat or gift (`guests_disabled`). */
  guestChat: boolean;
  title?: string;
  /** True when the settings come from the accounts database (admins are edited there). */
  managed: boolean;
  /** The streamer's language setting for the room's AI (`auto`: detected). */
  language?: LanguageSetting;
}

/** What a room publishes on `rooms.out.{roomId}` each tick that has something to say. */
export interface RoomBatch {
  roomId: string;
  seq: number;
  at: number;
  viewers: number;
  events: RoomEvent[];
}

export interface RoomInfo {
  roomId: string;
  viewers: number;
  seq: number;
  /** Messages per second over the last 10 s. */
  rate: number;
  createdAt: number;
  lastActiveAt: number;
  admins: string[];
  owner: string | null;
  guestChat: boolean;
  title?: string;
  managed: boolean;
  /** Live or offline, with the current stream and its recording (`parts/stream.ts`). */
  stream?: StreamView;
  /** Audiences of bridged outside rooms by platform (`viewers` counts this room's own). */
  bridgedViewers?: Record<string, number>;
  /** Guests on stage, the raised hands and the layout (`parts/stage.ts`). */
  stage?: StageView;
  /** A meeting room's status (members get the whole view from the `meeting` command). */
  meeting?: { status: "idle" | "running" | "ended"; e2ee: boolean; waitingRoom: boolean };
  /** The PK battle this room is in (or the last one, ended), `parts/pk.ts`. */
  pk?: PkView;
  /** The streamer's language setting for the room's AI (from `RoomSettingsView`). */
  language?: LanguageSetting;
}

/** One viewer on stage or in the queue. */
export interface StageEntry {
  userId: string;
  name: string;
  /** What they asked for (queue) or may publish (on stage). */
  media: StageMedia;
  /** When the hand went up, or when they were accepted. */
  at: number;
}

/** The stage as everyone sees it (the queue is public, as on Bilibili's lianmai list). */
export interface StageView {
  layout: StageLayout;
  maxGuests: number;
  guests: StageEntry[];
  queue: StageEntry[];
  /** Guests whose LiveKit connection went, within the grace period: shown as reconnecting. */
  away?: string[];
}

/**
 * A change on stage (essential, never dropped). `op` says what happened to `userId`
 * (`accepted`, `declined`, `removed`, `left`, `banned`: publish rights granted or taken in
 * LiveKit by `media/livekit/stage_enforcer.ts`; `muted`: `source` muted by the streamer;
 * `away`/`back`: a guest's LiveKit connection went or came back within the grace period);
 * `stage` is the whole new view, so a client simply replaces its copy.
 */
export interface StageRoomEvent {
  t: "stage";
  op:
    | "raised"
    | "lowered"
    | "accepted"
    | "declined"
    | "removed"
    | "left"
    | "banned"
    | "muted"
    | "layout"
    | "away"
    | "back";
  userId?: string;
  media?: StageMedia;
  source?: "camera" | "mic";
  by?: string;
  /** `left` without a word: the guest's LiveKit connection went and stayed away. */
  reason?: "disconnected";
  stage: StageView;
  at: number;
}

export interface ConfigureReply {
  ok: true;
  settings: RoomSettingsView;
}

/**
 * Reply to `join`. `info.seq` is the last batch the history covers: an edge subscribes to
 * `rooms.out.{roomId}` before joining and drops batches with `seq <= info.seq`.
 */
export interface JoinReply {
  info: RoomInfo;
  /** Recent danmaku (oldest first) for a fresh join. */
  history: Danmaku[];
  /** For a resume: the batches after `resumeFrom` still held by the room. */
  missed: RoomBatch[];
  /** For a resume: sequences the room no longer holds (the client lost them). */
  gap?: { from: number; to: number };
  highlights: HighlightSpan[];
  /** The joining viewer's standing in this room (for the UI: mute timer, admin tools). */
  self?: { muted?: SelfMute; banned?: boolean; admin?: boolean; owner?: boolean };
}

/**
 * A viewer's own running mute: until when, and whether a room admin or the AI room manager
 * muted them (the same answer the room's intake gives: `muted` with these details).
 */
export interface SelfMute {
  until: number;
  source: "admin" | "ai";
}

/** A running mute as room admins see it (`ai` `state` -> `admin.mutes`). */
export interface RunningMute extends SelfMute {
  userId: string;
  /** The admin's user id, or `ai:local` / `ai:llm`. */
  by: string;
  /** For an AI mute: its audit entry (undo lifts it). */
  auditId?: string;
}

/**
 * `suppressed: "flood"`: accepted and counted, but not broadcast because the whole room is
 * sending the same text (see `flood.ts`); the edge may show it to its sender only.
 */
export type SayReply = {
  ok: true;
  id: string;
  clientId?: string;
  suppressed?: "flood";
  /** Delivered, but the AI room manager warned the sender. */
  warning?: SayWarning;
};

export interface ModerateReply {
  ok: true;
  action: string;
  target: string;
  /** For `mute`: when it ends (ms since the epoch). */
  until?: number;
}

export interface PresenceReply {
  /** The room's viewer count over all edges after this report. */
  viewers: number;
}

export const roomOutSubject = (roomId: string) => `rooms.out.${roomId}`;

/** Every few seconds while active, and on changes, a room publishes its status here;
 * edges keep a directory of live rooms from it (`GET /api/rooms`). */
export const roomStatusSubject = (roomId: string) => `rooms.status.${roomId}`;
export interface RoomStatus {
  roomId: string;
  viewers: number;
  rate: number;
  seq: number;
  at: number;
  /** False when the room is passivating (edges drop it from the directory). */
  active: boolean;
  /** The streamer is on air (the directory lists live rooms first). */
  live?: boolean;
  /** Since when, and which stream (and its recording, once started), while live. */
  liveSince?: number;
  streamId?: string;
  recordingId?: string;
}

/** One bucket of the room's time series (`stats`): what happened in `[t, t + bucketMs)`. */
export interface StatsPoint {
  t: number;
  /** Viewers when the bucket closed (the room's last count). */
  viewers: number;
  /** Chat messages accepted (flood-suppressed ones too). */
  danmaku: number;
  /** Gifts committed, and their value (integer currency units, a decimal string). */
  gifts: number;
  coins: string;
}

/** The reply to `stats`: closed buckets, oldest first, and the one still open. */
export interface StatsReply {
  bucketMs: number;
  points: StatsPoint[];
  current: StatsPoint;
}

/** The reply to `gift` (also what the ledger answers per gift). */
export type GiftOutcome =
  | {
    ok: true;
    /** Total charged, integer currency units as a decimal string (bigint-safe). */
    amount: string;
    senderBalance: string;
    giftName: string;
    /** True when this was a retry answered from the first result. */
    replayed: boolean;
  }
  | { ok: false; code: string; message: string };

/** Reply to `window`. The room keeps its last 200 messages of 10 minutes: older ones of a
 * window are gone. */
export interface WindowReply {
  danmaku: Danmaku[];
}

export interface GiftEvent {
  id: string;
  userId: string;
  name: string;
  giftId: string;
  giftName: string;
  count: number;
  amount: string;
  at: number;
}

/** One answer of the assistant, as broadcast. */
export interface AssistantAnswer {
  id: string;
  questionId: string;
  question: string;
  /** How many viewers asked it (de-duplicated). */
  askers: number;
  text: string;
  citation: Citation;
  source: Source;
  at: number;
}

export interface TopicsSnapshot {
  at: number;
  topics: Topic[];
  source: Source;
}

export interface QaStatus {
  paused: boolean;
  current: { id: string; text: string; askers: number } | null;
  pending: { id: string; text: string; askers: number }[];
}

/** AI events of a batch (all essential: never dropped for a slow viewer). */
export type AiRoomEvent =
  /** A finished minute of the chat's mood. */
  | { t: "mood"; m: MoodPoint }
  | { t: "topics"; at: number; topics: Topic[]; source: Source }
  | { t: "assistant"; a: AssistantAnswer }
  /** The streamer stopped the assistant's current answer: clients collapse it. */
  | { t: "assistant_stop"; answerId: string | null; questionId: string; at: number }
  | { t: "qa"; status: QaStatus; at: number }
  /** A highlight already published gained the streamer's speech (captions came later). */
  | { t: "highlight_ai"; id: string; ai: HighlightEnrichment }
  /** A message already shown was hidden later (LLM verdict): clients remove it. */
  | { t: "retract"; messageId: string; auditId: string; by: "ai:llm" | "ai:local"; at: number }
  /**
   * For one viewer only (`to`): a warning, a hide or a mute by the AI room manager.
   * Clients of other users ignore it.
   */
  | {
    t: "ai_notice";
    to: string;
    code: "warned" | "hidden" | "muted" | "unmuted";
    text: string;
    auditId: string;
    until?: number;
    at: number;
  };

/** What a highlight gains from the room's AI (see `HighlightSpan.ai`). */
export interface HighlightEnrichment {
  /** Hot topic terms at the moment of the highlight. */
  topics: string[];
  /** The chat's mood over the highlight (messages scored in it). */
  mood: { mean: number; count: number; label: "positive" | "neutral" | "negative" } | null;
  /**
   * What the streamer said from a few seconds before the moment to its end, from the live
   * captions the recorder feeds the room; null when nobody spoke (or no captions run).
   * Captions usually arrive seconds late: a `highlight_ai` event then completes it.
   */
  speech: string | null;
  source: Source;
}

/** `{kind:"say"}` reply extra when the AI room manager warned the sender. */
export interface SayWarning {
  code: "warned";
  message: string;
  auditId: string;
  reasons: string[];
}

/** Reply to `{op:"state"}`. */
export interface AiStateReply {
  mood: MoodPoint[];
  /** The minute in progress. */
  moodNow: MoodPoint | null;
  topics: TopicsSnapshot | null;
  /** Non-empty topic snapshots of the last hour or so, oldest first (summaries, chapters). */
  topicHistory: TopicsSnapshot[];
  answers: AssistantAnswer[];
  qa: QaStatus;
  /** Where the LLM-backed features come from now. */
  llm: { configured: boolean; breaker?: string; model?: string };
  /** The stream's language: the setting, what detection found, and the one AI output uses. */
  language: StreamLanguageView;
  /** Only for room owners/admins. */
  admin?: {
    audit: AuditEntry[];
    kb: KbEntry[];
    /** Running mutes, admins' and the AI's, the soonest to end first. */
    mutes: RunningMute[];
    /** This room's LLM use in this process (cost: integer micro-units as a decimal string). */
    usage?: {
      calls: number;
      failures: number;
      fallbacks: number;
      promptTokens: number;
      completionTokens: number;
      costMicros: string;
    };
  };
}

/** The reply to each `ai` op (`AiOp["op"]`), as REST and the socket's `ai_ok` return it. */
export interface AiReplies {
  state: AiStateReply;
  audit: { audit: AuditEntry[] };
  undo: { ok: true; entry: AuditEntry };
  kb_list: { entries: KbEntry[] };
  kb_put: { ok: true; entry: KbEntry };
  kb_delete: { ok: true; id: string };
  /** `stopped`: the question whose answer `interrupt` ended. */
  qa: { ok: true; stopped?: string | null; qa: QaStatus };
}

/** What viewers and the directory see (`RoomInfo.stream`, `RoomStatus.live`). */
export interface StreamView {
  live: boolean;
  streamId?: string;
  since?: number;
  endedAt?: number;
  source?: z.infer<typeof StreamSource>;
  streamerId?: string;
  recordingId?: string;
}

export interface StreamReply {
  ok: true;
  /** False for a duplicate, an older event, or one that does not change the state. */
  applied: boolean;
  duplicate?: true;
  stream: StreamView;
}
