/**
 * The AI part of the room (`part.ts`), split along its concerns:
 * - here: the AI room manager (`RoomModerator`) screening every `say` synchronously, late LLM
 *   verdicts (retract and notify), undo and the audit, the `ai` command and the AI panel;
 * - `ai/mood_topics.ts`: sentiment per message, the per-minute mood series, hot topics every
 *   `topicsEveryMs`, highlight enrichment (topics, mood, the streamer's speech);
 * - `ai/qa_assistant.ts`: question detection → de-duplicated queue → one answer at a time
 *   from the streamer's knowledge base, with a citation;
 * - `ai/persisted.ts` and `ai/options.ts`: the snapshot under `state.ai` and the options.
 * Work that leaves the process (LLM escalation, answers) runs outside the mailbox and comes
 * back as this part's own message (`RoomApi.self`, in process), so its effect is applied in
 * order with everything else.
 *
 * Persistence: one JSON snapshot under `state.ai` (bounded: audit, mood minutes, topic
 * terms, answers, knowledge-base size), written at most every `persistEveryMs` from the
 * tick, at once after admin actions and late verdicts, and on passivation.
 */
import { ActorError } from "../../engine/actor.ts";
import {
  type AuditEntry,
  emptyModeratorState,
  type ModerationDecision,
  RoomModerator,
} from "../ai/moderation/room_manager.ts";
import { MoodTopics } from "./ai/mood_topics.ts";
import type { IntelligenceOptions } from "./ai/options.ts";
import type { RoomStateWithAi } from "./ai/persisted.ts";
import { type AnswerResult, QaAssistant } from "./ai/qa_assistant.ts";
import { StreamLanguage } from "./ai/stream_language.ts";
import { noticeText } from "./ai/notices.ts";
import type { LanguageTag } from "../ai/language_tags.ts";
import type { RoomApi, RoomPart, SayContext } from "./part.ts";
import type {
  AiCommand,
  AiOp,
  AiReplies,
  AiStateReply,
  CommandOf,
  Danmaku,
  HighlightSpan,
  SayWarning,
} from "./contract.ts";

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

/**
 * What the AI sends its room (`ctx.self`, in process) when work done outside the mailbox
 * finishes, so the result is applied in order with everything else.
 */
type AiSelfMessage = LateVerdict | AnswerResult;

export class RoomIntelligence implements RoomPart {
  readonly name = "ai";
  readonly #api: RoomApi;
  readonly #opts: IntelligenceOptions;
  readonly #state: RoomStateWithAi;
  readonly #moderator: RoomModerator;
  /** Mood, hot topics and highlight enrichment (`ai/mood_topics.ts`). */
  readonly #moodTopics: MoodTopics;
  /** Question detection, the queue and the answers (`ai/qa_assistant.ts`). */
  readonly #assistant: QaAssistant;
  /** The stream's language (setting, detection) that notices, answers and tips follow. */
  readonly #language: StreamLanguage;
  #dirty = false;
  #lastWriteAt: number;

