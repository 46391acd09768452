/**
 * Answer schemas of the routes whose answers are the actors' own replies (the room's AI, PK
 * battles...). Each is tied to the type the code returns with `Same` (schemas.ts): the schema
 * parses to exactly that type, so the document, the typed client (edge/sdk/api_types.ts) and
 * the code cannot drift apart without `deno check` failing. Existing zod schemas of the
 * contracts (highlights, knowledge-base entries, language tags) are reused, not copied.
 */
import type {
  AiReplies,
  AssistantAnswer,
  HighlightEnrichment,
  HighlightSpan,
  QaStatus,
  RunningMute,
  TopicsSnapshot,
} from "../../actors/room/contract.ts";
import { HighlightSchema } from "../../actors/room/state.ts";
import type { MoodPoint } from "../../actors/ai/sentiment.ts";
import type { AuditEntry } from "../../actors/ai/moderation/room_manager.ts";
import { KbEntryInput } from "../../actors/ai/qa/kb.ts";
import type { KbEntry } from "../../actors/ai/qa/kb.ts";
import {
  LANGUAGE_SETTINGS,
  LANGUAGE_TAGS,
  type LanguageSetting,
  type LanguageTag,
  type StreamLanguageView,
} from "../../actors/ai/language_tags.ts";
import type { PkView } from "../../actors/pk/view.ts";
// The socket's views that REST routes answer with too (the room, the stage, a PK battle).
export { PkViewSchema, RoomInfo, StageView } from "../protocol_schema.ts";
import { PkViewSchema } from "../protocol_schema.ts";
import type { PkRecord } from "../../actors/pk/sql_store.ts";
import type { Earnings } from "../../actors/economy/earnings.ts";
import type { LedgerLine } from "../../actors/economy/wallets.ts";
import type {
  Withdrawal,
  WithdrawalEvent,
  WithdrawalPage,
} from "../../actors/economy/withdrawals.ts";
import type { PublicLink } from "../../actors/bridges/link.ts";
import type { LinksReplies } from "../../actors/bridges/links_actor.ts";
import type { BridgeHealth } from "../../actors/bridges/bridge_actor.ts";
import type { CoHostReplies } from "../../actors/cohost/cohost_actor.ts";
import { CoHostInputSchema } from "../../actors/cohost/events.ts";
import { Persona } from "../../actors/cohost/persona.ts";
import type { AdminReplies } from "../accounts/admin_view.ts";
import { GRANTABLE_ROLES } from "../accounts/roles.ts";
import type { ClusterView } from "../../engine/cluster_view.ts";
import { Tip } from "../../actors/ai/tip.ts";
import { VOICE_EMOTIONS } from "../../actors/ai/voice.ts";
import type { CaptionRow, SummaryRow, TipsRow } from "../../actors/segment/analysis_store.ts";
import { ANALYSIS_STEPS, type AnalysisStatus } from "../../actors/segment/analysis_messages.ts";
import { SUMMARY_STEPS, type SummaryStatus } from "../../actors/summary/address.ts";
import type { PieceStatus } from "../../media/local/local_media.ts";
import type { IngressView } from "../../media/livekit/server_api.ts";
import type { RecordingStatus } from "../../media/recorder/session.ts";
import type { ClipRow, RecordingRow } from "../../actors/recording/recording_index.ts";
import type { Timeline, VodSpan } from "../../actors/recording/timeline.ts";
import { type Holds, Minor, type Same, type Wire, z } from "./schemas.ts";

// --- the room's AI (actors/room/contract.ts `AiReplies`)

const Source = z.enum(["local", "llm"]).openapi({
  description: "`local`: heuristics on this server; `llm`: the configured model",
});
const Ms = z.number().openapi({ description: "ms since the epoch" });

