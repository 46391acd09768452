/**
 * Stream summaries and chapters from captions, highlights, hot topics and mood.
 * Locally: chapters start where the vocabulary of the stream changes (captions and topics in
 * two-minute windows compared by Jaccard similarity), titled by their most distinctive
 * terms; the summary is extractive (the caption sentences that carry the stream's main terms,
 * favouring highlight moments), in time order. With an LLM the same material is condensed
 * into the prompt and the answer is validated and clamped to the stream's duration.
 */
import { z } from "zod";
import { facesPromptLine, facesSummarySentence, type FaceSummary } from "./faces.ts";
import { askOrLocal, type LlmClient } from "./llm/client.ts";
import type { Source } from "./source.ts";
import { tokenize } from "./tokenize.ts";
import { detectLanguage, languageInstruction } from "./language.ts";
import { byLocale, type LanguageTag } from "./language_tags.ts";

/** Times are offsets from the start of the stream (ms). */
export interface Caption {
  startMs: number;
  endMs: number;
  text: string;
}
export interface HighlightMark {
  startMs: number;
  endMs: number;
  score: number;
  phrases: string[];
}
export interface TopicSample {
  atMs: number;
  terms: string[];
}
export interface MoodSample {
  atMs: number;
  mean: number;
  count: number;
}

export interface StreamMaterial {
  recordingId: string;
  title?: string;
  durationMs: number;
  captions: Caption[];
  highlights: HighlightMark[];
  topics: TopicSample[];
  mood: MoodSample[];
  /** The stream's language (room setting or detection); unset: detected from the captions. */
  language?: LanguageTag;
  /** The streamer's face over the stream's analysed key frames (unset: none analysed). */
  faces?: FaceSummary;
}

export interface Chapter {
  title: string;
  startMs: number;
}

export interface StreamSummary {
  summary: string;
  chapters: Chapter[];
  source: Source;
  /** The language the summary and chapter titles are in. */
  language: LanguageTag;
}

/** The material's language: the one it was given, else detected from its captions and topics. */
export function materialLanguage(m: StreamMaterial): LanguageTag {
  return m.language ??
    detectLanguage([
      ...m.captions.slice(-200).map((c) => c.text),
      ...m.topics.slice(-20).map((t) => t.terms.join(" ")),
    ])?.tag ?? "en";
}

export interface SummaryOptions {
  windowMs: number;
  minChapterMs: number;
  maxChapters: number;
  /** Sentences in the extractive summary. */
  sentences: number;
}

export const DEFAULT_SUMMARY: SummaryOptions = {
  windowMs: 120_000,
  minChapterMs: 300_000,
  maxChapters: 12,
  sentences: 4,
};

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter || 1);
}

/** Term counts per window: captions once per occurrence, topics and highlights weighted. */
function windowTerms(m: StreamMaterial, windowMs: number): Map<string, number>[] {
  const n = Math.max(1, Math.ceil(m.durationMs / windowMs));
  const windows = Array.from({ length: n }, () => new Map<string, number>());
  const add = (atMs: number, terms: string[], w: number) => {
    const i = Math.min(n - 1, Math.max(0, Math.floor(atMs / windowMs)));
    for (const t of terms) windows[i].set(t, (windows[i].get(t) ?? 0) + w);
  };
  for (const c of m.captions) add(c.startMs, tokenize(c.text), 1);
  for (const t of m.topics) add(t.atMs, t.terms.map((x) => x.toLowerCase()), 2);
  for (const h of m.highlights) add(h.startMs, h.phrases.flatMap((p) => tokenize(p)), 1);
  return windows;
}

function topTerms(counts: Map<string, number>, k: number): Set<string> {
  return new Set([...counts].sort((a, b) => b[1] - a[1]).slice(0, k).map(([t]) => t));
}

function formatOffset(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const p = (x: number) => String(x).padStart(2, "0");
  return hh > 0 ? `${hh}:${p(mm)}:${p(ss)}` : `${p(mm)}:${p(ss)}`;
}

