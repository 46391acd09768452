/**
 * The room's AI, held by the room actor and driven from its mailbox: the AI room manager
 * (`RoomModerator`) screening every `say` synchronously, sentiment per message with a
 * per-minute mood series, hot topics every `topicsEveryMs`, highlight enrichment, and the
 * Q&A assistant (question detection → de-duplicated queue → one answer at a time from the
 * streamer's knowledge base, with a citation). Work that leaves the process (LLM escalation,
 * answers) runs outside the mailbox and comes back as the room's own message (`ctx.self`,
 * in process), so its effect is applied in order with everything else.
 *
 * Persistence: one JSON snapshot under `state.ai` (bounded: audit, mood minutes, topic
 * terms, answers, knowledge-base size), written at most every `persistEveryMs` from the
 * tick, at once after admin actions and late verdicts, and on passivation.
 */
import { z } from "zod";
import { ActorError } from "../../engine/actor.ts";
import type { LlmClient } from "../ai/llm/client.ts";
import type { BlockEntry } from "../ai/moderation/blocklist.ts";
import {
  type AuditEntry,
  emptyModeratorState,
  type ModerationDecision,
  type ModeratorState,
  RoomModerator,
} from "../ai/moderation/room_manager.ts";
import type { RuleOptions } from "../ai/moderation/rules.ts";
import { answerQuestion, type Citation, type QaAnswer } from "../ai/qa/answer.ts";
import { detectQuestion, questionTerms } from "../ai/qa/detect.ts";
import { KbEntryInput } from "../ai/qa/kb.ts";
import { KbError, type KbSnapshot, KnowledgeBase } from "../ai/qa/knowledge_base.ts";
import { emptyQaQueue, QaQueue, type QaQueueState } from "../ai/qa/queue.ts";
import { MoodAggregator, type MoodSnapshot, scoreFolded } from "../ai/sentiment.ts";
import { type TopicSnapshot, TopicTracker } from "../ai/topics.ts";
import type { RoomApi, RoomPart, SayContext } from "./part.ts";
import type {
  AiCommand,
  AiOp,
  AiStateReply,
  AssistantAnswer,
  Danmaku,
  HighlightEnrichment,
  HighlightSpan,
  QaStatus,
  SayWarning,
  TopicsSnapshot,
} from "./contract.ts";
import type { MuteRecord, RoomState } from "./state.ts";

/** A late LLM moderation verdict (from the moderator's escalation queue). */
interface LateVerdict {
  op: "verdict";
  messageId: string;
  userId: string;
  action: "hide" | "warn" | "mute";
  reasons: string[];
  mutedUntil?: number;
  auditId: string;
}

interface AnswerResult {
  op: "answer";
  questionId: string;
  text: string | null;
  citation: Citation | null;
  source: "local" | "llm";
}

/**
 * What the AI sends its room (`ctx.self`, in process) when work done outside the mailbox
 * finishes, so the result is applied in order with everything else.
 */
export type AiSelfMessage = LateVerdict | AnswerResult;

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

const emptyStatus = (q: QaQueueState): QaStatus => ({
  paused: q.paused,
  current: q.current
    ? { id: q.current.id, text: q.current.text, askers: q.current.askers.length }
    : null,
  pending: q.pending.slice(0, 20).map((p) => ({ id: p.id, text: p.text, askers: p.askers.length })),
});

/** Scores kept for highlight enrichment (the last minutes of chat). */
const RECENT_SCORES_MS = 5 * 60_000;
/** Speech this long before a highlight belongs to it (what led up to the moment). */
const SPEECH_LEAD_MS = 10_000;
const SPEECH_MAX_CHARS = 500;
/** An answer not back after this long is given up (LLM timeout × retries stays below it). */
const ANSWER_GIVE_UP_MS = 3 * 60_000;

interface HeardCue {
  at: number;
  endAt: number;
  text: string;
}