export const MoodPointSchema = z.object({
  minute: Ms,
  count: z.number(),
  mean: z.number().openapi({ description: "mean score, -1..1" }),
  positive: z.number(),
  neutral: z.number(),
  negative: z.number(),
  emotions: z.partialRecord(
    z.enum(["laugh", "hype", "love", "moved", "sad", "angry", "confused", "bored", "sarcasm"]),
    z.number(),
  ),
  source: Source,
}).openapi("MoodPoint");
export type _MoodPoint = Holds<Same<typeof MoodPointSchema, MoodPoint>>;

const Topic = z.object({ term: z.string(), count: z.number(), score: z.number() });
export const TopicsSnapshotSchema = z.object({
  at: Ms,
  topics: z.array(Topic),
  source: Source,
}).openapi("TopicsSnapshot");
export type _TopicsSnapshot = Holds<Same<typeof TopicsSnapshotSchema, TopicsSnapshot>>;

const Citation = z.object({ entryId: z.string(), title: z.string(), chunkId: z.string() });
export const AssistantAnswerSchema = z.object({
  id: z.string(),
  questionId: z.string(),
  question: z.string(),
  askers: z.number().int(),
  text: z.string(),
  citation: Citation,
  source: Source,
  at: Ms,
}).openapi("AssistantAnswer");
export type _AssistantAnswer = Holds<Same<typeof AssistantAnswerSchema, AssistantAnswer>>;

const Question = z.object({ id: z.string(), text: z.string(), askers: z.number().int() });
export const QaStatusSchema = z.object({
  paused: z.boolean(),
  current: Question.nullable(),
  pending: z.array(Question),
}).openapi("QaStatus");
export type _QaStatus = Holds<Same<typeof QaStatusSchema, QaStatus>>;

const Tag = z.enum(LANGUAGE_TAGS as [LanguageTag, ...LanguageTag[]]);
const LanguageView = z.object({
  setting: z.enum(LANGUAGE_SETTINGS as [LanguageSetting, ...LanguageSetting[]]),
  detected: Tag.nullable(),
  effective: Tag,
});
export type _LanguageView = Holds<Same<typeof LanguageView, StreamLanguageView>>;

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: Ms,
  action: z.enum(["hide", "warn", "mute"]),
  userId: z.string(),
  userName: z.string(),
  messageId: z.string(),
  excerpt: z.string(),
  reasons: z.array(z.string()),
  by: z.enum(["ai:local", "ai:llm"]),
  mutedUntil: Ms.optional(),
  undone: z.object({ by: z.string(), at: Ms }).optional(),
}).openapi("AuditEntry");
export type _AuditEntry = Holds<Same<typeof AuditEntrySchema, AuditEntry>>;

export const KbEntrySchema = KbEntryInput.extend({ id: z.string(), updatedAt: Ms })
  .openapi("KbEntry");
export type _KbEntry = Holds<Same<typeof KbEntrySchema, KbEntry>>;

const RunningMuteSchema = z.object({
  until: Ms,
  source: z.enum(["admin", "ai"]),
  userId: z.string(),
  by: z.string().openapi({ description: "the admin's user id, or `ai:local` / `ai:llm`" }),
  auditId: z.string().optional(),
});
export type _RunningMute = Holds<Same<typeof RunningMuteSchema, RunningMute>>;

export const AiStateSchema = z.object({
  mood: z.array(MoodPointSchema),
  moodNow: z.union([MoodPointSchema, z.null()]),
  topics: z.union([TopicsSnapshotSchema, z.null()]),
  topicHistory: z.array(TopicsSnapshotSchema),
  answers: z.array(AssistantAnswerSchema),
  qa: QaStatusSchema,
  llm: z.object({
    configured: z.boolean(),
    breaker: z.string().optional(),
    model: z.string().optional(),
  }),
  language: LanguageView,
  admin: z.object({
    audit: z.array(AuditEntrySchema),
    kb: z.array(KbEntrySchema),
    mutes: z.array(RunningMuteSchema),
    usage: z.object({
      calls: z.number().int(),
      failures: z.number().int(),
      fallbacks: z.number().int(),
      promptTokens: z.number().int(),
      completionTokens: z.number().int(),
      costMicros: Minor,
    }).optional(),
  }).optional().openapi({ description: "only for the room's owner and admins" }),
}).openapi("AiState");

