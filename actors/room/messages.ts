/**
 * The room actor's contract: commands the edge (or another actor) sends to
 * `rooms.p{k}.{roomId}` by request/reply, and the batches the room publishes on
 * `rooms.out.{roomId}` once per tick. Commands are parsed by these schemas inside the
 * actor too, because over NATS anything may arrive.
 */
import { z } from "zod";
import type { AiRoomEvent, HighlightEnrichment, SayWarning } from "./ai_messages.ts";
import type { StreamView } from "./stream_state.ts";

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
});
export type RoomSettings = z.infer<typeof RoomSettings>;

/** Where a room reads its settings on activation; `null`: an unregistered (ad-hoc) room. */
export interface RoomSettingsSource {
  load(roomId: string): Promise<RoomSettings | null>;
}

export const RoomCommand = z.discriminatedUnion("kind", [
  /** A viewer joins through an edge; the reply carries history (or the missed batches). */
  z.object({
    kind: z.literal("join"),
    edgeId: z.string().min(1).max(64),
    actor: Actor,
    /** Last batch sequence the client saw; the reply then carries the batches after it. */
    resumeFrom: z.number().int().nonnegative().optional(),
  }),
  /** Each edge reports how many viewers it holds in this room (on change and every few s). */
  z.object({
    kind: z.literal("presence"),
    edgeId: z.string().min(1).max(64),
    viewers: z.number().int().nonnegative(),
  }),
  z.object({
    kind: z.literal("say"),
    actor: Actor,
    text: z.string(),
    /** Client-chosen id echoed in the ack, for matching. */
    clientId: z.string().max(64).optional(),
  }),
  z.object({
    kind: z.literal("moderate"),
    actor: Actor,
    action: z.enum(["mute", "unmute", "ban", "unban", "admin_add", "admin_remove"]),
    target: z.string().min(1).max(64),
    /** For `mute`: seconds (default 600). */
    seconds: z.number().int().positive().max(30 * 24 * 3600).optional(),
  }),
  /** A gift: queued, committed with the tick's other gifts in one transaction, then acked. */
  z.object({
    kind: z.literal("gift"),
    actor: Actor,
    giftId: z.string().min(1).max(64),
    count: z.number().int().positive().max(9999),
    /** Client-chosen; a retry with the same key returns the first result, never charges twice. */
    idempotencyKey: z.string().min(8).max(128),
  }),
  z.object({ kind: z.literal("info") }),
  z.object({ kind: z.literal("highlights") }),
  /**
   * Trusted server code only (the accounts routes after a room is created, edited or
   * deleted): replace the room's owner, admins and guest-chat switch. `null`: the room is no
   * longer registered. Never built from a viewer's frame: the edge's client frames have no
   * such type.
   */
  z.object({ kind: z.literal("configure"), settings: RoomSettings.nullable() }),
]);
export type RoomCommand = z.infer<typeof RoomCommand>;

/**
 * Trusted server code only (handled in `captions.ts`, never built from a client frame):
 * `caption` — a live caption cue from the recorder's captioner, broadcast as a `caption`
 * event; `window` — the room's danmaku in [from, to) for a recording's analysis window.
 */
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
});
export const WindowQuery = z.object({
  kind: z.literal("window"),
  from: z.number().int().nonnegative(),
  to: z.number().int().positive(),
  limit: z.number().int().min(1).max(1000).default(500),
});
export type CaptionCommand = z.infer<typeof CaptionCommand>;

/** The room's `caption` command for a captioner's cue (a stored caption row: its other
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
  };
}
export type WindowQuery = z.infer<typeof WindowQuery>;

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
  /** Topic, mood and the streamer's speech at that moment (the room's AI, `ai_messages.ts`). */
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
  | CaptionRoomEvent;

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
  /** Live or offline, with the current stream and its recording (`stream_state.ts`). */
  stream?: StreamView;
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

/** A running mute as room admins see it (`ai` `state` → `admin.mutes`). */
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

// --- gifts (the ledger behind them lives in actors/economy)

export interface GiftRequest {
  idempotencyKey: string;
  roomId: string;
  senderId: string;
  senderName: string;
  giftId: string;
  count: number;
}

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

/** Commits a tick's gifts in one transaction; one gift's failure fails only that gift. */
export interface GiftLedger {
  commitBatch(gifts: GiftRequest[]): Promise<GiftOutcome[]>;
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
