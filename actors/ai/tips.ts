/**
 * Coaching tips for the streamer, 3–5 per analysis window:
 * `{text, type: welcome|product|interaction|closing, tags, score}`.
 * Locally they come from rules over the window's danmaku (greetings, price and link
 * questions, pending questions, chat rate, mood, hot topics) and the transcript (closing
 * words). With an LLM the window's danmaku, transcript, mood and topics go into the prompt
 * and the key frames as image parts; the answer is validated by schema.
 */
import { z } from "zod";
import { facesPromptLine, type FaceSummary, type FaceTrend, faceTrendTip } from "./faces.ts";
import {
  type VoiceEmotionReading,
  type VoiceMeasures,
  voicePromptLine,
  voiceTip,
} from "./voice.ts";
import { askOrLocal, type ImageInput, type LlmClient } from "./llm/client.ts";
import type { Source } from "./source.ts";
import { detectQuestion } from "./qa/detect.ts";
import {
  absoluteClaims,
  answerTemplate,
  type FrequentQuestion,
  frequentQuestion,
  withCallToAction,
} from "./coaching_style.ts";
import { detectLanguage, languageInstruction } from "./language.ts";
import { type LanguageTag, localeOf, type LocalLocale } from "./language_tags.ts";

import { Tip } from "./tip.ts";

export { Tip, TipType } from "./tip.ts";

export interface TipsResult {
  tips: Tip[];
  source: Source;
  /** The language the tips are in. */
  language: LanguageTag;
}

export interface WindowMessage {
  userId: string;
  name: string;
  text: string;
  /** ms since the epoch */
  at: number;
}

/** One analysis window of a stream. */
export interface TipWindow {
  roomId: string;
  recordingId: string;
  seq: number;
  /** Window bounds, ms since the epoch. */
  startAt: number;
  endAt: number;
  /** How long the stream has been live at the window's end. */
  liveForMs: number;
  transcript: string;
  danmaku: WindowMessage[];
  mood?: { mean: number; count: number };
  topics: string[];
  /** Key frames (JPEG), at most 24. */
  frames?: ImageInput[];
  /** Distinct lines of on-screen text read from the key frames (OCR): prices, product names. */
  screenText?: string[];
  /** Planned stream length, when the streamer set one. */
  plannedMs?: number;
  /** The language to coach in (the room's setting or detection); unset: detected here. */
  language?: LanguageTag;
  /** The streamer's face in this window's key frames, and against the windows before. */
  faces?: { now: FaceSummary; trend: FaceTrend | null };
  /** The streamer's voice (local measures; emotion only from an LLM). */
  voice?: VoiceMeasures & { emotion?: VoiceEmotionReading };
}

/** The messages of `all` inside [startAt, endAt). */
export function inWindow<T extends { at: number }>(all: T[], startAt: number, endAt: number): T[] {
  return all.filter((m) => m.at >= startAt && m.at < endAt);
}

const GREETING =
  /(来了|来啦|晚上好|早上好|下午好|大家好|主播好|第一次来|新人|新来的|报道|打卡|^hi\b|^hello\b|^hey\b|first time|just got here|new here)/i;
const PRODUCT =
  /(多少钱|价格|价钱|链接|怎么买|哪里买|上车|优惠|折扣|券|库存|发货|包邮|尺码|\bprice\b|\bhow much\b|\blink\b|\bbuy\b|\bdiscount\b|\bcoupon\b|\bshipping\b|\bin stock\b)/i;
const CLOSING =
  /(下播|今天就到这|明天见|下次见|拜拜|再见|goodbye|bye|see you|that's it for today|wrap up)/i;

/** A price on screen: a currency sign or unit next to a number. */
const PRICE_ON_SCREEN = /[¥￥$€£]\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:元|块|rmb|usd)/i;

/** The window's language: the one it was given, else detected from its speech and chat. */
export function windowLanguage(w: TipWindow): LanguageTag {
  if (w.language) return w.language;
  return detectLanguage([w.transcript, ...w.danmaku.slice(-200).map((m) => m.text)])?.tag ??
    "en";
}

