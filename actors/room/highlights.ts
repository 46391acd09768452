/**
 * Highlight detector. Messages are counted in one-second buckets (time from the caller,
 * so it is deterministic and testable). When a second is over it is judged against an
 * EWMA baseline of earlier seconds:
 *
 * - rate spike:   count > k · baseline + floor
 * - burst phrase: burst-phrase messages (666, 哈哈哈, ？？？ …) ≥ phraseMin, at least
 *                 phraseShare of that second, and above k · their own baseline + floor
 *
 * Nothing is judged during the warm-up (the first `warmupSec` seconds after the first
 * message). Hot seconds separated by fewer than `quietSec` quiet seconds merge into one
 * span; a span is emitted once `quietSec` quiet seconds have passed (or it reaches
 * `maxSpanSec`). The baseline learns from every second but a hot second only up to the
 * spike threshold, so a long spike does not hide itself while a lasting change of pace
 * is still learnt.
 */
import type { HighlightSpan } from "./contract.ts";
import { burstPhrase } from "./burst_phrases.ts";

export interface HighlightOptions {
  /** EWMA weight of each new second (0.05 ≈ a 20 s memory). */
  alpha: number;
  warmupSec: number;
  k: number;
  /** Messages per second added to the threshold, so a quiet room needs a real burst. */
  floor: number;
  phraseMin: number;
  phraseShare: number;
  quietSec: number;
  maxSpanSec: number;
  topPhrases: number;
  /** Texts up to this many UTF-16 units count as phrases for `topPhrases`. */
  phraseMaxLength: number;
  /** Distinct phrases tracked per second and per span (bounded memory). */
  maxPhrases: number;
}

export const DEFAULT_HIGHLIGHT_OPTIONS: HighlightOptions = {
  alpha: 0.05,
  warmupSec: 30,
  k: 3,
  floor: 3,
  phraseMin: 5,
  phraseShare: 0.3,
  quietSec: 5,
  maxSpanSec: 300,
  topPhrases: 5,
  phraseMaxLength: 16,
  maxPhrases: 256,
};

/** Persisted part of the detector (an open span is not: it is cheap to lose). */
export interface DetectorSnapshot {
  baseline: number;
  phraseBaseline: number;
  /** Seconds judged so far (warm-up progress). */
  seconds: number;
  /** The second (epoch s) currently being counted; -1 before the first message. */
  currentSec: number;
}

interface OpenSpan {
  startSec: number;
  lastHotSec: number;
  quiet: number;
  peak: number;
  baselineAtPeak: number;
  thresholdAtPeak: number;
  total: number;
  phraseTotal: number;
  hotSeconds: number;
  rateHot: boolean;
  phraseHot: boolean;
  phrases: Map<string, number>;
}

export class HighlightDetector {
  #baseline: number;
  #phraseBaseline: number;
  #seconds: number;
  #currentSec: number;
  #count = 0;
  #phraseCount = 0;
  #phrases = new Map<string, number>();
  #open: OpenSpan | undefined;

  constructor(
    readonly idPrefix: string,
    readonly opts: HighlightOptions = DEFAULT_HIGHLIGHT_OPTIONS,
    snapshot?: DetectorSnapshot,
  ) {
    this.#baseline = snapshot?.baseline ?? 0;
    this.#phraseBaseline = snapshot?.phraseBaseline ?? 0;
    this.#seconds = snapshot?.seconds ?? 0;
    this.#currentSec = snapshot?.currentSec ?? -1;
  }