/** The answer of each `ai` op. */
export const AiReplySchemas = {
  state: AiStateSchema,
  audit: z.object({ audit: z.array(AuditEntrySchema) }),
  undo: z.object({ ok: z.literal(true), entry: AuditEntrySchema }),
  kb_list: z.object({ entries: z.array(KbEntrySchema) }),
  kb_put: z.object({ ok: z.literal(true), entry: KbEntrySchema }),
  kb_delete: z.object({ ok: z.literal(true), id: z.string() }),
  qa: z.object({
    ok: z.literal(true),
    stopped: z.string().nullable().optional().openapi({
      description: "`interrupt`: the question whose answer stopped",
    }),
    qa: QaStatusSchema,
  }),
} as const;
type AiSchemas = typeof AiReplySchemas;
export type _AiReplies = Holds<
  Same<z.ZodObject<{ [K in keyof AiSchemas]: AiSchemas[K] }>, AiReplies>
>;

// --- highlights (actors/room/contract.ts `HighlightSpan`)

const HighlightEnrichmentSchema = z.object({
  topics: z.array(z.string()),
  mood: z.object({
    mean: z.number(),
    count: z.number(),
    label: z.enum(["positive", "neutral", "negative"]),
  }).nullable(),
  speech: z.string().nullable(),
  source: Source,
});
export type _HighlightEnrichment = Holds<
  Same<typeof HighlightEnrichmentSchema, HighlightEnrichment>
>;
export const HighlightSpanSchema = HighlightSchema.extend({
  ai: HighlightEnrichmentSchema.optional(),
}).openapi("HighlightSpan");
export type _HighlightSpan = Holds<Same<typeof HighlightSpanSchema, HighlightSpan>>;

// --- PK battles (actors/pk/view.ts)

export type _PkView = Holds<Same<typeof PkViewSchema, PkView>>;

const PkRecordSide = PkViewSchema.shape.a.pick({ roomId: true, score: true, top: true });
export const PkRecordSchema = z.object({
  pkId: z.string(),
  a: PkRecordSide,
  b: PkRecordSide,
  startedAt: Ms,
  endedAt: Ms,
  durationMs: z.number().int(),
  winner: z.enum(["a", "b", "draw"]),
  reason: z.string(),
  by: z.string().optional(),
}).openapi("PkRecord");
export type _PkRecord = Holds<Same<typeof PkRecordSchema, PkRecord>>;

// --- money (actors/economy: bigints and dates travel as strings, `moneyJson`)

const When = z.string().openapi({
  description: "ISO 8601 time",
  example: "2026-12-05T20:00:00.000Z",
});

export const LedgerLineSchema = z.object({
  id: z.string().regex(/^[0-9]+$/),
  pairId: z.string(),
  account: z.enum(["wallet", "earnings", "held"]),
  amount: Minor,
  kind: z.string(),
  refId: z.string(),
  at: When,
}).openapi("LedgerLine");
export type _LedgerLine = Holds<Same<typeof LedgerLineSchema, Wire<LedgerLine>>>;

export const EarningsSchema = z.object({
  gross: Minor.openapi({ description: "all gifts received, before commission" }),
  commission: Minor,
  net: Minor,
  available: Minor.openapi({ description: "not yet asked for in a withdrawal" }),
  held: Minor.openapi({ description: "held for pending withdrawals" }),
  paidOut: Minor,
  streams: z.array(z.object({
    streamId: z.string().nullable(),
    roomId: z.string(),
    title: z.string().nullable(),
    startedAt: When.nullable(),
    gifts: z.number().int(),
    gross: Minor,
    net: Minor,
  })),
}).openapi("Earnings");
export type _Earnings = Holds<Same<typeof EarningsSchema, Wire<Earnings>>>;

