/**
 * The Q&A assistant's queue: detected questions, merged when they ask the same thing
 * (more askers make a question go first), answered one at a time. The streamer can pause
 * the assistant, skip a queued question or interrupt the current answer. Plain JSON state.
 */
import { jaccard, questionTerms } from "./detect.ts";

export interface QueuedQuestion {
  id: string;
  text: string;
  askers: string[];
  firstAt: number;
  terms: string[];
}

export interface QaQueueState {
  paused: boolean;
  nextId: number;
  pending: QueuedQuestion[];
  current: QueuedQuestion | null;
  /** Recently answered (or skipped) questions, so a repeat is not answered twice. */
  recent: { terms: string[]; at: number }[];
}

export const emptyQaQueue = (): QaQueueState => ({
  paused: false,
  nextId: 1,
  pending: [],
  current: null,
  recent: [],
});

export interface QaQueueOptions {
  /** Questions at least this similar are the same question. */
  sameQuestion: number;
  maxPending: number;
  /** An answered question asked again within this time is not queued again. */
  repeatWindowMs: number;
}

export const DEFAULT_QA_QUEUE: QaQueueOptions = {
  sameQuestion: 0.5,
  maxPending: 50,
  repeatWindowMs: 10 * 60_000,
};

export type OfferResult = "queued" | "merged" | "recently_answered";

export class QaQueue {
  readonly #opts: QaQueueOptions;

  constructor(public state: QaQueueState = emptyQaQueue(), opts: Partial<QaQueueOptions> = {}) {
    this.#opts = { ...DEFAULT_QA_QUEUE, ...opts };
  }

  /** `terms`: `questionTerms(text)` when the caller has them already. */
  offer(
    text: string,
    userId: string,
    at: number,
    terms: Set<string> = questionTerms(text),
  ): { result: OfferResult; id?: string } {
    const same = (t: string[]) => jaccard(terms, new Set(t)) >= this.#opts.sameQuestion;
    this.state.recent = this.state.recent.filter((r) => r.at > at - this.#opts.repeatWindowMs);
    if (this.state.recent.some((r) => same(r.terms))) return { result: "recently_answered" };
    if (this.state.current && same(this.state.current.terms)) {
      return { result: "merged", id: this.state.current.id };
    }
    const existing = this.state.pending.find((q) => same(q.terms));
    if (existing) {
      if (!existing.askers.includes(userId)) existing.askers.push(userId);
      return { result: "merged", id: existing.id };
    }
    const q: QueuedQuestion = {
      id: `q${this.state.nextId++}`,
      text,
      askers: [userId],
      firstAt: at,
      terms: [...terms],
    };
    this.state.pending.push(q);
    if (this.state.pending.length > this.#opts.maxPending) {
      // drop the least asked, oldest first
      const worst = [...this.state.pending].sort((a, b) =>
        a.askers.length - b.askers.length || a.firstAt - b.firstAt
      )[0];
      this.state.pending = this.state.pending.filter((p) =>
        p !== worst
      );
    }
    return { result: "queued", id: q.id };
  }

  /** Takes the next question to answer (most askers, then oldest), unless paused or busy. */
  take(): QueuedQuestion | null {
    if (this.state.paused || this.state.current || this.state.pending.length === 0) return null;
    this.state.pending.sort((a, b) => b.askers.length - a.askers.length || a.firstAt - b.firstAt);
    this.state.current = this.state.pending.shift() ?? null;
    return this.state.current;
  }

  /** The current answer is done (answered, interrupted or failed). */
  finish(at: number): void {
    if (this.state.current) {
      this.state.recent.push({ terms: this.state.current.terms, at });
      this.state.current = null;
    }
  }

  /** Streamer: stop the current answer. Returns its id. */
  interrupt(at: number): string | null {
    const id = this.state.current?.id ?? null;
    this.finish(at);
    return id;
  }

  /** Streamer: drop a queued question. */
  skip(id: string, at: number): boolean {
    const q = this.state.pending.find((p) => p.id === id);
    if (!q) return id === this.state.current?.id ? this.interrupt(at) !== null : false;
    this.state.pending = this.state.pending.filter((p) => p !== q);
    this.state.recent.push({ terms: q.terms, at });
    return true;
  }

  pause(): void {
    this.state.paused = true;
  }
  resume(): void {
    this.state.paused = false;
  }
}
