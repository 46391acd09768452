/**
 * Mood and topics of the room's AI: every accepted message is scored (sentiment, from the
 * line's folded form) into a per-minute mood series and its words (split once) counted as
 * topic terms; closed mood minutes and the hot topics (every `topicsEveryMs`) are published.
 * A new highlight is enriched with the topics and the mood of its span and with what the
 * streamer said then (live captions, which usually arrive seconds late and then complete it
 * with a `highlight_ai` event).
 */
import { MoodAggregator, type MoodPoint, scoreFolded } from "../../ai/sentiment.ts";
import { TopicTracker } from "../../ai/topics.ts";
import type { ChatLine } from "../chat_line.ts";
import type { Danmaku, HighlightEnrichment, HighlightSpan, TopicsSnapshot } from "../contract.ts";
import type { RoomApi } from "../part.ts";
import type { IntelligenceOptions } from "./options.ts";
import type { AiSnapshot } from "./persisted.ts";

/** Scores kept for highlight enrichment (the last minutes of chat). */
const RECENT_SCORES_MS = 5 * 60_000;
/** Speech this long before a highlight belongs to it (what led up to the moment). */
const SPEECH_LEAD_MS = 10_000;
const SPEECH_MAX_CHARS = 500;

interface HeardCue {
  at: number;
  endAt: number;
  text: string;
}

export class MoodTopics {
  #mood: MoodAggregator;
  #topics: TopicTracker;
  #lastTopics: TopicsSnapshot | null;
  #topicHistory: TopicsSnapshot[];
  #highlightNotes: Record<string, HighlightEnrichment>;
  #nextMoodAt = 0;
  #lastTopicsAt: number;
  #messagesSinceTopics = 0;
  /** (at, score) of recent messages, oldest first, for highlight mood. */
  #recentAt: number[] = [];
  #recentScore: number[] = [];
  /** Live caption cues of the last minutes, oldest first. */
  #cues: HeardCue[] = [];

  constructor(
    private readonly api: RoomApi,
    private readonly opts: IntelligenceOptions,
    snap: AiSnapshot | undefined,
    /** The AI's state changed (written with the next snapshot). */
    private readonly dirty: () => void,
  ) {
    this.#mood = new MoodAggregator(opts.moodKeepMinutes);
    this.#topics = new TopicTracker();
    try {
      if (snap) this.#mood = MoodAggregator.restore(snap.mood, opts.moodKeepMinutes);
      if (snap?.topics.tracker) this.#topics = TopicTracker.restore(snap.topics.tracker);
    } catch (err) {
      api.log.warn("ai state: mood/topics not restored", { err });
    }
    this.#lastTopics = snap?.topics.last ?? null;
    this.#topicHistory = snap?.topics.history ?? [];
    this.#highlightNotes = snap?.highlights ?? {};
    this.#lastTopicsAt = api.now();
  }

  /** Counts an accepted message: its mood score and its words as topic terms. */
  count(d: Danmaku, line: ChatLine): void {
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
    this.#topics.addTerms(line.words, d.at, d.userId);
    this.#messagesSinceTopics++;
  }

  /** Adds topic, mood and (when captions exist) speech to a new highlight. */
  enrich(span: HighlightSpan): void {
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
    this.dirty();
  }

  /**
   * A live caption cue (from the recorder, through the room's `caption` command). Captions
   * come seconds late: one that falls in a recent highlight completes its `speech`, and the
   * room publishes `highlight_ai`.
   */
  hear(
    c: { at: number; startMs: number; endMs: number; text: string },
    highlights: HighlightSpan[],
  ): void {
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
    for (const span of highlights.slice(-5)) {
      if (!span.ai || cue.endAt < span.startAt - SPEECH_LEAD_MS || cue.at >= span.endAt) continue;
      span.ai = { ...span.ai, speech: this.#speechFor(span) };
      this.#highlightNotes[span.id] = span.ai;
      this.api.emit({ t: "highlight_ai", id: span.id, ai: span.ai });
      this.dirty();
    }
  }

  /** Work due at `now`: closed mood minutes, hot topics. */
  tick(now: number): void {
    if (now >= this.#nextMoodAt) {
      this.closeMinutes(now);
      this.#nextMoodAt = Math.floor(now / 60_000) * 60_000 + 60_000;
    }
    if (now - this.#lastTopicsAt >= this.opts.topicsEveryMs) this.#publishTopics(now);
  }

  /** Publishes the mood minutes closed by `now`. */
  closeMinutes(now: number): void {
    for (const m of this.#mood.closed(now)) this.api.emit({ t: "mood", m });
  }

  /** The AI panel's mood and topics. */
  view(now: number): {
    mood: MoodPoint[];
    moodNow: MoodPoint | null;
    topics: TopicsSnapshot | null;
    topicHistory: TopicsSnapshot[];
  } {
    return {
      mood: this.#mood.series(),
      moodNow: this.#mood.current(now) ?? null,
      topics: this.#lastTopics,
      topicHistory: [...this.#topicHistory],
    };
  }

  /** This concern's part of the AI snapshot (notes of highlights no longer kept are dropped). */
  snapshot(
    liveHighlights: readonly HighlightSpan[],
  ): Pick<AiSnapshot, "mood" | "topics" | "highlights"> {
    const tracker = this.#topics.snapshot();
    if (tracker.terms.length > this.opts.topicTermsPersisted) {
      tracker.terms = [...tracker.terms].sort((a, b) => b[1].bg - a[1].bg)
        .slice(0, this.opts.topicTermsPersisted);
    }
    const live = new Set(liveHighlights.map((h) => h.id));
    for (const id of Object.keys(this.#highlightNotes)) {
      if (!live.has(id)) delete this.#highlightNotes[id];
    }
    return {
      mood: this.#mood.snapshot(),
      topics: { tracker, last: this.#lastTopics, history: this.#topicHistory },
      highlights: this.#highlightNotes,
    };
  }

  #speechFor(span: HighlightSpan): string | null {
    const said = this.#cues
      .filter((c) => c.endAt >= span.startAt - SPEECH_LEAD_MS && c.at < span.endAt)
      .map((c) => c.text)
      .join(" ");
    return said === "" ? null : said.slice(0, SPEECH_MAX_CHARS);
  }

  #publishTopics(now: number): void {
    this.#lastTopicsAt = now;
    if (this.#messagesSinceTopics === 0) return;
    this.#messagesSinceTopics = 0;
    const r = this.#topics.top(this.opts.topicsCount, now);
    const snap: TopicsSnapshot = { at: now, topics: r.topics, source: r.source };
    this.#lastTopics = snap;
    if (r.topics.length > 0) {
      this.#topicHistory.push(snap);
      if (this.#topicHistory.length > this.opts.topicsKeep) this.#topicHistory.shift();
    }
    this.api.emit({ t: "topics", at: now, topics: r.topics, source: r.source });
    this.dirty();
  }
}