export const WithdrawalSchema = z.object({
  id: z.string(),
  userId: z.string(),
  amount: Minor,
  status: z.enum(["pending", "cancelled", "paid", "rejected"]),
  createdAt: When,
  updatedAt: When,
  payoutReference: z.string().nullable(),
  reason: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: When.nullable(),
  replayed: z.boolean().optional().openapi({
    description: "true: a retry answered with the first result",
  }),
}).openapi("Withdrawal");
export type _Withdrawal = Holds<Same<typeof WithdrawalSchema, Wire<Withdrawal>>>;

export const WithdrawalPageSchema = z.object({
  withdrawals: z.array(WithdrawalSchema.extend({ username: z.string(), displayName: z.string() })),
  next: z.string().nullable(),
  total: z.object({ count: z.number().int(), amount: Minor }),
});
export type _WithdrawalPage = Holds<Same<typeof WithdrawalPageSchema, Wire<WithdrawalPage>>>;

const WithdrawalEventSchema = z.object({
  action: z.enum(["requested", "cancelled", "paid", "rejected"]),
  actorId: z.string(),
  reference: z.string().nullable(),
  reason: z.string().nullable(),
  at: When,
});
export type _WithdrawalEvent = Holds<Same<typeof WithdrawalEventSchema, Wire<WithdrawalEvent>>>;
export const WithdrawalWithEventsSchema = z.object({
  withdrawal: WithdrawalSchema,
  events: z.array(WithdrawalEventSchema),
});

// --- bridges to outside platforms (actors/bridges) and the co-host (actors/cohost)

const PublicLinkSchema = z.object({
  id: z.string(),
  roomId: z.string(),
  platform: z.string(),
  label: z.string().openapi({ example: "bilibili 21452505" }),
  hasSecret: z.boolean().openapi({ description: "a cookie or token is kept, sealed" }),
  createdAt: Ms,
}).openapi("BridgeLink");
export type _PublicLink = Holds<Same<typeof PublicLinkSchema, PublicLink>>;

export const BridgeHealthSchema = z.object({
  link: z.union([PublicLinkSchema, z.null()]),
  active: z.boolean(),
  platform: z.object({
    platform: z.string(),
    connected: z.boolean(),
    lastEventAt: Ms.nullable(),
    reconnects: z.number().int(),
    errors: z.number().int(),
    lastError: z.string().nullable(),
    events: z.number().int(),
    unknown: z.number().int().openapi({ description: "platform messages not mapped" }),
    malformed: z.number().int(),
  }).nullable(),
  forwarded: z.number().int().openapi({ description: "events handed to the room" }),
  dropped: z.number().int(),
}).openapi("BridgeHealth");
export type _BridgeHealth = Holds<Same<typeof BridgeHealthSchema, BridgeHealth>>;

export const BridgeReplySchemas = {
  /** `GET /rooms/{id}/bridges`: the links actor's list, each with its bridge's health. */
  list: z.object({
    roomId: z.string(),
    links: z.array(PublicLinkSchema.extend({ health: z.union([BridgeHealthSchema, z.null()]) })),
  }),
  link: z.object({ link: PublicLinkSchema, health: BridgeHealthSchema }),
  unlink: z.object({ unlinked: z.string() }),
} as const;
export type _LinksReplies = Holds<
  Same<
    z.ZodObject<{ link: typeof BridgeReplySchemas.link; unlink: typeof BridgeReplySchemas.unlink }>,
    Omit<LinksReplies, "list">
  >
>;
export type _BridgeList = Holds<
  Same<
    typeof BridgeReplySchemas.list,
    { roomId: string; links: (PublicLink & { health: BridgeHealth | null })[] }
  >
>;

