/**
 * Coaching tips for the streamer, 3–5 per analysis window:
 * `{text, type: welcome|product|interaction|closing, tags, score}`.
 * Locally they come from rules over the window's danmaku (greetings, price and link
 * questions, pending questions, chat rate, mood, hot topics) and the transcript (closing
 * words). With an LLM the window's danmaku, transcript, mood and topics go into the prompt
 * and the key frames as image parts; the answer is validated by schema.
 */
import { z } from "zod";
import { askOrLocal, type ImageInput, type LlmClient } from "./llm/client.ts";
import type { Source } from "./source.ts";
import { detectQuestion } from "./qa/detect.ts";

export const TipType = z.enum(["welcome", "product", "interaction", "closing"]);
export type TipType = z.infer<typeof TipType>;

export const Tip = z.object({
  text: z.string().min(1).max(240),
  type: TipType,
  tags: z.array(z.string().min(1).max(24)).max(6),
  score: z.number().min(0).max(1),
});
export type Tip = z.infer<typeof Tip>;

export interface TipsResult {
  tips: Tip[];
  source: Source;
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
const PRICE_ON_SCREEN = /[¥￥$€£]\s*\d|\d\s*(元|块|rmb|usd)/i;

const han = (s: string) => /\p{Script=Han}/u.test(s);

/** The window's language: Chinese when most danmaku (or the transcript) is Chinese. */
function isChinese(w: TipWindow): boolean {
  const sample = w.danmaku.slice(-200);
  if (sample.length === 0) return han(w.transcript);
  return sample.filter((m) => han(m.text)).length * 2 >= sample.length;
}

function distinctUsers(ms: WindowMessage[]): number {
  return new Set(ms.map((m) => m.userId)).size;
}

/** Rule-based tips; always 3–5. */
export function localTips(w: TipWindow): Tip[] {
  const zh = isChinese(w);
  const t = (zhText: string, enText: string) => (zh ? zhText : enText);
  const minutes = Math.max(1, (w.endAt - w.startAt) / 60_000);
  const rate = w.danmaku.length / minutes;
  const tips: Tip[] = [];

  const greeters = w.danmaku.filter((m) => GREETING.test(m.text.trim()));
  if (greeters.length > 0) {
    const names = [...new Set(greeters.map((m) => m.name))].slice(0, 3).join(zh ? "、" : ", ");
    tips.push({
      type: "welcome",
      text: t(
        `欢迎新来的朋友：${names} 等 ${
          distinctUsers(greeters)
        } 位刚打招呼，点名欢迎并简单介绍今天的内容。`,
        `Welcome newcomers: ${names} and ${
          distinctUsers(greeters)
        } others said hi — greet them by name and recap today's plan.`,
      ),
      tags: ["greeting", "newcomers"],
      score: Math.min(0.95, 0.5 + distinctUsers(greeters) / 20),
    });
  }

  const productAsks = w.danmaku.filter((m) => PRODUCT.test(m.text));
  if (productAsks.length > 0) {
    const sample = productAsks[productAsks.length - 1].text.slice(0, 40);
    const shown = (w.screenText ?? []).find((l) => PRICE_ON_SCREEN.test(l))?.slice(0, 40);
    tips.push({
      type: "product",
      text: t(
        `${productAsks.length} 条弹幕在问价格/链接（如「${sample}」），现在重申价格、优惠和购买方式` +
          (shown ? `（画面上写着「${shown}」）。` : "。"),
        `${productAsks.length} messages ask about price or link (e.g. "${sample}") — restate the price, the offer and where to buy` +
          (shown ? ` (the screen shows "${shown}").` : "."),
      ),
      tags: ["price", "link", "conversion"],
      score: Math.min(0.95, 0.55 + productAsks.length / 30),
    });
  } else if (PRODUCT.test(w.transcript)) {
    tips.push({
      type: "product",
      text: t(
        "你介绍了商品但弹幕没人接话：用一个问题引导，比如「想要的扣1」。",
        "You presented the product but chat did not react — prompt them: “type 1 if you want one”.",
      ),
      tags: ["product", "call-to-action"],
      score: 0.5,
    });
  }

  const questions = w.danmaku.filter((m) => detectQuestion(m.text).question);
  if (questions.length > 0) {
    const q = questions[questions.length - 1].text.slice(0, 60);
    tips.push({
      type: "interaction",
      text: t(
        `有 ${questions.length} 个观众提问还没回应，先回答：「${q}」`,
        `${questions.length} viewer questions are waiting — answer this one now: “${q}”`,
      ),
      tags: ["questions"],
      score: Math.min(0.9, 0.5 + questions.length / 20),
    });
  }

  if (w.mood && w.mood.count >= 10 && w.mood.mean < -0.15) {
    tips.push({
      type: "interaction",
      text: t(
        "弹幕情绪在下滑，换个节奏：抽个奖、讲个小故事或回应一下吐槽。",
        "Chat mood is dropping — change the pace: a giveaway, a quick story, or address the complaints.",
      ),
      tags: ["mood"],
      score: Math.min(0.9, 0.5 - w.mood.mean),
    });
  }

  if (w.topics.length > 0) {
    tips.push({
      type: "interaction",
      text: t(
        `弹幕都在聊「${w.topics.slice(0, 2).join("」「")}」，顺着这个话题聊几句。`,
        `Chat is talking about “${w.topics.slice(0, 2).join("”, “")}” — pick the topic up.`,
      ),
      tags: ["topics", ...w.topics.slice(0, 2)].slice(0, 6).map((x) => x.slice(0, 24)),
      score: 0.55,
    });
  }

  if (rate < 5) {
    tips.push({
      type: "interaction",
      text: t(
        "弹幕有点冷清：抛一个二选一的问题让大家刷弹幕。",
        "Chat is quiet — ask an either-or question everyone can answer in one word.",
      ),
      tags: ["engagement", "low-activity"],
      score: 0.6,
    });
  }

  const nearEnd = w.plannedMs !== undefined && w.plannedMs - w.liveForMs < 10 * 60_000;
  if (CLOSING.test(w.transcript) || nearEnd) {
    tips.push({
      type: "closing",
      text: t(
        "准备收尾：感谢送礼物的观众，预告下次直播时间，提醒关注。",
        "Wrap up: thank the gifters, announce the next stream and remind viewers to follow.",
      ),
      tags: ["closing", "retention"],
      score: nearEnd ? 0.9 : 0.7,
    });
  }

  // always some advice: fill with general ones, lower scored
  const fillers: Tip[] = [
    {
      type: "interaction",
      text: t(
        "念几条弹幕并回应，让观众感到被看见。",
        "Read a few messages aloud and reply: viewers love being seen.",
      ),
      tags: ["engagement"],
      score: 0.35,
    },
    {
      type: "welcome",
      text: t(
        "每隔几分钟欢迎一下新进来的观众，并说明现在在做什么。",
        "Every few minutes, welcome new viewers and say what is happening now.",
      ),
      tags: ["newcomers"],
      score: 0.3,
    },
    {
      type: "closing",
      text: t(
        "提醒大家点关注，下次开播会收到通知。",
        "Remind viewers to follow so they get the next stream's notification.",
      ),
      tags: ["retention"],
      score: 0.25,
    },
  ];
  for (const f of fillers) {
    if (tips.length >= 3) break;
    if (!tips.some((x) => x.text === f.text)) tips.push(f);
  }
  return tips.sort((a, b) => b.score - a.score).slice(0, 5).map((x) => ({
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
  ].join("\n\n");
}

const SYSTEM =
  "You coach a live streamer in real time. From the last few minutes (frames, speech and " +
  "chat) give 3 to 5 short tips the streamer can act on or say right now, in the chat's " +
  'language. Answer JSON {"tips":[{"text": string, "type": "welcome"|"product"|' +
  '"interaction"|"closing", "tags": string[], "score": number 0..1 (how useful now)}]}.';

export async function coachingTips(w: TipWindow, llm: LlmClient | null): Promise<TipsResult> {
  const out = await askOrLocal(llm, {
    room: w.roomId,
    purpose: "tips",
    system: SYSTEM,
    user: tipsPrompt(w),
    images: (w.frames ?? []).slice(0, 24),
    schema: LlmTips,
    maxTokens: 800,
  }, () => ({ tips: localTips(w) }));
  const tips = [...out.value.tips].sort((a, b) => b.score - a.score);
  return { tips, source: out.source };
}
