/**
 * What the local OpenAI-compatible stand-in (fake_openai.ts) answers when a test wants a
 * model that behaves like one: it follows the language the prompt asks for (the
 * `Write every human-readable text in … (tag)` sentence; English when none) and answers the
 * task the system prompt describes (coaching tips, a summary with chapters, a Q&A answer)
 * from the material in the user prompt. Like a real model it is not perfect: its tips include
 * one absolute claim and one line without a call to action, which the caller must handle.
 */
import type { ChatMessage } from "./fake_openai.ts";

const text = (m: ChatMessage) =>
  typeof m.content === "string" ? m.content : m.content.map((p) => p.text ?? "").join("\n");

/** The language tag the prompt asks for, or null. */
export function requestedLanguage(messages: ChatMessage[]): string | null {
  const all = messages.map(text).join("\n");
  return /Write every human-readable text in [^(]+\(([A-Za-z-]+)\)/.exec(all)?.[1] ?? null;
}

/** The chat lines (`[mm:ss] name: text`) of a tips prompt. */
function chatLines(user: string): string[] {
  return [...user.matchAll(/^\[\d\d:\d\d\] [^:]+: (.+)$/gm)].map((m) => m[1]);
}

/** The caption lines (`[mm:ss|ms] text`) of a summary prompt. */
function captionLines(user: string): { ms: number; text: string }[] {
  return [...user.matchAll(/^\[[\d:]+\|(\d+)\] (.+)$/gm)].map((m) => ({
    ms: Number(m[1]),
    text: m[2],
  }));
}

export function languageFollowingReply(messages: ChatMessage[]): string {
  const system = messages.filter((m) => m.role === "system").map(text).join("\n");
  const user = messages.filter((m) => m.role === "user").map(text).join("\n");
  const zh = (requestedLanguage(messages) ?? "en").startsWith("zh");
  if (system.includes('{"tips"')) {
    const asks = chatLines(user).filter((l) => /[?？]|多少|how much|price/i.test(l));
    const q = asks.at(-1)?.slice(0, 20) ?? (zh ? "今天的商品" : "today's product");
    return JSON.stringify({
      tips: zh
        ? [
          {
            text: `有观众问「${q}」，马上回答价格，想要的点击下方小黄车。`,
            type: "product",
            tags: ["price"],
            score: 0.9,
          },
          {
            text: "欢迎刚进来的朋友，点个关注不迷路。",
            type: "welcome",
            tags: ["welcome"],
            score: 0.7,
          },
          { text: "全网最低价，错过再等一年！", type: "product", tags: ["hype"], score: 0.8 },
          { text: "讲一讲这款的使用场景", type: "interaction", tags: ["story"], score: 0.6 },
        ]
        : [
          {
            text: `A viewer asked “${q}” — answer the price now and point to the link below.`,
            type: "product",
            tags: ["price"],
            score: 0.9,
          },
          {
            text: "Welcome the newcomers and ask them to follow.",
            type: "welcome",
            tags: ["welcome"],
            score: 0.7,
          },
          { text: "Best price ever, guaranteed!", type: "product", tags: ["hype"], score: 0.8 },
          {
            text: "Tell a short story about how you use it",
            type: "interaction",
            tags: ["story"],
            score: 0.6,
          },
        ],
    });
  }
  if (system.includes('"summary"')) {
    const caps = captionLines(user);
    const first = caps[0]?.text ?? "";
    const mid = caps[Math.floor(caps.length / 2)] ?? { ms: 0, text: "" };
    return JSON.stringify({
      summary: zh
        ? `本场直播从「${first.slice(0, 20)}」开始，随后介绍了「${mid.text.slice(0, 20)}」。`
        : `The stream opened with “${first.slice(0, 40)}” and moved on to “${
          mid.text.slice(0, 40)
        }”.`,
      chapters: [
        { title: zh ? "开场介绍" : "Opening", startMs: 0 },
        { title: zh ? "商品讲解" : "The product", startMs: mid.ms },
      ],
    });
  }
  if (system.includes('"answer"')) {
    const chunk = /^\[([^\]]+)\]/m.exec(user)?.[1] ?? null;
    return JSON.stringify({
      answer: zh
        ? "根据主播的资料：请看详情页。"
        : "From the streamer's notes: see the product page.",
      chunkId: chunk,
    });
  }
  return zh ? "好的，我们继续。" : "Sure, let's go on.";
}