const CoHostStatusSchema = z.object({
  state: z.enum(["idle", "thinking", "speaking", "interrupted"]),
  turn: z.number().int(),
  current: CoHostInputSchema.nullable(),
  queue: z.array(CoHostInputSchema),
  skipped: z.number().int(),
  answered: z.number().int(),
  persona: Persona,
  hasProxyKey: z.boolean(),
}).openapi("CoHostStatus");

export const CoHostReplySchemas = {
  input: z.object({ outcome: z.enum(["queued", "interrupt", "ignored"]), queue: z.number().int() }),
  interrupt: z.object({ interrupted: z.literal(true) }),
  skip: z.object({ skipped: z.string() }),
  configure: CoHostStatusSchema,
  status: CoHostStatusSchema,
  rotate_key: z.object({
    key: z.string().openapi({ description: "the new /proxy-ws key, shown once" }),
  }),
  check_key: z.object({ ok: z.boolean() }),
} as const;
type CoHostSchemas = typeof CoHostReplySchemas;
export type _CoHostReplies = Holds<
  Same<z.ZodObject<{ [K in keyof CoHostSchemas]: CoHostSchemas[K] }>, CoHostReplies>
>;

// --- platform administration (edge/routes/admin_users.ts)

const AdminUser = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.string()),
  status: z.enum(["active", "banned"]),
  createdAt: When,
}).openapi("AdminUser");
const RoleEventSchema = z.object({
  id: z.string(),
  userId: z.string(),
  username: z.string().nullable(),
  role: z.string(),
  action: z.enum(["grant", "revoke"]),
  via: z.enum(["api", "cli", "bootstrap"]),
  actorId: z.string().nullable(),
  actorName: z.string(),
  at: When,
}).openapi("RoleEvent");

export const AdminReplySchemas = {
  users: z.object({
    users: z.array(AdminUser),
    next: z.string().nullable(),
    grantable: z.array(z.enum(GRANTABLE_ROLES)).openapi({
      description: "the roles an admin may grant",
    }),
  }),
  user: z.object({ user: AdminUser, events: z.array(RoleEventSchema) }),
  change: z.object({
    user: AdminUser,
    changed: z.boolean().openapi({ description: "false: the user already had (lacked) it" }),
    event: RoleEventSchema.optional(),
  }),
  events: z.object({ events: z.array(RoleEventSchema), next: z.string().nullable() }),
} as const;
type AdminSchemas = typeof AdminReplySchemas;
export type _AdminReplies = Holds<
  Same<z.ZodObject<{ [K in keyof AdminSchemas]: AdminSchemas[K] }>, AdminReplies>
>;

// --- the cluster (engine/cluster_view.ts `ClusterView`) and the API's own documents

export const ClusterViewSchema = z.object({
  partitions: z.number().int(),
  instances: z.array(z.object({
    id: z.string(),
    role: z.enum(["engine", "all"]),
    hostname: z.string(),
    pid: z.number().int(),
    startedAt: Ms,
    heartbeatAt: Ms,
    httpUrl: z.string().optional().openapi({ description: "its /metrics and /healthz" }),
    owned: z.array(z.number().int()).openapi({ description: "partitions it holds the lease of" }),
    actors: z.number().int(),
    reachable: z.boolean(),
  })),
  partitionTable: z.array(z.object({
    partition: z.number().int(),
    owner: z.string().nullable(),
    actors: z.array(z.object({ type: z.string(), id: z.string() })),
  })),
  unowned: z.array(z.number().int()).openapi({ description: "partitions nobody owns now" }),
}).openapi("ClusterView");
export type _ClusterView = Holds<Same<typeof ClusterViewSchema, ClusterView>>;

/** A JSON Schema (2020-12) object, by the keywords every one may have. */
const JsonSchemaObject = z.looseObject({
  type: z.union([z.string(), z.array(z.string())]).optional(),
  description: z.string().optional(),
  $ref: z.string().optional(),
});

