/**
 * Hot topics of a room: terms that are frequent in the chat right now compared with the
 * room's own background. Streaming-friendly: every message updates two exponentially decayed
 * counts per term (a short "now" half-life and a long "background" one) in O(terms); `top()`
 * ranks by decayed-count × IDF, where the IDF comes from the background. Counting each term
 * once per message and capping one user's weight keeps one spammer from making a topic.
 *
 * The score is TF-IDF where the "document collection" is the room's own past: term
 * frequency now × log(share of messages carrying the term now / its share in the
 * background). A term the room always says (主播, 来了) has a ratio near 1 and scores
 * nothing; a term that jumps scores by how many carry it and by how unusual it is.
 * State is plain JSON (`snapshot`/`restore`) so the room actor can persist it.
 */
import { termSet } from "./tokenize.ts";

export interface TopicOptions {
  /** Half-life of the "now" counts. */
  nowHalfLifeMs: number;
  /** Half-life of the background document frequencies. */
  backgroundHalfLifeMs: number;
  /** A term needs at least this many (decayed) messages now to be a topic. */
  minCount: number;
  /** Terms kept before pruning the weakest. */
  maxTerms: number;
}

export const DEFAULT_TOPIC_OPTIONS: TopicOptions = {
  nowHalfLifeMs: 60_000,
  backgroundHalfLifeMs: 30 * 60_000,
  minCount: 3,
  maxTerms: 20_000,
};

export interface Topic {
  term: string;
  /** Decayed number of messages carrying the term now. */
  count: number;
  score: number;
}

export interface TopicsResult {
  at: number;
  topics: Topic[];
  source: "local";
}

interface TermStats {
  /** Decayed counts as of `t`. */
  now: number;
  bg: number;
  t: number;
  /** Last user who counted, to cap one user's repeats. */
  lastUser: string;
}

export interface TopicSnapshot {
  docs: number;
  nowDocs: number;
  docsT: number;
  terms: [string, TermStats][];
}

export class TopicTracker {
  #terms = new Map<string, TermStats>();
  /** Decayed document counts: background and now. */
  #docs = 0;
  #nowDocs = 0;
  #docsT = 0;
  readonly #opts: TopicOptions;

  constructor(opts: Partial<TopicOptions> = {}) {
    this.#opts = { ...DEFAULT_TOPIC_OPTIONS, ...opts };
  }

  #decay(value: number, from: number, to: number, halfLife: number): number {
    return to <= from ? value : value * 2 ** (-(to - from) / halfLife);
  }

  #age(s: TermStats, at: number): void {
    s.now = this.#decay(s.now, s.t, at, this.#opts.nowHalfLifeMs);
    s.bg = this.#decay(s.bg, s.t, at, this.#opts.backgroundHalfLifeMs);
    s.t = Math.max(s.t, at);
  }

  /** Counts one message. */
  add(text: string, at: number, userId = ""): void {
    this.addTerms(termSet(text), at, userId);
  }

  /**
   * Counts one message already split into words (`tokenize`; each distinct term counts
   * once), so a caller that needs the words for something else splits the text only once.
   */
  addTerms(words: Iterable<string>, at: number, userId = ""): void {
    this.#docs = this.#decay(this.#docs, this.#docsT, at, this.#opts.backgroundHalfLifeMs) + 1;
    this.#nowDocs = this.#decay(this.#nowDocs, this.#docsT, at, this.#opts.nowHalfLifeMs) + 1;
    this.#docsT = Math.max(this.#docsT, at);
    for (const term of words instanceof Set ? words : new Set(words)) {
      let s = this.#terms.get(term);
      if (!s) {
        s = { now: 0, bg: 0, t: at, lastUser: "" };
        this.#terms.set(term, s);
      }
      this.#age(s, at);
      // the same user repeating a term counts a quarter
      const w = userId !== "" && s.lastUser === userId ? 0.25 : 1;
      s.now += w;
      s.bg += w;
      s.lastUser = userId;
    }
    if (this.#terms.size > this.#opts.maxTerms) this.#prune(at);
  }

  #prune(at: number): void {
    const ranked = [...this.#terms].map(([term, s]) => {
      this.#age(s, at);
      return [term, s.bg] as const;
    }).sort((a, b) => a[1] - b[1]);
    for (const [term] of ranked.slice(0, Math.ceil(ranked.length / 4))) this.#terms.delete(term);
  }

  /** The `n` hottest terms at `at`. */
  top(n: number, at: number): TopicsResult {
    const docs = this.#decay(this.#docs, this.#docsT, at, this.#opts.backgroundHalfLifeMs);
    const nowDocs = this.#decay(this.#nowDocs, this.#docsT, at, this.#opts.nowHalfLifeMs);
    const topics: Topic[] = [];
    for (const [term, s] of this.#terms) {
      this.#age(s, at);
      if (s.now < this.#opts.minCount) continue;
      const shareNow = s.now / (nowDocs + 1);
      const shareBackground = (s.bg + 1) / (docs + 1);
      const idf = Math.log(shareNow / shareBackground);
      if (idf <= 0.2) continue;
      topics.push({ term, count: Math.round(s.now * 10) / 10, score: s.now * idf });
    }
    topics.sort((a, b) => b.score - a.score);
    // drop a bigram whose words are already shown as a longer term (主播 vs 主播好)
    const picked: Topic[] = [];
    for (const t of topics) {
      if (picked.length >= n) break;
      if (picked.some((p) => p.term.includes(t.term) || t.term.includes(p.term))) continue;
      picked.push({ ...t, score: Math.round(t.score * 100) / 100 });
    }
    return { at, topics: picked, source: "local" };
  }

  snapshot(): TopicSnapshot {
    return {
      docs: this.#docs,
      nowDocs: this.#nowDocs,
      docsT: this.#docsT,
      terms: [...this.#terms],
    };
  }

  static restore(snap: TopicSnapshot, opts: Partial<TopicOptions> = {}): TopicTracker {
    const t = new TopicTracker(opts);
    t.#docs = snap.docs;
    t.#nowDocs = snap.nowDocs;
    t.#docsT = snap.docsT;
    t.#terms = new Map(snap.terms.map(([k, v]) => [k, { ...v }]));
    return t;
  }
}