/** Local chapters: vocabulary shifts, at least `minChapterMs` apart. */
export function localChapters(m: StreamMaterial, opts = DEFAULT_SUMMARY): Chapter[] {
  const windows = windowTerms(m, opts.windowMs);
  const starts = [0];
  for (let i = 1; i < windows.length; i++) {
    const prev = topTerms(windows[i - 1], 8);
    const cur = topTerms(windows[i], 8);
    const at = i * opts.windowMs;
    if (cur.size === 0 || jaccard(prev, cur) >= 0.2) continue;
    if (at - starts[starts.length - 1] < opts.minChapterMs) continue;
    if (m.durationMs - at < opts.minChapterMs / 2) continue;
    starts.push(at);
  }
  const chosen = starts.slice(0, opts.maxChapters);
  // each chapter's terms, then titles by what is distinctive against the other chapters
  const chapterTerms = chosen.map((start, ci) => {
    const end = chosen[ci + 1] ?? m.durationMs;
    const counts = new Map<string, number>();
    for (
      let i = Math.floor(start / opts.windowMs);
      i * opts.windowMs < end && i < windows.length;
      i++
    ) {
      for (const [t, c] of windows[i]) counts.set(t, (counts.get(t) ?? 0) + c);
    }
    return counts;
  });
  return chosen.map((startMs, ci) => {
    const counts = chapterTerms[ci];
    const scored = [...counts].map(([t, c]) => {
      const df = chapterTerms.filter((x) => x.has(t)).length;
      return [t, c * Math.log(1 + chapterTerms.length / df)] as const;
    }).sort((a, b) => b[1] - a[1]);
    const words = scored.slice(0, 3).map(([t]) => t);
    const title = words.length > 0
      ? words.join(" · ")
      : byLocale(m.language, `第 ${ci + 1} 部分`, `Part ${ci + 1}`);
    return { title, startMs };
  });
}

/** Local extractive summary: central caption sentences, highlight moments first. */
export function localSummaryText(m: StreamMaterial, opts = DEFAULT_SUMMARY): string {
  const global = new Map<string, number>();
  const sentenceTerms = m.captions.map((c) => tokenize(c.text));
  for (const terms of sentenceTerms) {
    for (const t of new Set(terms)) global.set(t, (global.get(t) ?? 0) + 1);
  }
  for (const t of m.topics) for (const x of t.terms) global.set(x, (global.get(x) ?? 0) + 2);
  const scored = m.captions.map((c, i) => {
    const terms = new Set(sentenceTerms[i]);
    if (terms.size < 3) return { i, score: 0 };
    let s = 0;
    for (const t of terms) s += Math.log(1 + (global.get(t) ?? 0));
    s /= Math.sqrt(terms.size);
    const inHighlight = m.highlights.some((h) => c.startMs <= h.endMs && c.endMs >= h.startMs);
    return { i, score: s * (inHighlight ? 1.5 : 1) };
  }).filter((x) => x.score > 0);
  // greedy, skipping near-repeats of what is already picked (streamers repeat themselves)
  const chosen: number[] = [];
  for (const { i } of scored.sort((a, b) => b.score - a.score)) {
    if (chosen.length >= opts.sentences) break;
    const terms = new Set(sentenceTerms[i]);
    if (chosen.some((j) => jaccard(terms, new Set(sentenceTerms[j])) >= 0.5)) continue;
    chosen.push(i);
  }
  const picked = chosen.sort((a, b) => a - b)
    .map((i) =>
      m.captions[i].text.trim().replace(
        /([^.!?。！？])$/u,
        byLocale(m.language, "$1。", "$1."),
      )
    );
  const moodCount = m.mood.reduce((a, x) => a + x.count, 0);
  const moodMean = moodCount > 0 ? m.mood.reduce((a, x) => a + x.mean * x.count, 0) / moodCount : 0;
  const hot = topTerms(
    m.topics.reduce((acc, t) => {
      for (const x of t.terms) acc.set(x, (acc.get(x) ?? 0) + 1);
      return acc;
    }, new Map<string, number>()),
    3,
  );
  const zh = byLocale(m.language, true, false);
  const parts = [...picked];
  if (hot.size > 0) {
    parts.push(
      zh
        ? `弹幕聊得最多的是：${[...hot].join("、")}。`
        : `Chat talked most about ${[...hot].join(", ")}.`,
    );
  }
  if (moodCount > 0) {
    const label = moodMean > 0.15 ? "positive" : moodMean < -0.15 ? "negative" : "mixed";
    const zhLabel = { positive: "积极", negative: "消极", mixed: "褒贬不一" }[label];
    parts.push(
      zh
        ? `弹幕整体情绪${zhLabel}（${moodCount} 条弹幕，均值 ${moodMean.toFixed(2)}）。`
        : `The chat's mood was ${label} (${moodMean.toFixed(2)} over ${moodCount} messages).`,
    );
  }
  const faces = m.faces ? facesSummarySentence(m.faces, zh) : null;
  if (faces) parts.push(faces);
  const best = [...m.highlights].sort((a, b) => b.score - a.score)[0];
  if (best) {
    const phrases = best.phrases.slice(0, 3);
    parts.push(
      zh
        ? `高光时刻在 ${formatOffset(best.startMs)}：${phrases.join("、")}。`
        : `Top moment at ${formatOffset(best.startMs)}: ${phrases.join(", ")}.`,
    );
  }
  return parts.join(zh ? "" : " ");
}