/** What `/api/openapi.json` is (its full rules: the OpenAPI 3.1 schema). */
export const OpenApiDocumentSchema = z.object({
  openapi: z.literal("3.1.0"),
  info: z.object({ title: z.string(), version: z.string(), description: z.string() }),
  tags: z.array(z.object({ name: z.string(), description: z.string() })),
  paths: z.record(
    z.string().openapi({ description: "a path template" }),
    z.record(
      z.string().openapi({ description: "a method" }),
      z.looseObject({
        summary: z.string(),
        tags: z.array(z.string()),
        responses: z.record(z.string(), z.looseObject({ description: z.string() })),
      }),
    ),
  ),
  components: z.looseObject({
    schemas: z.record(z.string(), JsonSchemaObject),
  }),
  webhooks: z.record(z.string(), z.looseObject({ post: z.looseObject({ summary: z.string() }) }))
    .openapi({ description: "the outbound webhooks' events (none declared here yet)" }),
}).openapi({ description: "an OpenAPI 3.1 document" });

/** What `/api/protocol.schema.json` is: the socket's frames under `$defs`. */
export const ProtocolSchemaDocument = z.object({
  $schema: z.literal("https://json-schema.org/draft/2020-12/schema"),
  $id: z.string(),
  title: z.string(),
  description: z.string(),
  $defs: z.object({
    ClientFrame: JsonSchemaObject,
    ServerFrame: JsonSchemaObject,
    RoomInfo: JsonSchemaObject,
  }).openapi({ description: "JSON Schemas 2020-12 (also this document's components)" }),
});

// --- media: what runs here, OBS ingress, recordings and VODs (media/, actors/recording)

const PieceStatusSchema = z.object({
  piece: z.enum(["redis", "livekit-server", "ingress"]),
  state: z.enum(["starting", "up", "restarting", "stopped", "missing", "building", "failed"]),
  restarts: z.number().int(),
  pid: z.number().int().optional(),
  detail: z.string().optional().openapi({ description: "what is missing and how to get it" }),
});
export type _PieceStatus = Holds<Same<typeof PieceStatusSchema, PieceStatus>>;
export const MediaStatusSchema = z.object({
  live: z.boolean(),
  recording: z.boolean(),
  vod: z.boolean(),
  pieces: z.array(PieceStatusSchema).optional().openapi({
    description: "the embedded media servers (embedded mode)",
  }),
}).openapi("MediaStatus");

export const IngressViewSchema = z.object({
  ingressId: z.string(),
  kind: z.enum(["rtmp", "whip"]),
  url: z.string().openapi({ description: "what OBS connects to" }),
  streamKey: z.string(),
  roomId: z.string(),
}).openapi("Ingress");
export type _IngressView = Holds<Same<typeof IngressViewSchema, IngressView>>;

/** A recording this process is making (media/recorder/session.ts). */
export const RecordingStatusSchema = z.object({
  recordingId: z.string(),
  roomId: z.string(),
  source: z.enum(["livekit", "url"]),
  describe: z.string(),
  state: z.enum(["recording", "paused", "stopped", "failed"]),
  startedAt: Ms,
  stoppedAt: Ms.optional(),
  segments: z.number().int(),
  bytes: z.number().int(),
  restarts: z.number().int(),
  gaps: z.array(z.object({ from: Ms, to: Ms, reason: z.string() })),
  pauseReason: z.string().optional(),
}).openapi("RecordingStatus");
export type _RecordingStatus = Holds<Same<typeof RecordingStatusSchema, RecordingStatus>>;

