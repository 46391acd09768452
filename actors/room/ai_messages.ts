/**
 * The room's AI contract: the `ai` command (read the AI panel, audit/undo, knowledge base,
 * Q&A controls) that the edge sends like any room command, the internal `ai_internal`
 * command a room sends to itself when a late LLM verdict or an answer comes back, and the
 * AI events a room publishes in its batches. Every AI output carries `source`.
 */
import { z } from "zod";
import type { Citation } from "../ai/qa/answer.ts";
import type { Topic } from "../ai/topics.ts";
import type { AuditEntry } from "../ai/moderation/room_manager.ts";
import type { KbEntry } from "../ai/qa/kb.ts";
import type { MoodPoint } from "../ai/sentiment.ts";
import type { Source } from "../ai/source.ts";
import { Actor, type RunningMute } from "./messages.ts";

const id = z.string().min(1).max(80);

/** What an `ai` command asks for. Everything but `state` needs a room owner/admin. */
export const AiOp = z.discriminatedUnion("op", [
  /** The AI panel: mood series, hot topics, recent answers, Q&A status (+ admin extras). */
  z.object({ op: z.literal("state") }),
  z.object({ op: z.literal("audit"), limit: z.number().int().min(1).max(200).default(50) }),
  /** Reverse a moderation action: a mute is lifted, a hidden message is restored. */
  z.object({ op: z.literal("undo"), auditId: id }),
  z.object({ op: z.literal("kb_list") }),
  /** Create (no `id`) or replace an entry; `entry` is checked by `KbEntryInput`. */
  z.object({ op: z.literal("kb_put"), id: id.optional(), entry: z.unknown() }),
  z.object({ op: z.literal("kb_delete"), id }),
  /** Q&A assistant controls. `skip` needs `questionId` (a queued or the current one). */
  z.object({
    op: z.literal("qa"),
    action: z.enum(["pause", "resume", "skip", "interrupt"]),
    questionId: id.optional(),
  }),
]);
export type AiOp = z.infer<typeof AiOp>;

export const AiCommand = z.object({ kind: z.literal("ai"), actor: Actor, cmd: AiOp });
export type AiCommand = z.infer<typeof AiCommand>;

/** A late LLM moderation verdict (from the moderator's escalation queue). */
const LateVerdict = z.object({
  op: z.literal("verdict"),
  messageId: z.string(),
  userId: z.string(),
  action: z.enum(["hide", "warn", "mute"]),
  reasons: z.array(z.string()),
  mutedUntil: z.number().optional(),
  auditId: z.string(),
});

const AnswerResult = z.object({
  op: z.literal("answer"),
  questionId: z.string(),
  text: z.string().nullable(),
  citation: z.object({ entryId: z.string(), title: z.string(), chunkId: z.string() }).nullable(),
  source: z.enum(["local", "llm"]),
});

/**
 * Sent by a room to itself (`ctx.tell`) when work done outside the mailbox finishes, so the
 * result is applied in order with everything else. `token` is a per-activation secret: a
 * forged internal command from the outside is refused.
 */
export const AiInternalCommand = z.object({
  kind: z.literal("ai_internal"),
  token: z.string(),
  msg: z.discriminatedUnion("op", [LateVerdict, AnswerResult]),
});
export type AiInternalCommand = z.infer<typeof AiInternalCommand>;

/** Cheap routing check before the full parse. */
export function isAiCommandKind(raw: unknown): boolean {
  if (typeof raw !== "object" || raw === null) return false;
  const kind = (raw as { kind?: unknown }).kind;
  return kind === "ai" || kind === "ai_internal";
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