const LlmSummary = z.object({
  summary: z.string().min(1).max(3000),
  chapters: z.array(
    z.object({ title: z.string().min(1).max(80), startMs: z.number().int().min(0) }),
  )
    .min(1).max(30),
});

/** Keeps chapters inside the stream, sorted, starting at 0, at most `max`. */
function cleanChapters(
  chapters: Chapter[],
  durationMs: number,
  max: number,
  language: LanguageTag,
): Chapter[] {
  const inside = chapters.filter((c) => c.startMs < durationMs).sort((a, b) =>
    a.startMs - b.startMs
  );
  const out: Chapter[] = [];
  for (const c of inside) if (!out.some((o) => o.startMs === c.startMs)) out.push(c);
  if (out.length === 0 || out[0].startMs !== 0) {
    out.unshift({ title: out[0]?.title ?? byLocale(language, "开场", "Start"), startMs: 0 });
  }
  return out.slice(0, max);
}

/** Condensed material for the prompt: captions sampled evenly to a character budget. */
function promptMaterial(m: StreamMaterial, budget = 8000): string {
  const lines = m.captions.map((c) => `[${formatOffset(c.startMs)}|${c.startMs}] ${c.text}`);
  const total = lines.reduce((a, l) => a + l.length + 1, 0);
  const step = total > budget ? total / budget : 1;
  const sampled = step > 1 ? lines.filter((_, i) => Math.floor(i % step) === 0) : lines;
  const highlights = m.highlights.map((h) =>
    `${formatOffset(h.startMs)} (startMs ${h.startMs}, score ${h.score.toFixed(2)}): ${
      h.phrases.join(", ")
    }`
  );
  const topics = m.topics.map((t) => `${formatOffset(t.atMs)}: ${t.terms.join(", ")}`);
  const mood = m.mood.map((x) => `${formatOffset(x.atMs)}: ${x.mean.toFixed(2)} (${x.count})`);
  return [
    `Stream "${m.title ?? m.recordingId}", duration ${
      formatOffset(m.durationMs)
    } (${m.durationMs} ms).`,
    `Captions:\n${sampled.join("\n")}`,
    `Highlights:\n${highlights.join("\n") || "none"}`,
    `Hot topics:\n${topics.slice(-40).join("\n") || "none"}`,
    `Chat mood per minute (-1..1):\n${mood.slice(-120).join("\n") || "none"}`,
    ...(m.faces ? [facesPromptLine(m.faces, null)] : []),
  ].join("\n\n");
}

export async function summariseStream(
  m: StreamMaterial,
  llm: LlmClient | null,
  opts: SummaryOptions = DEFAULT_SUMMARY,
): Promise<StreamSummary> {
  const language = materialLanguage(m);
  const withLanguage = { ...m, language };
  const local = () => ({
    summary: localSummaryText(withLanguage, opts),
    chapters: localChapters(withLanguage, opts),
  });
  const out = await askOrLocal(llm, {
    room: `rec:${m.recordingId}`,
    purpose: "summary",
    system: "You write the summary of a finished live stream for its VOD page, and its " +
      `chapters. ${languageInstruction(language)} Answer JSON ` +
      '{"summary": string (3-6 sentences), "chapters": [{"title": string (max 6 words), ' +
      '"startMs": integer offset from the captions/highlights}]}.',
    user: promptMaterial(m),
    schema: LlmSummary,
    maxTokens: 1200,
  }, local);
  return {
    summary: out.value.summary,
    chapters: cleanChapters(out.value.chapters, m.durationMs, opts.maxChapters, language),
    source: out.source,
    language,
  };
}