/** A recording as the index keeps it (actors/recording/recording_index.ts). */
export const RecordingRowSchema = z.object({
  id: z.string(),
  roomId: z.string(),
  streamerId: z.string().nullable(),
  source: z.enum(["livekit", "url", "egress"]),
  sourceRef: z.string().nullable(),
  state: z.enum(["recording", "paused", "stopped", "failed", "interrupted"]),
  startedAt: Ms,
  endedAt: Ms.nullable(),
  endReason: z.string().nullable(),
}).openapi("Recording");
export type _RecordingRow = Holds<Same<typeof RecordingRowSchema, RecordingRow>>;

export const ClipSchema = z.object({
  id: z.string(),
  recordingId: z.string(),
  highlightId: z.string(),
  startOffsetMs: z.number().int(),
  endOffsetMs: z.number().int(),
  key: z.string(),
  score: z.number().nullable(),
}).openapi("Clip");
export type _Clip = Holds<Same<typeof ClipSchema, ClipRow>>;

const TimelineSchema = z.object({
  recording: RecordingRowSchema,
  segments: z.array(z.object({
    seq: z.number().int(),
    key: z.string(),
    startAt: Ms,
    endAt: Ms,
    durationMs: z.number(),
    offsetMs: z.number().openapi({ description: "where the segment starts in the VOD" }),
    discontinuity: z.boolean(),
  })),
  gaps: z.array(z.object({ from: Ms, to: Ms, reason: z.string() })),
  durationMs: z.number(),
});
export type _Timeline = Holds<Same<typeof TimelineSchema, Timeline>>;
const VodSpanSchema = z.object({
  id: z.string(),
  startOffsetMs: z.number(),
  endOffsetMs: z.number(),
  score: z.number().optional(),
});
export type _VodSpan = Holds<Same<typeof VodSpanSchema, VodSpan>>;

export const MediaReplySchemas = {
  ingressList: z.object({ ingress: z.array(IngressViewSchema) }),
  ingress: z.object({ ingress: IngressViewSchema }),
  /** `POST /api/recording/start` `{roomId, url?}`: the recording now running. */
  roomRecording: z.object({
    recording: z.union([
      RecordingStatusSchema,
      z.object({
        recordingId: z.string(),
        roomId: z.string(),
        source: z.string(),
        startedAt: Ms.optional(),
      }).openapi({ description: "a room recording by LiveKit egress" }),
    ]),
  }),
  recordings: z.object({ roomId: z.string(), recordings: z.array(RecordingRowSchema) }),
  timeline: TimelineSchema.extend({
    highlights: z.array(VodSpanSchema).openapi({ description: "the room's highlights in it" }),
    clips: z.array(ClipSchema),
  }),
  clips: z.array(ClipSchema.extend({ url: z.string().openapi({ description: "signed" }) })),
} as const;

// --- the recordings' AI: coaching tips per window, summaries, captions (actors/segment, summary)

const WindowVoiceSchema = z.object({
  source: z.literal("local"),
  speechSeconds: z.number(),
  loudnessDb: z.number().nullable(),
  pitchHz: z.object({ p10: z.number(), p50: z.number(), p90: z.number() }).nullable(),
  pitchRangeSemitones: z.number().nullable(),
  syllablesPerSecond: z.number().nullable(),
  wordsPerMinute: z.number().nullable(),
  energy: z.enum(["low", "medium", "high"]).nullable(),
  emotion: z.object({
    emotion: z.enum(VOICE_EMOTIONS),
    confidence: z.number(),
    source: z.literal("llm"),
  }).optional(),
});
export const TipsRowSchema = z.object({
  recordingId: z.string(),
  window: z.number().int(),
  roomId: z.string(),
  startAt: Ms,
  endAt: Ms,
  tips: z.array(Tip),
  source: Source,
  transcript: z.string(),
  speechRatio: z.number(),
  frames: z.number().int(),
  danmaku: z.number().int(),
  run: z.number().int(),
  createdAt: Ms,
  language: z.string().openapi({ description: "BCP-47: what the tips are written in" }),
  screenText: z.array(z.string()),
  voice: WindowVoiceSchema.nullable().optional(),
}).openapi("WindowTips");
export type _TipsRow = Holds<Same<typeof TipsRowSchema, TipsRow>>;

