/**
 * The viewer WebSocket protocol, version 1 (documented in `edge/PROTOCOL.md`). Every
 * client frame is one JSON text frame parsed by `ClientFrame`; server frames are the
 * `ServerFrame` union. Error and close codes are stable: clients switch on them.
 */
import { z } from "zod";
import { MeetingOp, type MeetingReply } from "../actors/room/meeting_contract.ts";
import { findForbiddenChar, INVALID_TEXT } from "../engine/text/forbidden.ts";
import {
  AiOp,
  type Danmaku,
  type HighlightSpan,
  IDEMPOTENCY_KEY,
  type JoinReply,
  MAX_CLIENT_ID,
  MAX_GIFT_COUNT,
  MAX_MUTE_SECONDS,
  MAX_SAY_INPUT,
  ModerateAction,
  type RoomBatch,
  type RoomEvent,
  type RoomInfo,
  type SayWarning,
  StageOp,
  type StageView,
} from "../actors/room/contract.ts";

export const PROTOCOL_VERSION = 1;

const seq = z.number().int().nonnegative();
const clientId = z.string().min(1).max(MAX_CLIENT_ID);

export const HelloFrame = z.object({
  type: z.literal("hello"),
  v: z.literal(PROTOCOL_VERSION),
  token: z.string().min(1).max(4096),
  room: z.string().min(1).max(64),
  /** Last batch sequence seen before a reconnect; the edge then replays what was missed. */
  resumeFrom: seq.optional(),
});
export type HelloFrame = z.infer<typeof HelloFrame>;

/** Frames accepted after `welcome`. */
export const SessionFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("say"),
    text: z.string().min(1).max(MAX_SAY_INPUT),
    clientId: clientId.optional(),
  }),
  z.object({ type: z.literal("ping"), t: z.number().optional() }),
  /** Ask for the batches after `from` (after a `gap` notice). */
  z.object({ type: z.literal("resume"), from: seq }),
  /** Room moderation; the room checks that the sender is a room or platform admin. */
  z.object({
    type: z.literal("mod"),
    action: ModerateAction,
    target: z.string().min(1).max(64),
    seconds: z.number().int().positive().max(MAX_MUTE_SECONDS).optional(),
    clientId: clientId.optional(),
  }),
  /** Send a gift; a retry with the same idempotencyKey never charges twice. */
  z.object({
    type: z.literal("gift"),
    giftId: z.string().min(1).max(64),
    count: z.number().int().positive().max(MAX_GIFT_COUNT),
    idempotencyKey: z.string().min(IDEMPOTENCY_KEY.min).max(IDEMPOTENCY_KEY.max),
    clientId: clientId.optional(),
  }),
  /** The room's AI: `state` for anyone; audit/undo, knowledge base, Q&A for room admins. */
  z.object({ type: z.literal("ai"), cmd: AiOp, clientId: clientId.optional() }),
  /** Guests on stage: raise/lower/leave for oneself; accept, decline, remove, mute, layout
   * for the streamer and room admins (the room checks). */
  z.object({ type: z.literal("stage"), cmd: StageOp, clientId: clientId.optional() }),
  /** A meeting room's operation (`MeetingOp`): own hand and leave; host controls (the room
   * checks). Joining the meeting is REST (`POST /api/rooms/:id/meeting`): the socket of a
   * meeting room opens only for members. */
  z.object({ type: z.literal("meeting"), cmd: MeetingOp, clientId: clientId.optional() }),
]);
export type SessionFrame = z.infer<typeof SessionFrame>;

/** Error codes of `error` frames raised by the edge itself. Room refusals (rate limits,
 * mutes, bad text...) pass through with the room's own code. */
export const EdgeErrorCode = {
  /** Not JSON, not an object, unknown type or fields out of range. Nothing changed. */
  badFrame: "bad_frame",
  /** A string in the frame holds NUL, an unpaired surrogate or a non-character (the message
   * names the field). Nothing changed. */
  invalidText: INVALID_TEXT,
  /** A second `hello` on a joined socket. */
  alreadyJoined: "already_joined",
  /** Too many requests in flight on this socket. */
  busy: "busy",
  /** The room did not answer (hand-over or overload); retry shortly. */
  roomUnavailable: "room_unavailable",
  internal: "internal",
} as const;

/**
 * The answer to `say`: everything the room's reply says that PROTOCOL.md promises the sender
 * (`suppressed: "flood"`: accepted and counted, not broadcast; `warning`: delivered, but the
 * AI room manager warned). Built only by `ackFrame`, so no field is dropped on the way.
 */
export type AckFrame = {
  type: "ack";
  clientId?: string;
  id: string;
  suppressed?: "flood";
  warning?: SayWarning;
};