export class RoomIntelligence implements RoomPart {
  readonly name = "ai";
  readonly #api: RoomApi;
  readonly #opts: IntelligenceOptions;
  readonly #state: RoomStateWithAi;
  readonly #moderator: RoomModerator;
  #mood: MoodAggregator;
  #topics: TopicTracker;
  readonly #qa: QaQueue;
  readonly #kb: KnowledgeBase;
  #kbChars = 0;
  #answers: AssistantAnswer[];
  #lastTopics: TopicsSnapshot | null;
  #topicHistory: TopicsSnapshot[];
  #highlightNotes: Record<string, HighlightEnrichment>;
  #answering: string | null = null;
  #answeringSince = 0;
  #nextAnswerAt = 0;
  #nextMoodAt = 0;
  #lastTopicsAt: number;
  #messagesSinceTopics = 0;
  #qaChanged = false;
  #dirty = false;
  #lastWriteAt: number;
  #answerCounter = 0;
  /** (at, score) of recent messages, oldest first, for highlight mood. */
  #recentAt: number[] = [];
  #recentScore: number[] = [];
  /** Live caption cues of the last minutes, oldest first. */
  #cues: HeardCue[] = [];

  constructor(api: RoomApi, state: RoomStateWithAi, opts: IntelligenceOptions) {
    this.#api = api;
    this.#opts = opts;
    this.#state = state;
    const snap = state.ai;
    const now = api.now();
    this.#moderator = new RoomModerator({
      roomId: api.roomId,
      llm: opts.llm,
      now: () => api.now(),
      state: snap?.moderator ?? emptyModeratorState(),
      blocklist: opts.blocklist,
      rules: opts.rules,
      muteLadderSeconds: opts.muteLadderSeconds,
      auditLimit: opts.auditLimit,
      // the room's one mute list (the access part's), reached when a message is screened
      mutes: {
        mutedUntil: (userId, at) => api.access.mutes.mutedUntil(userId, at),
        mute: (userId, until, by, auditId, at) =>
          api.access.mutes.mute(userId, until, by, auditId, at),
        lift: (userId, auditId, until) => api.access.mutes.lift(userId, auditId, until),
      },
      onLateDecision: (d) => this.#tellSelf(lateVerdictMessage(d)),
    });
    this.#mood = new MoodAggregator(opts.moodKeepMinutes);
    this.#topics = new TopicTracker();
    try {
      if (snap) this.#mood = MoodAggregator.restore(snap.mood, opts.moodKeepMinutes);
      if (snap?.topics.tracker) this.#topics = TopicTracker.restore(snap.topics.tracker);
    } catch (err) {
      api.log.warn("ai state: mood/topics not restored", { err });
    }
    const qaState = snap?.qa ?? emptyQaQueue();
    // an answer in flight when the room stopped goes back to the front of the queue
    if (qaState.current) {
      qaState.pending.unshift(qaState.current);
      qaState.current = null;
    }
    this.#qa = new QaQueue(qaState);
    this.#kb = new KnowledgeBase({
      roomId: api.roomId,
      llm: opts.llm,
      now: () => api.now(),
      maxEntries: opts.kbMaxEntries,
    });
    if (snap) this.#kb.restore(snap.kb);
    this.#kbChars = this.#kb.list().reduce((n, e) => n + e.body.length, 0);
    this.#answers = snap?.answers ?? [];
    this.#lastTopics = snap?.topics.last ?? null;
    this.#topicHistory = snap?.topics.history ?? [];
    this.#highlightNotes = snap?.highlights ?? {};
    this.#lastTopicsAt = now;
    this.#lastWriteAt = now;
  }

  // --- the say path

  /**
   * Screens one message before it enters the window. Throws `message_hidden` (nobody else
   * sees it) or `muted`; returns a warning for a message that goes out with a warning.
   */
  readonly commands = {
    ai: (cmd: AiCommand) => this.#command(cmd),
  };

  onScreen({ actor, id, line, at }: SayContext): SayWarning | undefined {
    const d = this.#moderator.check({
      id,
      userId: actor.userId,
      name: actor.name,
      text: line.text,
      forms: line,
      muteChecked: true, // the room's intake refused muted senders already
      at,
      exempt: this.#api.access.canManage(actor),
      context: () =>
        this.#api.recentChat(this.#opts.contextMessages).map((m) => `${m.name}: ${m.text}`),
    });
    if (d.action === "allow") return undefined;
    this.#dirty = true;
    const details = { auditId: d.auditId, reasons: d.reasons, source: d.source };
    if (d.action === "hide" && d.reasons[0] === "muted") {
      throw new ActorError("muted", "you are muted in this room", { until: d.mutedUntil });
    }
    if (d.action === "hide") {
      throw new ActorError(
        "message_hidden",
        `your message was hidden by the room's moderation (${d.reasons.join(", ")})`,
        details,
      );
    }
    if (d.action === "mute") {
      const seconds = Math.round(((d.mutedUntil ?? at) - at) / 1000);
      throw new ActorError(
        "muted",
        `your message was hidden and you are muted for ${seconds} s (${d.reasons.join(", ")})`,
        { ...details, until: d.mutedUntil },
      );
    }
    return {
      code: "warned",
      message: `your message was delivered, but breaks the room's rules (${d.reasons.join(", ")})`,
      auditId: d.auditId ?? "",
      reasons: d.reasons,
    };
  }

  /**
   * Counts an accepted message: mood, topics, questions. The text is split into words once;
   * topics, question detection and the Q&A queue all use those words.
   */
  onSay({ line }: SayContext, d: Danmaku): void {
    const s = scoreFolded(line.key);
    this.#mood.add(d.at, s);
    this.#recentAt.push(d.at);
    this.#recentScore.push(s.score);
    if (this.#recentAt.length > 4096 || d.at - this.#recentAt[0] > RECENT_SCORES_MS) {
      const keepFrom = this.#recentAt.findIndex((t) => d.at - t <= RECENT_SCORES_MS);
      const cut = Math.max(
        keepFrom < 0 ? this.#recentAt.length : keepFrom,
        this.#recentAt.length - 2048,
      );
      this.#recentAt.splice(0, cut);
      this.#recentScore.splice(0, cut);
    }
    const words = line.words;
    this.#topics.addTerms(words, d.at, d.userId);
    this.#messagesSinceTopics++;
    if (this.#kb.list().length > 0 && detectQuestion(line.key, words).question) {
      const { result } = this.#qa.offer(d.text, d.userId, d.at, questionTerms(d.text, words));
      if (result !== "recently_answered") this.#qaChanged = true;
    }
    this.#dirty = true;
  }

  /** Adds topic, mood and (when captions exist) speech to a new highlight. */
  onHighlight(span: HighlightSpan): void {
    let sum = 0, count = 0;
    for (let i = this.#recentAt.length - 1; i >= 0; i--) {
      const t = this.#recentAt[i];
      if (t < span.startAt) break;
      if (t >= span.endAt) continue; // the span ends before `endAt`
      sum += this.#recentScore[i];
      count++;
    }
    const mean = count > 0 ? Math.round((sum / count) * 1000) / 1000 : 0;
    const topics = this.#topics.top(3, span.endAt).topics.map((t) => t.term);
    const notes: HighlightEnrichment = {
      topics: topics.length > 0 ? topics : (this.#lastTopics?.topics ?? []).map((t) => t.term),
      mood: count > 0
        ? { mean, count, label: mean > 0.15 ? "positive" : mean < -0.15 ? "negative" : "neutral" }
        : null,
      speech: this.#speechFor(span),
      source: "local",
    };
    span.ai = notes;
    this.#highlightNotes[span.id] = notes;
    this.#dirty = true;
  }

  /**
   * A live caption cue (from the recorder, through the room's `caption` command). Captions
   * come seconds late: one that falls in a recent highlight completes its `speech`, and the
   * room publishes `highlight_ai`.
   */
  onCaption(c: { at: number; startMs: number; endMs: number; text: string }): void {
    const cue: HeardCue = {
      at: c.at,
      endAt: c.at + Math.max(0, c.endMs - c.startMs),
      text: c.text,
    };
    this.#cues.push(cue);
    const horizon = cue.at - RECENT_SCORES_MS;
    while (this.#cues.length > 0 && (this.#cues[0].endAt < horizon || this.#cues.length > 500)) {
      this.#cues.shift();
    }
    for (const span of this.#state.highlights.slice(-5)) {
      if (!span.ai || cue.endAt < span.startAt - SPEECH_LEAD_MS || cue.at >= span.endAt) continue;
      span.ai = { ...span.ai, speech: this.#speechFor(span) };
      this.#highlightNotes[span.id] = span.ai;
      this.#api.emit({ t: "highlight_ai", id: span.id, ai: span.ai });
      this.#dirty = true;
    }
  }

  #speechFor(span: HighlightSpan): string | null {
    const said = this.#cues
      .filter((c) => c.endAt >= span.startAt - SPEECH_LEAD_MS && c.at < span.endAt)
      .map((c) => c.text)
      .join(" ");
    return said === "" ? null : said.slice(0, SPEECH_MAX_CHARS);
  }

  // --- the tick

  /** Work due at `now`: mood minutes, hot topics, the next answer, throttled persistence. */
  onTick(now: number): void {
    if (now >= this.#nextMoodAt) {
      for (const m of this.#mood.closed(now)) this.#api.emit({ t: "mood", m });
      this.#nextMoodAt = Math.floor(now / 60_000) * 60_000 + 60_000;
    }
    if (now - this.#lastTopicsAt >= this.#opts.topicsEveryMs) this.#publishTopics(now);
    if (this.#qaChanged) {
      this.#qaChanged = false;
      this.#api.emit({ t: "qa", status: emptyStatus(this.#qa.state), at: now });
    }
    if (this.#answering !== null && now - this.#answeringSince > ANSWER_GIVE_UP_MS) {
      // the answer never came back (lost message, hung endpoint): do not stall the queue
      this.#api.log.warn("assistant answer timed out", { question: this.#answering });
      this.#answering = null;
      this.#qa.finish(now);
      this.#qaChanged = true;
    }
    if (this.#answering === null && now >= this.#nextAnswerAt) this.#startAnswer(now);
    if (this.#dirty && now - this.#lastWriteAt >= this.#opts.persistEveryMs) {
      this.#write(now);
      this.#api.markDirty();
    }
  }

  /** True while the assistant has something to do (the room keeps ticking). */
  busy(): boolean {
    return this.#answering !== null ||
      (!this.#qa.state.paused && this.#qa.state.pending.length > 0);
  }

  /** Before passivation: close finished minutes and write everything. */
  onPassivate(now: number): void {
    for (const m of this.#mood.closed(now)) this.#api.emit({ t: "mood", m });
    this.#write(now);
  }

  #publishTopics(now: number): void {
    this.#lastTopicsAt = now;
    if (this.#messagesSinceTopics === 0) return;
    this.#messagesSinceTopics = 0;
    const r = this.#topics.top(this.#opts.topicsCount, now);
    const snap: TopicsSnapshot = { at: now, topics: r.topics, source: r.source };
    this.#lastTopics = snap;
    if (r.topics.length > 0) {
      this.#topicHistory.push(snap);
      if (this.#topicHistory.length > this.#opts.topicsKeep) this.#topicHistory.shift();
    }
    this.#api.emit({ t: "topics", at: now, topics: r.topics, source: r.source });
    this.#dirty = true;
  }

  #startAnswer(now: number): void {
    const q = this.#qa.take();
    if (!q) return;
    this.#answering = q.id;
    this.#answeringSince = now;
    this.#qaChanged = true;
    answerQuestion(q.text, this.#kb, this.#opts.llm, this.#api.roomId)
      .catch((err): QaAnswer => {
        this.#api.log.warn("assistant answer failed", { question: q.id, err });
        return { question: q.text, text: null, citation: null, source: "local" };
      })
      .then((a) =>
        this.#tellSelf({
          op: "answer",
          questionId: q.id,
          text: a.text,
          citation: a.citation,
          source: a.source,
        })
      );
  }

  #tellSelf(msg: AiSelfMessage): void {
    this.#api.self(msg);
  }

  // --- commands

  /** The AI's own message came back (a late verdict or an answer). */
  async onSelf(msg: unknown): Promise<void> {
    await this.#internal(msg as AiSelfMessage);
  }

  async #internal(msg: AiSelfMessage): Promise<unknown> {
    const now = this.#api.now();
    if (msg.op === "verdict") {
      this.#api.unpublish((d) => d.id === msg.messageId);
      this.#api.emit({
        t: "retract",
        messageId: msg.messageId,
        auditId: msg.auditId,
        by: "ai:llm",
        at: now,
      });
      this.#api.emit({
        t: "ai_notice",
        to: msg.userId,
        code: msg.action === "mute" ? "muted" : msg.action === "warn" ? "warned" : "hidden",
        text: `a message of yours was hidden by the room's moderation (${msg.reasons.join(", ")})`,
        auditId: msg.auditId,
        ...(msg.mutedUntil !== undefined ? { until: msg.mutedUntil } : {}),
        at: now,
      });
      this.#api.log.info("ai moderation: late verdict", {
        messageId: msg.messageId,
        action: msg.action,
      });
      await this.#persistNow(now);
      return { ok: true };
    }
    // an answer: applied only if the question is still the current one
    if (this.#answering !== msg.questionId) return { ok: false };
    const q = this.#qa.state.current;
    this.#answering = null;
    this.#nextAnswerAt = now + this.#opts.answerGapMs;
    if (q && q.id === msg.questionId && msg.text !== null && msg.citation !== null) {
      const answer: AssistantAnswer = {
        id: `a${this.#api.now().toString(36)}${(++this.#answerCounter).toString(36)}`,
        questionId: q.id,
        question: q.text,
        askers: q.askers.length,
        text: msg.text,
        citation: msg.citation,
        source: msg.source,
        at: now,
      };
      this.#answers.push(answer);
      if (this.#answers.length > this.#opts.answersKeep) this.#answers.shift();
      this.#api.emit({ t: "assistant", a: answer });
    }
    this.#qa.finish(now);
    this.#qaChanged = true;
    this.#dirty = true;
    return { ok: true };
  }

  async #command(cmd: AiCommand): Promise<unknown> {
    const op: AiOp = cmd.cmd;
    const manager = this.#api.access.canManage(cmd.actor);
    if (op.op === "state") return this.#stateReply(manager);
    if (!manager) {
      throw new ActorError("forbidden", "only the room owner and admins manage the room's AI");
    }
    const now = this.#api.now();
    const by = cmd.actor.userId;
    switch (op.op) {
      case "audit":
        return { audit: this.#moderator.audit(op.limit) };
      case "kb_list":
        return { entries: this.#kb.list() };
      case "undo": {
        const entry = this.#undo(op.auditId, by, now);
        await this.#persistNow(now);
        return { ok: true, entry };
      }
      case "kb_put": {
        const entry = this.#kbPut(op.entry, op.id);
        await this.#persistNow(now);
        return { ok: true, entry };
      }
      case "kb_delete": {
        const old = this.#kb.get(op.id);
        if (!old || !this.#kb.remove(op.id)) {
          throw new ActorError("kb_not_found", `no knowledge-base entry ${op.id}`);
        }
        this.#kbChars -= old.body.length;
        await this.#persistNow(now);
        return { ok: true, id: op.id };
      }
      case "qa": {
        const result = this.#qaControl(op.action, op.questionId, now);
        this.#api.emit({ t: "qa", status: emptyStatus(this.#qa.state), at: now });
        await this.#persistNow(now);
        return { ok: true, ...result, qa: emptyStatus(this.#qa.state) };
      }
    }
  }

  #undo(auditId: string, by: string, now: number): AuditEntry {
    const entry = this.#moderator.undo(auditId, by, now);
    if (!entry) {
      throw new ActorError("audit_not_found", `no moderation action ${auditId} to undo`);
    }
    // hidden messages (hide, mute, a late verdict) come back; a warned one was never hidden
    const wasHidden = entry.action !== "warn" || entry.by === "ai:llm";
    if (wasHidden && entry.excerpt !== "") {
      this.#api.emit({
        t: "danmaku",
        d: {
          id: entry.messageId,
          userId: entry.userId,
          name: entry.userName,
          text: entry.excerpt,
          at: entry.at,
        },
      });
    }
    if (entry.action === "mute") {
      this.#api.emit({
        t: "ai_notice",
        to: entry.userId,
        code: "unmuted",
        text: "a room admin lifted your mute",
        auditId: entry.id,
        at: now,
      });
    }
    this.#api.log.info("ai moderation: undone", { auditId, by });
    return entry;
  }

  /**
   * An admin's `unmute` (the room's own moderation command) ended a mute by the AI (already
   * gone from the room's mute list): its audit entry is marked undone and the strike forgiven.
   */
  async onUnmuted(
    userId: string,
    mute: { until: number; auditId?: string },
    by: string,
    now: number,
  ): Promise<void> {
    const entry = this.#moderator.state.audit.findLast((e) =>
      e.userId === userId && e.action === "mute" && !e.undone &&
      (mute.auditId !== undefined ? e.id === mute.auditId : e.mutedUntil === mute.until)
    );
    if (entry) this.#moderator.undo(entry.id, by, now);
    await this.#persistNow(now);
  }

  #kbPut(input: unknown, id: string | undefined) {
    const parsed = KbEntryInput.safeParse(input);
    const oldChars = id !== undefined ? (this.#kb.get(id)?.body.length ?? 0) : 0;
    if (
      parsed.success && this.#kbChars - oldChars + parsed.data.body.length > this.#opts.kbMaxChars
    ) {
      throw new ActorError(
        "kb_full",
        `the knowledge base holds at most ${this.#opts.kbMaxChars} characters`,
      );
    }
    try {
      const entry = this.#kb.upsert(input, id);
      this.#kbChars += entry.body.length - oldChars;
      return entry;
    } catch (err) {
      if (err instanceof KbError) throw new ActorError(err.code, err.message);
      throw err;
    }
  }

  #qaControl(
    action: "pause" | "resume" | "skip" | "interrupt",
    questionId: string | undefined,
    now: number,
  ): { stopped?: string | null } {
    switch (action) {
      case "pause":
        this.#qa.pause();
        return {};
      case "resume":
        this.#qa.resume();
        return {};
      case "skip": {
        if (questionId === undefined) {
          throw new ActorError("bad_command", "skip needs questionId");
        }
        if (!this.#qa.skip(questionId, now)) {
          throw new ActorError("question_not_found", `no queued question ${questionId}`);
        }
        if (this.#answering === questionId) this.#answering = null;
        return {};
      }
      case "interrupt": {
        const current = this.#qa.interrupt(now);
        if (current !== null) {
          this.#answering = null;
          this.#api.emit({ t: "assistant_stop", answerId: null, questionId: current, at: now });
          return { stopped: current };
        }
        // nothing in flight: withdraw the answer just shown
        const last = this.#answers.at(-1);
        if (!last || now - last.at > 60_000) {
          throw new ActorError("nothing_to_interrupt", "the assistant is not answering now");
        }
        this.#answers.pop();
        this.#api.emit({
          t: "assistant_stop",
          answerId: last.id,
          questionId: last.questionId,
          at: now,
        });
        return { stopped: last.questionId };
      }
    }
  }

  #stateReply(manager: boolean): AiStateReply {
    const now = this.#api.now();
    const llm = this.#opts.llm;
    const reply: AiStateReply = {
      mood: this.#mood.series(),
      moodNow: this.#mood.current(now) ?? null,
      topics: this.#lastTopics,
      topicHistory: [...this.#topicHistory],
      answers: [...this.#answers],
      qa: emptyStatus(this.#qa.state),
      llm: llm
        ? { configured: true, breaker: llm.breakerState(), model: llm.model }
        : { configured: false },
    };
    if (manager) {
      reply.admin = {
        audit: this.#moderator.audit(100),
        kb: this.#kb.list(),
        mutes: this.#api.access.mutes.running(now),
      };
      if (llm) {
        const u = llm.usage(this.#api.roomId);
        reply.admin.usage = { ...u, costMicros: u.costMicros.toString() };
      }
    }
    return reply;
  }

  // --- persistence

  async #persistNow(now: number): Promise<void> {
    this.#write(now);
    await this.#api.persist();
  }

  /** Writes the snapshot into the room state (persisted with it). */
  #write(now: number): void {
    this.#dirty = false;
    this.#lastWriteAt = now;
    const tracker = this.#topics.snapshot();
    if (tracker.terms.length > this.#opts.topicTermsPersisted) {
      tracker.terms = [...tracker.terms].sort((a, b) => b[1].bg - a[1].bg)
        .slice(0, this.#opts.topicTermsPersisted);
    }
    const live = new Set(this.#state.highlights.map((h) => h.id));
    for (const id of Object.keys(this.#highlightNotes)) {
      if (!live.has(id)) delete this.#highlightNotes[id];
    }
    this.#state.ai = {
      v: 1,
      moderator: this.#moderator.state,
      mood: this.#mood.snapshot(),
      topics: { tracker, last: this.#lastTopics, history: this.#topicHistory },
      qa: this.#qa.state,
      kb: this.#kb.snapshot(),
      answers: this.#answers,
      highlights: this.#highlightNotes,
    };
  }

  /** Resolves when escalations in flight are answered (tests, shutdown). */
  idle(): Promise<void> {
    return this.#moderator.idle();
  }
}

function lateVerdictMessage(d: ModerationDecision): AiSelfMessage {
  return {
    op: "verdict",
    messageId: d.messageId,
    userId: d.userId,
    action: d.action === "allow" ? "hide" : d.action,
    reasons: d.reasons,
    auditId: d.auditId ?? "",
    ...(d.mutedUntil !== undefined ? { mutedUntil: d.mutedUntil } : {}),
  };
}