const Chapter = z.object({ title: z.string(), startMs: z.number() });
export const SummaryRowSchema = z.object({
  recordingId: z.string(),
  roomId: z.string(),
  summary: z.string(),
  chapters: z.array(Chapter),
  source: Source,
  run: z.number().int(),
  createdAt: Ms,
  language: z.string(),
}).openapi("StreamSummary");
export type _SummaryRow = Holds<Same<typeof SummaryRowSchema, SummaryRow>>;

const AnalysisStatusSchema = z.object({
  window: z.number().int(),
  run: z.number().int(),
  step: z.enum(ANALYSIS_STEPS).nullable().openapi({ description: "the last finished step" }),
  done: z.boolean(),
  tips: z.union([TipsRowSchema, z.null()]),
});
export type _AnalysisStatus = Holds<Same<typeof AnalysisStatusSchema, AnalysisStatus>>;
const SummaryStatusSchema = z.object({
  recordingId: z.string(),
  run: z.number().int(),
  step: z.enum(SUMMARY_STEPS).nullable(),
  done: z.boolean(),
  summary: z.union([SummaryRowSchema, z.null()]),
});
export type _SummaryStatus = Holds<Same<typeof SummaryStatusSchema, SummaryStatus>>;

const CaptionCue = z.object({
  startMs: z.number(),
  endMs: z.number(),
  text: z.string(),
  source: Source,
});
export type _CaptionCue = Holds<
  Same<typeof CaptionCue, Pick<CaptionRow, "startMs" | "endMs" | "text" | "source">>
>;

export const AnalysisReplySchemas = {
  /** `?room=`: the room's latest windows' tips, newest first. */
  latestTips: z.object({ tips: z.array(TipsRowSchema) }),
  /** Without `room` (the Douyin document's call): the latest lines, `AIScript[]`. */
  scripts: z.array(Tip).openapi({ description: "AIScript[]: the latest lines, newest first" }),
  segmentDone: z.object({ status: z.literal("done"), tips: TipsRowSchema }),
  segmentAccepted: z.object({ status: z.literal("accepted"), analysis: AnalysisStatusSchema }),
  summaryAccepted: z.object({ status: z.literal("accepted"), summary: SummaryStatusSchema }),
  recording: z.object({
    recordingId: z.string(),
    summary: z.string().nullable(),
    chapters: z.array(Chapter),
    source: Source.nullable(),
    captions: z.array(CaptionCue),
    captionsVtt: z.string().nullable().openapi({ description: "the WebVTT file's path" }),
  }),
} as const;

// --- a recording as its routes answer it (edge/openapi/paths/media.ts)

/** One window of a windowed recording. */
export const WindowInfoSchema = z.object({
  seq: z.number(),
  path: z.string(),
  start_ts: z.number(),
  end_ts: z.number(),
  url: z.string(),
});
/** A recording now (this process's) or as the index keeps it; null: the room records nothing. */
const RecordingNow = z.union([RecordingStatusSchema, RecordingRowSchema]);
/** A windowed recording's plan (the Douyin document's fields) beside its recording. */
export const RecordingAnswerSchema = z.object({
  recording: RecordingNow.nullable().optional(),
  recording_id: z.string().optional(),
  room_id: z.string().optional(),
  output: z.string().optional(),
  platform: z.string().optional(),
  anchor: z.string().optional(),
  segment_time: z.number().optional(),
  quality: z.string().optional(),
  save_format: z.string().optional(),
  windows: z.array(WindowInfoSchema).optional(),
  state: z.string().optional().openapi({ description: "a windowed recording's state" }),
  pause_reason: z.string().optional(),
  notice: z.object({ en: z.string(), zh: z.string() }).optional(),
}).openapi({ description: "`recording`, and a windowed recording's plan fields" });