  constructor(api: RoomApi, state: RoomStateWithAi, opts: IntelligenceOptions) {
    this.#api = api;
    this.#opts = opts;
    this.#state = state;
    const snap = state.ai;
    const now = api.now();
    this.#language = new StreamLanguage(() => api.access.languageSetting(), snap?.language);
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
    this.#moodTopics = new MoodTopics(api, opts, snap, () => this.#dirty = true);
    this.#assistant = new QaAssistant(
      api,
      opts,
      snap,
      () => this.#dirty = true,
      (msg) => this.#tellSelf(msg),
      () => this.#language.effective,
    );
    this.#lastWriteAt = now;
  }

  // --- the say path

  /**
   * Screens one message before it enters the window. Throws `message_hidden` (nobody else
   * sees it) or `muted`; returns a warning for a message that goes out with a warning.
   */
  readonly commands = {
    ai: (cmd: AiCommand) => this.#command(cmd),
    /** The co-host's sentences pass the chat's rules: severity 2 and up is withheld. */
    speech_screen: (cmd: CommandOf<"speech_screen">) => {
      const { severity, reasons } = this.#moderator.screen(cmd.text);
      return { allowed: severity < 2, reasons };
    },
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
        noticeText("hidden", this.#language.effective, d.reasons),
        details,
      );
    }
    if (d.action === "mute") {
      const seconds = Math.round(((d.mutedUntil ?? at) - at) / 1000);
      throw new ActorError(
        "muted",
        noticeText("muted_for", this.#language.effective, d.reasons, seconds),
        { ...details, until: d.mutedUntil },
      );
    }
    return {
      code: "warned",
      message: noticeText("warned", this.#language.effective, d.reasons),
      auditId: d.auditId ?? "",
      reasons: d.reasons,
    };
  }

  /**
   * Counts an accepted message: mood, topics, questions. The text is split into words once;
   * topics, question detection and the Q&A queue all use those words.
   */
  onSay({ line }: SayContext, d: Danmaku): void {
    this.#moodTopics.count(d, line);
    this.#language.chat(d.text);
    this.#assistant.offer(d, line);
    this.#dirty = true;
  }

  /** Adds topic, mood and (when captions exist) speech to a new highlight. */
  onHighlight(span: HighlightSpan): void {
    this.#moodTopics.enrich(span);
  }

  /** A live caption cue: it may complete a recent highlight's speech. */
  onCaption(c: { at: number; startMs: number; endMs: number; text: string }): void {
    this.#moodTopics.hear(c, this.#state.highlights);
    this.#language.caption(c.text);
  }

  // --- the tick

  /** Work due at `now`: mood minutes, hot topics, the next answer, throttled persistence. */
  onTick(now: number): void {
    this.#moodTopics.tick(now);
    if (this.#language.tick(now)) this.#dirty = true;
    this.#assistant.tick(now);
    if (this.#dirty && now - this.#lastWriteAt >= this.#opts.persistEveryMs) {
      this.#write(now);
      this.#api.markDirty();
    }
  }

  /** The stream's language AI output uses now. */
  get language(): LanguageTag {
    return this.#language.effective;
  }

  /** True while the assistant has something to do (the room keeps ticking). */
  busy(): boolean {
    return this.#assistant.busy();
  }

  /** Before passivation: close finished minutes and write everything. */
  onPassivate(now: number): void {
    this.#moodTopics.closeMinutes(now);
    this.#write(now);
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
        text: noticeText("late_hidden", this.#language.effective, msg.reasons),
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
    return this.#assistant.answered(msg);
  }

  async #command(cmd: AiCommand): Promise<AiReplies[AiOp["op"]]> {
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
        return { audit: this.#moderator.audit(op.limit) } satisfies AiReplies["audit"];
      case "kb_list":
        return { entries: this.#assistant.kbList() } satisfies AiReplies["kb_list"];
      case "undo": {
        const entry = this.#undo(op.auditId, by, now);
        await this.#persistNow(now);
        return { ok: true, entry } satisfies AiReplies["undo"];
      }
      case "kb_put": {
        const entry = this.#assistant.kbPut(op.entry, op.id);
        await this.#persistNow(now);
        return { ok: true, entry } satisfies AiReplies["kb_put"];
      }
      case "kb_delete": {
        this.#assistant.kbDelete(op.id);
        await this.#persistNow(now);
        return { ok: true, id: op.id } satisfies AiReplies["kb_delete"];
      }
      case "qa": {
        const result = this.#assistant.control(op.action, op.questionId, now);
        await this.#persistNow(now);
        return { ok: true, ...result, qa: this.#assistant.status } satisfies AiReplies["qa"];
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
        text: noticeText("unmuted", this.#language.effective),
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

  #stateReply(manager: boolean): AiStateReply {
    const now = this.#api.now();
    const llm = this.#opts.llm;
    // an analysis or the dashboard asking: look at what came in since the last tick's look
    if (this.#language.refresh(now)) this.#dirty = true;
    const reply: AiStateReply = {
      ...this.#moodTopics.view(now),
      answers: this.#assistant.answers,
      qa: this.#assistant.status,
      language: this.#language.view(),
      llm: llm
        ? { configured: true, breaker: llm.breakerState(), model: llm.model }
        : { configured: false },
    };
    if (manager) {
      reply.admin = {
        audit: this.#moderator.audit(100),
        kb: this.#assistant.kbList(),
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
    this.#state.ai = {
      v: 1,
      moderator: this.#moderator.state,
      ...this.#moodTopics.snapshot(this.#state.highlights),
      ...this.#assistant.snapshot(),
      language: this.#language.detected,
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
