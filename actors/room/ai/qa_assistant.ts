/**
 * The Q&A assistant of the room's AI: question detection on every accepted message (with the
 * line's words, split once) → a de-duplicated queue → one answer at a time from the streamer's
 * knowledge base, with a citation. The answer is worked out beside the mailbox (a model call
 * when one is configured) and comes back as the AI part's own message (`answered`). Room
 * owners and admins edit the knowledge base and pause, resume, skip or interrupt the
 * assistant (`kb_*`, `qa` ops of the `ai` command).
 */
import { ActorError } from "../../../engine/actor.ts";
import { answerQuestion, type Citation, type QaAnswer } from "../../ai/qa/answer.ts";
import { detectQuestion, questionTerms } from "../../ai/qa/detect.ts";
import { type KbEntry, KbEntryInput } from "../../ai/qa/kb.ts";
import { KbError, type KbSnapshot, KnowledgeBase } from "../../ai/qa/knowledge_base.ts";
import { emptyQaQueue, QaQueue, type QaQueueState } from "../../ai/qa/queue.ts";
import type { ChatLine } from "../chat_line.ts";
import type { AssistantAnswer, Danmaku, QaStatus } from "../contract.ts";
import type { RoomApi } from "../part.ts";
import type { IntelligenceOptions } from "./options.ts";
import type { AiSnapshot } from "./persisted.ts";
import type { LanguageTag } from "../../ai/language_tags.ts";

/** An answer worked out beside the mailbox, back as the AI part's own message. */
export interface AnswerResult {
  op: "answer";
  questionId: string;
  text: string | null;
  citation: Citation | null;
  source: "local" | "llm";
}

/** An answer not back after this long is given up (LLM timeout × retries stays below it). */
const ANSWER_GIVE_UP_MS = 3 * 60_000;

export const qaStatus = (q: QaQueueState): QaStatus => ({
  paused: q.paused,
  current: q.current
    ? { id: q.current.id, text: q.current.text, askers: q.current.askers.length }
    : null,
  pending: q.pending.slice(0, 20).map((p) => ({ id: p.id, text: p.text, askers: p.askers.length })),
});

export class QaAssistant {
  readonly #qa: QaQueue;
  readonly #kb: KnowledgeBase;
  #kbChars = 0;
  #answers: AssistantAnswer[];
  #answering: string | null = null;
  #answeringSince = 0;
  #nextAnswerAt = 0;
  #answerCounter = 0;
  #changed = false;

  constructor(
    private readonly api: RoomApi,
    private readonly opts: IntelligenceOptions,
    snap: AiSnapshot | undefined,
    /** The AI's state changed (written with the next snapshot). */
    private readonly dirty: () => void,
    /** Sends the answer back to the AI part (`RoomApi.self`). */
    private readonly tellSelf: (msg: AnswerResult) => void,
    /** The stream's language now (answers follow it). */
    private readonly language: () => LanguageTag = () => "en",
  ) {
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
  }

