/**
 * The room WebSocket's frames as zod schemas and JSON Schemas (draft 2020-12): the client
 * frames are the ones the edge parses with (`edge/protocol.ts`); the server frames mirror the
 * `ServerFrame` type (a compile-time check below keeps the two in step). Served at
 * `GET /api/protocol.schema.json` and registered as components of the OpenAPI document, from
 * which the typed client (edge/sdk/) takes its frame types. Events inside batches are listed by
 * their `t`; a client must ignore event types it does not know (new ones are added).
 */
import { z } from "zod";
import { HighlightSchema } from "../actors/room/state.ts";
import type { PkView } from "../actors/pk/view.ts";
import {
  type RoomInfo as RoomInfoType,
  type StageView as StageViewType,
  StreamSource,
  type StreamView,
} from "../actors/room/contract.ts";
import type { Holds, Same } from "./openapi/schemas.ts";
import { LANGUAGE_SETTINGS, type LanguageSetting } from "../actors/ai/language_tags.ts";
import { HelloFrame, PROTOCOL_VERSION, type ServerFrame, SessionFrame } from "./protocol.ts";

export const ClientFrame = z.discriminatedUnion("type", [HelloFrame, ...SessionFrame.options])
  .meta({ description: "A frame the client sends (one JSON object per text frame)" });

const Danmaku = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  text: z.string(),
  at: z.number().meta({ description: "server time, ms since the epoch" }),
  by: z.enum(["owner", "admin"]).optional(),
  via: z.object({ platform: z.string(), linkId: z.string(), userId: z.string() }).optional(),
});

const HighlightSpan = HighlightSchema.extend({ ai: z.object({ source: z.string() }).optional() });

const StageEntry = z.object({
  userId: z.string(),
  name: z.string(),
  media: z.enum(["camera", "mic", "both"]),
  at: z.number(),
});
/** Guests on stage, raised hands and the layout (edge/PROTOCOL.md, "Guests on stage"). */
export const StageView = z.object({
  layout: z.enum(["grid", "side_by_side", "pip"]),
  maxGuests: z.number().int(),
  guests: z.array(StageEntry),
  queue: z.array(StageEntry),
  away: z.array(z.string()).optional().meta({
    description: "guests whose LiveKit connection went, within the grace period (reconnecting)",
  }),
});

const amount = z.string().regex(/^-?[0-9]+$/).meta({
  description: "integer currency units as a decimal string",
});
const PkSide = z.object({
  roomId: z.string(),
  title: z.string().optional(),
  streamerId: z.string().nullable(),
  score: amount.meta({ description: "gift value during the round" }),
  top: z.array(z.object({ userId: z.string(), name: z.string(), amount })),
});
/** A PK battle as both rooms show it (actors/pk/view.ts `PkView`: `pk` events, `RoomInfo.pk`). */
export const PkViewSchema = z.object({
  pkId: z.string(),
  status: z.enum(["invited", "running", "ended"]),
  a: PkSide,
  b: PkSide,
  durationMs: z.number().int(),
  invitedAt: z.number(),
  startedAt: z.number().optional(),
  endsAt: z.number().optional(),
  endedAt: z.number().optional(),
  winner: z.enum(["a", "b", "draw"]).optional(),
  reason: z.enum(["time", "ended", "offline", "declined", "expired"]).optional(),
  by: z.string().optional().meta({ description: "who ended it, or the room that went offline" }),
});

/** Live or offline, with the current stream and its recording (contract `StreamView`). */
export const StreamViewSchema = z.object({
  live: z.boolean(),
  streamId: z.string().optional(),
  since: z.number().optional(),
  endedAt: z.number().optional(),
  source: StreamSource.optional(),
  streamerId: z.string().optional(),
  recordingId: z.string().optional(),
});

export const RoomInfo = z.object({
  roomId: z.string(),
  viewers: z.number().int(),
  seq: z.number().int(),
  rate: z.number(),
  createdAt: z.number(),
  lastActiveAt: z.number(),
  admins: z.array(z.string()),
  owner: z.string().nullable(),
  guestChat: z.boolean(),
  title: z.string().optional(),
  managed: z.boolean(),
  stream: StreamViewSchema.optional(),
  bridgedViewers: z.record(z.string(), z.number()).optional(),
  stage: StageView.optional(),
  language: z.enum(LANGUAGE_SETTINGS as [LanguageSetting, ...LanguageSetting[]]).optional(),
  meeting: z.object({
    status: z.enum(["idle", "running", "ended"]),
    e2ee: z.boolean(),
    waitingRoom: z.boolean(),
  }).optional(),
  pk: PkViewSchema.optional(),
});

const GiftEvent = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  giftId: z.string(),
  giftName: z.string(),
  count: z.number().int(),
  amount: z.string().meta({ description: "integer currency units as a decimal string" }),
  at: z.number(),
});