  /**
   * Counts one message (its match key) at `now`. Returns spans closed by the passage of
   * time up to `now` (usually none; `advance` on the tick is the normal way to get them).
   */
  observe(key: string, now: number): HighlightSpan[] {
    const sec = Math.floor(now / 1000);
    const closed = this.#currentSec < 0 ? noSpans() : this.#advanceTo(sec);
    if (this.#currentSec < 0) this.#currentSec = sec;
    this.#count++;
    const burst = burstPhrase(key);
    if (burst !== undefined) this.#phraseCount++;
    const phrase = burst ?? (key.length <= this.opts.phraseMaxLength ? key : undefined);
    if (phrase !== undefined) bump(this.#phrases, phrase, 1, this.opts.maxPhrases);
    return closed;
  }

  /** Judges every second before `now` and returns the spans that closed. */
  advance(now: number): HighlightSpan[] {
    if (this.#currentSec < 0) return noSpans();
    return this.#advanceTo(Math.floor(now / 1000));
  }

  /** True while a span is open (the owner keeps ticking until it closes). */
  get pending(): boolean {
    return this.#open !== undefined;
  }

  get baseline(): number {
    return this.#baseline;
  }

  snapshot(): DetectorSnapshot {
    return {
      baseline: this.#baseline,
      phraseBaseline: this.#phraseBaseline,
      seconds: this.#seconds,
      currentSec: this.#currentSec,
    };
  }

  #advanceTo(sec: number): HighlightSpan[] {
    let out = noSpans();
    const emit = (s: HighlightSpan | undefined) => {
      if (s !== undefined) out = out.length === 0 ? [s] : [...out, s];
    };
    // Seconds with data or that can still change a span or the warm-up are judged one by
    // one; a long silence after that only decays the baselines (closed form).
    while (
      this.#currentSec < sec &&
      (this.#count > 0 || this.#open !== undefined || this.#seconds < this.opts.warmupSec)
    ) {
      emit(this.#judgeSecond());
    }
    if (this.#currentSec < sec) {
      const gap = sec - this.#currentSec;
      const decay = Math.pow(1 - this.opts.alpha, gap);
      this.#baseline *= decay;
      this.#phraseBaseline *= decay;
      this.#seconds += gap;
      this.#currentSec = sec;
    }
    return out;
  }

  /** Closes the current second: judge, extend or close the span, learn, move on. */
  #judgeSecond(): HighlightSpan | undefined {
    const o = this.opts;
    const c = this.#count;
    const p = this.#phraseCount;
    const warmed = this.#seconds >= o.warmupSec;
    const threshold = o.k * this.#baseline + o.floor;
    const rateHot = warmed && c > threshold;
    const phraseHot = warmed && p >= o.phraseMin && p >= o.phraseShare * c &&
      p > o.k * this.#phraseBaseline + o.floor;
    let closed: HighlightSpan | undefined;

    if (rateHot || phraseHot) {
      let span = this.#open;
      if (span === undefined) {
        span = {
          startSec: this.#currentSec,
          lastHotSec: this.#currentSec,
          quiet: 0,
          peak: -1,
          baselineAtPeak: 0,
          thresholdAtPeak: threshold,
          total: 0,
          phraseTotal: 0,
          hotSeconds: 0,
          rateHot: false,
          phraseHot: false,
          phrases: new Map(),
        };
        this.#open = span;
      }
      span.lastHotSec = this.#currentSec;
      span.quiet = 0;
      span.hotSeconds++;
      span.total += c;
      span.phraseTotal += p;
      span.rateHot ||= rateHot;
      span.phraseHot ||= phraseHot;
      if (c > span.peak) {
        span.peak = c;
        span.baselineAtPeak = this.#baseline;
        span.thresholdAtPeak = threshold;
      }
      for (const [phrase, n] of this.#phrases) bump(span.phrases, phrase, n, o.maxPhrases);
      if (this.#currentSec - span.startSec + 1 >= o.maxSpanSec) closed = this.#close();
    } else if (this.#open !== undefined && ++this.#open.quiet >= o.quietSec) {
      closed = this.#close();
    }

    // Learn: bias-corrected during warm-up, and never more than the threshold from one second.
    const weight = Math.max(o.alpha, 1 / (this.#seconds + 1));
    const sample = warmed ? Math.min(c, threshold) : c;
    this.#baseline += weight * (sample - this.#baseline);
    const phraseSample = warmed ? Math.min(p, o.k * this.#phraseBaseline + o.phraseMin) : p;
    this.#phraseBaseline += weight * (phraseSample - this.#phraseBaseline);

    this.#seconds++;
    this.#currentSec++;
    this.#count = 0;
    this.#phraseCount = 0;
    if (this.#phrases.size > 0) this.#phrases = new Map();
    return closed;
  }

  #close(): HighlightSpan {
    const s = this.#open!;
    this.#open = undefined;
    const reason = s.rateHot && s.phraseHot
      ? "rate_spike+burst_phrase"
      : s.rateHot
      ? "rate_spike"
      : "burst_phrase";
    const topPhrases = [...s.phrases]
      .filter(([, n]) => n >= 2)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, this.opts.topPhrases)
      .map(([phrase, count]) => ({ phrase, count }));
    const startAt = s.startSec * 1000;
    return {
      id: `${this.idPrefix}${startAt.toString(36)}`,
      startAt,
      endAt: (s.lastHotSec + 1) * 1000,
      score: spanScore(s),
      reason,
      topPhrases,
      peakRate: round2(s.peak),
      baselineRate: round2(s.baselineAtPeak),
    };
  }
}

/**
 * 0..1: a floor of 0.2 for any span, up to 0.5 for the peak's height over the threshold
 * (8× the threshold scores full), up to 0.2 for the share of burst phrases and up to 0.1
 * for lasting 10 hot seconds or more.
 */
function spanScore(s: OpenSpan): number {
  const height = Math.min(1, Math.log2(Math.max(1, s.peak / s.thresholdAtPeak)) / 3);
  const phraseShare = s.total > 0 ? s.phraseTotal / s.total : 0;
  const duration = Math.min(1, s.hotSeconds / 10);
  const score = 0.2 + 0.5 * height + 0.2 * phraseShare + 0.1 * duration;
  return Math.round(Math.min(1, score) * 1000) / 1000;
}

function bump(map: Map<string, number>, key: string, n: number, cap: number): void {
  const old = map.get(key);
  if (old !== undefined) map.set(key, old + n);
  else if (map.size < cap) map.set(key, n);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

const EMPTY: HighlightSpan[] = [];
/** A shared empty result (never mutated) so the hot path allocates nothing. */
function noSpans(): HighlightSpan[] {
  return EMPTY;
}