  /** A question among the accepted messages joins the queue (only with a knowledge base). */
  offer(d: Danmaku, line: ChatLine): void {
    if (this.#kb.size === 0) return;
    const words = line.words;
    if (!detectQuestion(line.key, words).question) return;
    const { result } = this.#qa.offer(d.text, d.userId, d.at, questionTerms(d.text, words));
    if (result !== "recently_answered") this.#changed = true;
  }

  /** Work due at `now`: the queue's status, a lost answer given up, the next answer. */
  tick(now: number): void {
    if (this.#changed) {
      this.#changed = false;
      this.api.emit({ t: "qa", status: qaStatus(this.#qa.state), at: now });
    }
    if (this.#answering !== null && now - this.#answeringSince > ANSWER_GIVE_UP_MS) {
      // the answer never came back (lost message, hung endpoint): do not stall the queue
      this.api.log.warn("assistant answer timed out", { question: this.#answering });
      this.#answering = null;
      this.#qa.finish(now);
      this.#changed = true;
    }
    if (this.#answering === null && now >= this.#nextAnswerAt) this.#startAnswer(now);
  }

  /** True while the assistant has something to do (the room keeps ticking). */
  busy(): boolean {
    return this.#answering !== null ||
      (!this.#qa.state.paused && this.#qa.state.pending.length > 0);
  }

  /** An answer came back: shown if its question is still the current one. */
  answered(msg: AnswerResult): { ok: boolean } {
    const now = this.api.now();
    if (this.#answering !== msg.questionId) return { ok: false };
    const q = this.#qa.state.current;
    this.#answering = null;
    this.#nextAnswerAt = now + this.opts.answerGapMs;
    if (q && q.id === msg.questionId && msg.text !== null && msg.citation !== null) {
      const answer: AssistantAnswer = {
        id: `a${this.api.now().toString(36)}${(++this.#answerCounter).toString(36)}`,
        questionId: q.id,
        question: q.text,
        askers: q.askers.length,
        text: msg.text,
        citation: msg.citation,
        source: msg.source,
        at: now,
      };
      this.#answers.push(answer);
      if (this.#answers.length > this.opts.answersKeep) this.#answers.shift();
      this.api.emit({ t: "assistant", a: answer });
    }
    this.#qa.finish(now);
    this.#changed = true;
    this.dirty();
    return { ok: true };
  }

  get status(): QaStatus {
    return qaStatus(this.#qa.state);
  }

  get answers(): AssistantAnswer[] {
    return [...this.#answers];
  }

  kbList(): KbEntry[] {
    return this.#kb.list();
  }

  kbPut(input: unknown, id: string | undefined): KbEntry {
    const parsed = KbEntryInput.safeParse(input);
    const oldChars = id !== undefined ? (this.#kb.get(id)?.body.length ?? 0) : 0;
    if (
      parsed.success && this.#kbChars - oldChars + parsed.data.body.length > this.opts.kbMaxChars
    ) {
      throw new ActorError(
        "kb_full",
        `the knowledge base holds at most ${this.opts.kbMaxChars} characters`,
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

  kbDelete(id: string): void {
    const old = this.#kb.get(id);
    if (!old || !this.#kb.remove(id)) {
      throw new ActorError("kb_not_found", `no knowledge-base entry ${id}`);
    }
    this.#kbChars -= old.body.length;
  }

  /** `qa` op: pause, resume, skip a question, interrupt the current (or last) answer. */
  control(
    action: "pause" | "resume" | "skip" | "interrupt",
    questionId: string | undefined,
    now: number,
  ): { stopped?: string | null } {
    const result = this.#control(action, questionId, now);
    this.api.emit({ t: "qa", status: this.status, at: now });
    return result;
  }

  #control(
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
          this.api.emit({ t: "assistant_stop", answerId: null, questionId: current, at: now });
          return { stopped: current };
        }
        // nothing in flight: withdraw the answer just shown
        const last = this.#answers.at(-1);
        if (!last || now - last.at > 60_000) {
          throw new ActorError("nothing_to_interrupt", "the assistant is not answering now");
        }
        this.#answers.pop();
        this.api.emit({
          t: "assistant_stop",
          answerId: last.id,
          questionId: last.questionId,
          at: now,
        });
        return { stopped: last.questionId };
      }
    }
  }

  /** This concern's part of the AI snapshot. */
  snapshot(): { qa: QaQueueState; kb: KbSnapshot; answers: AssistantAnswer[] } {
    return { qa: this.#qa.state, kb: this.#kb.snapshot(), answers: this.#answers };
  }

  #startAnswer(now: number): void {
    const q = this.#qa.take();
    if (!q) return;
    this.#answering = q.id;
    this.#answeringSince = now;
    this.#changed = true;
    answerQuestion(q.text, this.#kb, this.opts.llm, this.api.roomId, this.language())
      .catch((err): QaAnswer => {
        this.api.log.warn("assistant answer failed", { question: q.id, err });
        return { question: q.text, text: null, citation: null, source: "local" };
      })
      .then((a) =>
        this.tellSelf({
          op: "answer",
          questionId: q.id,
          text: a.text,
          citation: a.citation,
          source: a.source,
        })
      );
  }
}