/** Events of a batch: the common ones in full, every other kind by its `t`. */
export const RoomEvent = z.union([
  z.object({ t: z.literal("danmaku"), d: Danmaku }),
  z.object({ t: z.literal("highlight"), h: HighlightSpan }),
  z.object({ t: z.literal("gift"), g: GiftEvent }),
  z.object({ t: z.literal("system"), code: z.string(), text: z.string(), at: z.number() }),
  z.object({
    t: z.literal("moderation"),
    action: z.string(),
    target: z.string(),
    by: z.string(),
    until: z.number().optional(),
    at: z.number(),
  }),
  z.looseObject({
    t: z.string().meta({
      description: "settings, caption, retract, mood, topics, answer, bridged, cohost, stage... " +
        "(edge/PROTOCOL.md); ignore kinds you do not know",
    }),
  }),
]);

const seq = z.number().int().nonnegative();
const clientId = z.string().optional();
const Gap = z.object({ from: seq, to: seq });

export const ServerFrameSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("welcome"),
    v: z.literal(PROTOCOL_VERSION),
    room: RoomInfo,
    you: z.object({
      userId: z.string(),
      name: z.string(),
      kind: z.enum(["guest", "user"]),
      roles: z.array(z.string()),
    }),
    history: z.array(Danmaku),
    viewers: z.number().int(),
    seq,
    highlights: z.array(HighlightSpan),
    replayed: z.number().int().optional(),
    self: z.object({ banned: z.boolean().optional(), admin: z.boolean().optional() })
      .optional(),
  }),
  z.object({
    type: z.literal("batch"),
    roomId: z.string(),
    seq,
    at: z.number(),
    viewers: z.number().int(),
    events: z.array(RoomEvent),
    omitted: z.number().int().optional(),
  }),
  z.object({
    type: z.literal("ack"),
    clientId,
    id: z.string(),
    suppressed: z.literal("flood").optional(),
    warning: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
  z.object({
    type: z.literal("error"),
    code: z.string(),
    message: z.string(),
    clientId,
    details: z.unknown().optional(),
  }),
  z.object({ type: z.literal("pong"), t: z.number().optional(), at: z.number() }),
  z.object({ type: z.literal("dropped"), count: z.number().int(), throughSeq: seq }),
  z.object({ type: z.literal("gap"), from: seq, to: seq }),
  z.object({
    type: z.literal("restarted"),
    room: RoomInfo,
    seq,
    history: z.array(Danmaku),
    highlights: z.array(HighlightSpan),
    viewers: z.number().int(),
  }),
  z.object({ type: z.literal("resumed"), batches: z.number().int(), gap: Gap.optional() }),
  z.object({ type: z.literal("mod_ok"), action: z.string(), target: z.string(), clientId }),
  z.object({ type: z.literal("gift_ok"), clientId, result: z.unknown() }),
  z.object({ type: z.literal("ai_ok"), clientId, op: z.string(), result: z.unknown() }),
  z.object({ type: z.literal("stage_ok"), clientId, op: z.string(), stage: StageView }),
  z.object({
    type: z.literal("meeting_ok"),
    clientId,
    op: z.string(),
    result: z.unknown().meta({ description: "`MeetingReply` (actors/room/meeting_contract.ts)" }),
  }),
]).meta({ description: "A frame the server sends" });

/** The views the room sends are these schemas exactly (fails to compile otherwise). */
export type _RoomInfo = Holds<Same<typeof RoomInfo, RoomInfoType>>;
export type _StageView = Holds<Same<typeof StageView, StageViewType>>;
export type _StreamView = Holds<Same<typeof StreamViewSchema, StreamView>>;
export type _PkView = Holds<Same<typeof PkViewSchema, PkView>>;

/** Every server frame the edge builds fits the schema (fails to compile otherwise). */
type Fits<T extends z.input<typeof ServerFrameSchema>> = T;
export type _ServerFramesFit = Fits<Exclude<ServerFrame, { type: "batch" }>>;

/** The schemas by name: JSON Schema `$defs` here, OpenAPI components in the document. */
export const PROTOCOL_SCHEMAS = { ClientFrame, ServerFrame: ServerFrameSchema, RoomInfo } as const;

let cached: Record<string, unknown> | undefined;

/** One JSON Schema document with each frame union under `$defs`. */
export function protocolJsonSchema(): Record<string, unknown> {
  if (cached) return cached;
  const defs = Object.fromEntries(
    Object.entries(PROTOCOL_SCHEMAS).map((
      [name, schema],
    ) => [
      name,
      z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }),
    ]),
  );
  for (const def of Object.values(defs)) delete (def as { $schema?: string }).$schema;
  cached = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "/api/protocol.schema.json",
    title: `Synapse Live room WebSocket protocol v${PROTOCOL_VERSION}`,
    description: "Frames of GET /ws/rooms/{roomId} (edge/PROTOCOL.md): one JSON object per " +
      "text frame. The client sends ClientFrame, the server sends ServerFrame.",
    $defs: defs,
  };
  return cached;
}
