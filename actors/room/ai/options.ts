/** The room AI's options (one set per room actor type; `ai` in the room's options). */
import type { LlmClient } from "../../ai/llm/client.ts";
import type { BlockEntry } from "../../ai/moderation/blocklist.ts";
import type { RuleOptions } from "../../ai/moderation/rules.ts";

export interface IntelligenceOptions {
  /** One client per process (null: local heuristics only, labelled `local`). */
  llm: LlmClient | null;
  /** Hot topics are computed and broadcast this often (config ROOM_TOPICS_EVERY_MS). */
  topicsEveryMs: number;
  topicsCount: number;
  /** Closed mood minutes kept (persisted). */
  moodKeepMinutes: number;
  /** Topic snapshots kept (persisted). */
  topicsKeep: number;
  /** Topic terms persisted (the strongest in the background); the rest is relearned. */
  topicTermsPersisted: number;
  answersKeep: number;
  /** Pause between two answers of the assistant. */
  answerGapMs: number;
  kbMaxEntries: number;
  /** Total characters of all entries' bodies (the knowledge base lives in the room state). */
  kbMaxChars: number;
  auditLimit: number;
  persistEveryMs: number;
  /** Recent messages sent with an escalated message, as context for the LLM. */
  contextMessages: number;
  blocklist?: BlockEntry[];
  rules?: Partial<RuleOptions>;
  /** Mute lengths of the AI room manager (first, second... mute). */
  muteLadderSeconds?: number[];
}

export const DEFAULT_INTELLIGENCE: IntelligenceOptions = {
  llm: null,
  topicsEveryMs: 15_000,
  topicsCount: 5,
  moodKeepMinutes: 240,
  topicsKeep: 60,
  topicTermsPersisted: 600,
  answersKeep: 20,
  answerGapMs: 2_000,
  kbMaxEntries: 50,
  kbMaxChars: 60_000,
  auditLimit: 300,
  persistEveryMs: 10_000,
  contextMessages: 8,
};
