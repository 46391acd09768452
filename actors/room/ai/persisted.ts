/**
 * The room's AI state as persisted with the room (`state.ai`): one JSON snapshot, restored
 * field by field so a damaged part starts empty without costing the others.
 */
import { z } from "zod";
import { emptyModeratorState, type ModeratorState } from "../../ai/moderation/room_manager.ts";
import type { KbSnapshot } from "../../ai/qa/knowledge_base.ts";
import { emptyQaQueue, type QaQueueState } from "../../ai/qa/queue.ts";
import type { MoodSnapshot } from "../../ai/sentiment.ts";
import type { TopicSnapshot } from "../../ai/topics.ts";
import type { AssistantAnswer, HighlightEnrichment, TopicsSnapshot } from "../contract.ts";
import type { MuteRecord, RoomState } from "../state.ts";

/** Persisted under `state.ai`. */
export interface AiSnapshot {
  v: 1;
  moderator: ModeratorState;
  mood: MoodSnapshot;
  topics: { tracker: TopicSnapshot | null; last: TopicsSnapshot | null; history: TopicsSnapshot[] };
  qa: QaQueueState;
  kb: KbSnapshot;
  answers: AssistantAnswer[];
  /** Enrichment of the room's highlights by id (re-attached on restore). */
  highlights: Record<string, HighlightEnrichment>;
  /** The stream's language as last detected (absent in snapshots from before it existed). */
  language?: string | null;
}

export type RoomStateWithAi = RoomState & { ai?: AiSnapshot };

const part = <T>(fallback: () => T) => z.unknown().transform((v) => (v ?? fallback()) as T);
/** Field by field: a damaged part starts empty without costing the others. */
const PersistedAi = z.object({
  moderator: z.object({
    nextAudit: z.number().int().positive(),
    mutes: z.record(z.string(), z.number()),
    strikes: z.record(z.string(), z.object({ at: z.array(z.number()), mutes: z.number() })),
    audit: z.array(z.object({ id: z.string(), action: z.string() }).passthrough()),
  }).transform((m) => m as unknown as ModeratorState).catch(emptyModeratorState),
  mood: z.object({ open: z.array(z.unknown()), history: z.array(z.unknown()) })
    .transform((m) => m as MoodSnapshot).catch({ open: [], history: [] }),
  topics: z.object({
    tracker: part<TopicSnapshot | null>(() => null),
    last: part<TopicsSnapshot | null>(() => null),
    history: z.array(z.unknown()).transform((h) => h as TopicsSnapshot[]),
  }).catch({ tracker: null, last: null, history: [] }),
  qa: z.object({
    paused: z.boolean(),
    nextId: z.number(),
    pending: z.array(z.unknown()),
    current: z.unknown(),
    recent: z.array(z.unknown()),
  }).transform((q) => q as QaQueueState).catch(emptyQaQueue),
  kb: z.object({
    nextId: z.number().int().positive(),
    entries: z.array(
      z.object({ id: z.string(), title: z.string(), body: z.string() }).passthrough(),
    ),
  }).transform((k) => k as unknown as KbSnapshot).catch({ nextId: 1, entries: [] }),
  answers: z.array(z.unknown()).transform((a) => a as AssistantAnswer[]).catch([]),
  highlights: z.record(z.string(), z.unknown())
    .transform((h) => h as Record<string, HighlightEnrichment>).catch({}),
  language: z.string().nullable().optional().catch(null),
});

/**
 * Re-attaches the AI snapshot to a restored room state (the room's own schema does not know
 * it) and the enrichment to the highlights. Mutes of the AI in a snapshot from before the
 * room's one mute list (`ai.moderator.mutes`) move into `state.mutes` as `source: "ai"`.
 */
export function restoreAiState(state: RoomState, raw: unknown): RoomStateWithAi {
  const ai = typeof raw === "object" && raw !== null ? (raw as { ai?: unknown }).ai : undefined;
  if (ai === undefined) return state;
  const parsed = PersistedAi.safeParse(ai);
  if (!parsed.success) return state;
  const snap: AiSnapshot = { v: 1, ...parsed.data };
  for (const h of state.highlights) {
    const notes = snap.highlights[h.id];
    if (notes) h.ai = notes;
  }
  moveAiMutes(state, snap.moderator);
  return Object.assign(state, { ai: snap });
}

function moveAiMutes(state: RoomState, moderator: ModeratorState): void {
  const old = Object.entries(moderator.mutes ?? {});
  if (old.length === 0) return;
  const byUser = new Map(state.mutes.map((m) => [m.userId, m]));
  for (const [userId, until] of old) {
    if (typeof until !== "number") continue;
    const running = byUser.get(userId);
    if (running !== undefined && running.until >= until) continue; // a longer mute stands
    const entry = moderator.audit.findLast((e) =>
      e.userId === userId && e.action === "mute" && e.mutedUntil === until && !e.undone
    );
    const m: MuteRecord = { userId, until, by: entry?.by ?? "ai:local", source: "ai" };
    if (entry) m.auditId = entry.id;
    byUser.set(userId, m);
  }
  state.mutes = [...byUser.values()];
  moderator.mutes = {};
}