function distinctUsers(ms: WindowMessage[]): number {
  return new Set(ms.map((m) => m.userId)).size;
}

/** Rule-based tips in the window's language (zh-CN or English); always 3–5. */
export function localTips(w: TipWindow): Tip[] {
  const locale = localeOf(windowLanguage(w));
  const zh = locale === "zh-CN";
  const t = (zhText: string, enText: string) => (zh ? zhText : enText);
  const minutes = Math.max(1, (w.endAt - w.startAt) / 60_000);
  const rate = w.danmaku.length / minutes;
  const tips: Tip[] = [];
  const quote = (s: string, n: number) => s.replace(/[「」“”"]/g, "").slice(0, n);

  const greeters = w.danmaku.filter((m) => GREETING.test(m.text.trim()));
  if (greeters.length > 0) {
    const names = [...new Set(greeters.map((m) => m.name))].slice(0, 3).join(zh ? "、" : ", ");
    const n = distinctUsers(greeters);
    tips.push({
      type: "welcome",
      text: t(
        `欢迎${names}等 ${n} 位新来的朋友！点名打个招呼，说一句「新来的朋友点个关注，今天的福利都在小黄车里」。`,
        `Welcome newcomers: ${names} and ${n} others said hi — greet them by name and say “new here? Tap follow, today's offers are in the shop below.”`,
      ),
      tags: ["greeting", "newcomers"],
      score: Math.min(0.95, 0.5 + n / 20),
    });
  }

  // the frequent questions (price, size, shipping) get an answer template each
  const shownPrice = (w.screenText ?? []).map((l) => PRICE_ON_SCREEN.exec(l)?.[0]).find(
    (x) => x,
  );
  const asked = new Map<FrequentQuestion, WindowMessage[]>();
  for (const m of w.danmaku) {
    const q = frequentQuestion(m.text);
    if (q) asked.set(q, [...(asked.get(q) ?? []), m]);
  }
  for (const [q, msgs] of [...asked].sort((a, b) => b[1].length - a[1].length)) {
    const sample = quote(msgs[msgs.length - 1].text, 30);
    const what = t(
      { price: "价格", size: "尺码", shipping: "发货" }[q],
      { price: "the price", size: "sizes", shipping: "shipping" }[q],
    );
    tips.push({
      type: "product",
      text: t(
        `${msgs.length} 条弹幕在问${what}（如「${sample}」），直接回答：${
          answerTemplate(q, locale, shownPrice)
        }`,
        `${msgs.length} messages ask about ${what} (e.g. “${sample}”) — answer now: ${
          answerTemplate(q, locale, shownPrice)
        }`,
      ),
      tags: [q, "template", "conversion"],
      score: Math.min(0.95, 0.6 + msgs.length / 30),
    });
  }

  const productAsks = w.danmaku.filter((m) => PRODUCT.test(m.text) && !frequentQuestion(m.text));
  if (productAsks.length > 0) {
    const sample = quote(productAsks[productAsks.length - 1].text, 40);
    tips.push({
      type: "product",
      text: t(
        `${productAsks.length} 条弹幕在问链接和优惠（如「${sample}」）：再讲一遍怎么买，「点击下方小黄车，想要的扣1」。`,
        `${productAsks.length} messages ask about the link or offer (e.g. “${sample}”) — restate where to buy: “tap the link below, type 1 if you want one.”`,
      ),
      tags: ["link", "conversion"],
      score: Math.min(0.9, 0.55 + productAsks.length / 30),
    });
  } else if (asked.size === 0 && PRODUCT.test(w.transcript)) {
    tips.push({
      type: "product",
      text: t(
        "你介绍了商品但弹幕没人接话：问一句「想要的扣1，我看看有多少人要」。",
        "You presented the product but chat did not react — prompt them: “type 1 if you want one”.",
      ),
      tags: ["product", "call-to-action"],
      score: 0.5,
    });
  }

  const questions = w.danmaku.filter((m) =>
    detectQuestion(m.text).question && !frequentQuestion(m.text)
  );
  if (questions.length > 0) {
    const q = quote(questions[questions.length - 1].text, 60);
    tips.push({
      type: "interaction",
      text: t(
        `有 ${questions.length} 个问题还没回应，先回答「${q}」，再问一句「还有疑问的打在公屏上」。`,
        `${questions.length} viewer questions are waiting — answer this one now: “${q}”, then ask “anything else? drop it in the chat.”`,
      ),
      tags: ["questions"],
      score: Math.min(0.9, 0.5 + questions.length / 20),
    });
  }

  if (w.mood && w.mood.count >= 10 && w.mood.mean < -0.15) {
    tips.push({
      type: "interaction",
      text: t(
        "弹幕情绪在下滑，换个节奏：先回应一下吐槽，再发起小互动「觉得有用的点个赞」。",
        "Chat mood is dropping — change the pace: address the complaints, then ask “like the stream if this helped”.",
      ),
      tags: ["mood"],
      score: Math.min(0.9, 0.5 - w.mood.mean),
    });
  }

  if (w.topics.length > 0) {
    tips.push({
      type: "interaction",
      text: t(
        `弹幕都在聊「${
          w.topics.slice(0, 2).join("」「")
        }」，顺着聊两句，再问「你们平时怎么用？评论区告诉我」。`,
        `Chat is talking about “${
          w.topics.slice(0, 2).join("”, “")
        }” — pick the topic up and ask “how do you use it? tell me in the chat.”`,
      ),
      tags: ["topics", ...w.topics.slice(0, 2)].slice(0, 6).map((x) => x.slice(0, 24)),
      score: 0.55,
    });
  }

  if (rate < 5) {
    tips.push({
      type: "interaction",
      text: t(
        "弹幕有点冷清：抛一个二选一，「要红色的扣1，要黑色的扣2」。",
        "Chat is quiet — ask an either-or question: “type 1 for red, 2 for black.”",
      ),
      tags: ["engagement", "low-activity"],
      score: 0.6,
    });
  }

  if (w.faces?.trend) {
    const q = [...asked.keys()][0];
    const chatAsked = q
      ? {
        zh: { price: "价格", size: "尺码", shipping: "发货" }[q],
        en: { price: "the price", size: "sizes", shipping: "shipping" }[q],
      }
      : undefined;
    const tip = faceTrendTip(w.faces.trend, zh, chatAsked);
    if (tip) tips.push({ type: "interaction", ...tip });
  }

  const voice = voiceTip(w.voice, zh);
  if (voice) tips.push({ type: "interaction", ...voice });

  const nearEnd = w.plannedMs !== undefined && w.plannedMs - w.liveForMs < 10 * 60_000;
  if (CLOSING.test(w.transcript) || nearEnd) {
    tips.push({
      type: "closing",
      text: t(
        "准备收尾：感谢送礼物的朋友，预告下次开播时间，「点个关注，下次开播就能收到提醒」。",
        "Wrap up: thank the gifters, announce the next stream and ask viewers to follow for the notification.",
      ),
      tags: ["closing", "retention"],
      score: nearEnd ? 0.9 : 0.7,
    });
  }

  return styledTips(tips, locale, fillerTips(locale));
}

/** General lines, lower scored, used when a window gives fewer than 3. */
function fillerTips(locale: LocalLocale): Tip[] {
  const zh = locale === "zh-CN";
  return [
    {
      type: "interaction",
      text: zh
        ? "念几条弹幕并回应，再说一句「有问题随时打在公屏上」。"
        : "Read a few messages aloud and reply, then say “drop your questions in the chat”.",
      tags: ["engagement"],
      score: 0.35,
    },
    {
      type: "welcome",
      text: zh
        ? "每隔几分钟欢迎一下新进来的朋友，说清楚现在在讲什么，「刚来的点个关注」。"
        : "Every few minutes, welcome new viewers, say what is happening now and ask them to follow.",
      tags: ["newcomers"],
      score: 0.3,
    },
    {
      type: "closing",
      text: zh
        ? "提醒大家点关注、加入粉丝团，下次开播会收到通知。"
        : "Remind viewers to follow so they get the next stream's notification.",
      tags: ["retention"],
      score: 0.25,
    },
  ];
}

/**
 * The style rules on any list of tips: lines with absolute claims are dropped, lines without a
 * call to action get their type's, duplicates go, `fill` tops the list up to 3; best 5 kept.
 */
export function styledTips(tips: Tip[], locale: LocalLocale, fill: Tip[]): Tip[] {
  const out: Tip[] = [];
  for (const tip of [...tips, ...fill]) {
    if (out.length >= 3 && fill.includes(tip)) break;
    if (absoluteClaims(tip.text).length > 0) continue;
    const text = withCallToAction(tip.text, tip.type, locale).slice(0, 240);
    if (out.some((x) => x.text === text)) continue;
    out.push({ ...tip, text });
  }
  return out.sort((a, b) => b.score - a.score).slice(0, 5).map((x) => ({
    ...x,
    score: Math.round(x.score * 100) / 100,
  }));
}

const LlmTips = z.object({ tips: z.array(Tip).min(3).max(5) });

function clock(at: number, start: number): string {
  const s = Math.max(0, Math.floor((at - start) / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** The user prompt: the window's danmaku (the latest 200), transcript, mood, topics. */
export function tipsPrompt(w: TipWindow): string {
  const lines = w.danmaku.slice(-200).map((m) =>
    `[${clock(m.at, w.startAt)}] ${m.name}: ${m.text}`
  );
  return [
    `Window ${w.seq} of the stream (${Math.round((w.endAt - w.startAt) / 1000)} s, live for ${
      Math.round(w.liveForMs / 60_000)
    } min). ${w.frames?.length ?? 0} key frames attached in order.`,
    `Streamer's speech (transcript):\n${w.transcript.slice(0, 6000) || "(none)"}`,
    `Chat (danmaku) in this window, ${w.danmaku.length} messages:\n${lines.join("\n") || "(none)"}`,
    `Chat mood: ${w.mood ? `${w.mood.mean.toFixed(2)} over ${w.mood.count} messages` : "unknown"}`,
    `Hot topics: ${w.topics.join(", ") || "none"}`,
    `On-screen text (OCR of the key frames):\n${w.screenText?.slice(0, 40).join("\n") || "(none)"}`,
    ...(w.faces ? [facesPromptLine(w.faces.now, w.faces.trend)] : []),
    ...(w.voice ? [voicePromptLine(w.voice)] : []),
  ].join("\n\n");
}

/**
 * The coach's brief, after the Douyin document: a senior live-commerce coach writing 3–5
 * natural lines, each with a call to action, no exaggerated promises, answer templates for
 * price/size/shipping; then the stream's language.
 */
export function tipsSystemPrompt(language: LanguageTag): string {
  return "You are a senior live-commerce coach for a live streamer. From the last few " +
    "minutes (key frames, on-screen text, speech and chat) write 3 to 5 lines the streamer " +
    "can act on or say right now. Each line is natural, specific to this window and ends " +
    "with a call to action (follow, type 1, tap the product link, comment...). Make no " +
    "exaggerated or absolute promises (no superlatives such as best/cheapest/#1/100%/" +
    "guaranteed, 最/第一/全网最低/100%). When the chat asks about price, size or shipping, " +
    "give a ready answer template with blanks in 【】 for facts you do not know. " +
    languageInstruction(language) + ' Answer JSON {"tips":[{"text": string, "type": ' +
    '"welcome"|"product"|"interaction"|"closing", "tags": string[], "score": number 0..1 ' +
    "(how useful now)}]}.";
}

export async function coachingTips(w: TipWindow, llm: LlmClient | null): Promise<TipsResult> {
  const language = windowLanguage(w);
  const out = await askOrLocal(llm, {
    room: w.roomId,
    purpose: "tips",
    system: tipsSystemPrompt(language),
    user: tipsPrompt(w),
    images: (w.frames ?? []).slice(0, 24),
    schema: LlmTips,
    maxTokens: 800,
  }, () => ({ tips: localTips({ ...w, language }) }));
  if (out.source === "local") return { tips: out.value.tips, source: "local", language };
  // a model's lines follow the same rules; the local ones top them up when too few pass
  const locale = localeOf(language);
  const tips = styledTips(out.value.tips, locale, localTips({ ...w, language }));
  return { tips, source: out.source, language };
}