/** The `ack` frame for a room's `say` reply. */
export function ackFrame(
  reply: { id: string; suppressed?: "flood"; warning?: SayWarning },
  clientId: string | undefined,
): AckFrame {
  const ack: AckFrame = { type: "ack", id: reply.id };
  if (clientId !== undefined) ack.clientId = clientId;
  if (reply.suppressed !== undefined) ack.suppressed = reply.suppressed;
  if (reply.warning !== undefined) ack.warning = reply.warning;
  return ack;
}

/** WebSocket close codes used by the edge. */
export const CloseCode = {
  normal: 1000,
  /** Server shutting down; reconnect (to another edge) and resume. */
  goingAway: 1001,
  internalError: 1011,
  /** Room unreachable at join; reconnect with backoff. */
  tryAgainLater: 1013,
  /** Slow consumer: the socket's send buffer passed the hard limit. */
  slowConsumer: 4008,
  /** First frame was not a valid `hello` (or wrong version / room). */
  badHello: 4400,
  /** Token missing, invalid or expired. */
  unauthorized: 4401,
  /** Banned from the room. */
  forbidden: 4403,
  /** No `hello` within the hello timeout. */
  helloTimeout: 4408,
  /** Removed from the meeting by its host (reason `meeting_removed`): every socket of that
   * user in the room is closed at once, and a new one is refused the same way. */
  meetingRemoved: 4410,
  /** The user left the meeting themselves (reason `meeting_left`, a `leave` from any tab or
   * over REST): every socket of that user in the room closes after the batch saying so. */
  meetingLeft: 4411,
  /** A frame larger than the frame limit. */
  frameTooLarge: 4413,
  /** A binary frame (the protocol is JSON text only). */
  binaryFrame: 4415,
  /** More frames per second than allowed. */
  frameFlood: 4429,
} as const;
export type CloseCode = typeof CloseCode[keyof typeof CloseCode];

/** Frames sent by the server. `batch` frames are built by string concatenation on the
 * hot path (see `room_fanout.ts`) but have exactly this shape. */
export type ServerFrame =
  | {
    type: "welcome";
    v: typeof PROTOCOL_VERSION;
    room: RoomInfo;
    you: { userId: string; name: string; kind: "guest" | "user"; roles: string[] };
    history: Danmaku[];
    viewers: number;
    seq: number;
    highlights: HighlightSpan[];
    /** Present on a resume: how many missed batches follow as `batch` frames. */
    replayed?: number;
    /** The viewer's standing in the room when it has one: a running mute (until, by admin or
     * AI), banned, admin, owner. */
    self?: JoinReply["self"];
  }
  /** `omitted`: danmaku the edge's display budget left out of this batch (the client shows "+n"). */
  | ({ type: "batch"; omitted?: number } & RoomBatch)
  | AckFrame
  | { type: "error"; code: string; message: string; clientId?: string }
  | { type: "pong"; t?: number; at: number }
  | { type: "dropped"; count: number; throughSeq: number }
  | { type: "gap"; from: number; to: number }
  | {
    /** The room's sequence went back: forget your `seq`; history and `seq` start afresh. */
    type: "restarted";
    room: RoomInfo;
    seq: number;
    history: Danmaku[];
    highlights: HighlightSpan[];
    viewers: number;
  }
  | { type: "resumed"; batches: number; gap?: { from: number; to: number } }
  | { type: "mod_ok"; action: string; target: string; clientId?: string }
  | { type: "gift_ok"; clientId?: string; result: unknown }
  | { type: "ai_ok"; clientId?: string; op: string; result: unknown }
  | { type: "stage_ok"; clientId?: string; op: string; stage: StageView }
  | { type: "meeting_ok"; clientId?: string; op: string; result: MeetingReply };

export type ServerFrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

/** Events an edge may drop for a slow viewer. Everything else is always delivered. */
export function isDroppable(event: RoomEvent): boolean {
  return event.t === "danmaku";
}

/** The `clientId` of a frame refused before its schema passed, when it carries a valid one:
 * echoed in the error so a client with several requests in flight knows which one failed. */
export function readClientId(frame: unknown): string | undefined {
  if (typeof frame !== "object" || frame === null) return undefined;
  const parsed = clientId.safeParse((frame as { clientId?: unknown }).clientId);
  return parsed.success && !findForbiddenChar(parsed.data) ? parsed.data : undefined;
}

/** Readable summary of a zod failure for `bad_frame` messages (first issue only). */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid frame";
  const path = issue.path.length ? issue.path.join(".") : "frame";
  return `${path}: ${issue.message}`;
}
