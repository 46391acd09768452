/**
 * Where the co-host's words come from: a streaming LLM through the `openai` package (any
 * OpenAI-compatible endpoint), or, with no model or when it fails before its first word, the
 * local answerer (the room's knowledge base, then templates) — labelled `local`.
 */
import type OpenAI from "openai";
import type { Source } from "../ai/source.ts";
import type { CoHostInput } from "./events.ts";
import type { Persona } from "./persona.ts";

export interface Exchange {
  role: "user" | "assistant";
  content: string;
}

export interface ReplyRequest {
  roomId: string;
  persona: Persona;
  input: CoHostInput;
  /** Recent exchanges, oldest first. */
  history: Exchange[];
}

export interface ReplyModel {
  readonly source: Source;
  /** The reply's text in pieces as they come; stops early when `signal` aborts. */
  stream(req: ReplyRequest, signal: AbortSignal): AsyncIterable<string>;
}

export interface LlmStreamSettings {
  baseUrl: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
  maxTokens?: number;
}

export function systemPrompt(p: Persona): string {
  const lines = [
    `You are ${p.name}, the AI co-host of a live stream. You read the chat and answer one ` +
    `message at a time, aloud, in one to three short sentences.`,
    `Style: ${p.style}.`,
    `Answer in the language with tag "${p.language}" unless the viewer clearly writes in another.`,
  ];
  if (p.mustNotSay.length > 0) {
    lines.push(`Never say any of these: ${p.mustNotSay.map((w) => JSON.stringify(w)).join(", ")}.`);
  }
  return lines.join("\n");
}

function userLine(input: CoHostInput): string {
  const where = input.origin === "bridged" ? ` on ${input.platform ?? "another platform"}` : "";
  return `${input.user.name}${where}: ${input.text}`;
}

export class OpenAiReplyModel implements ReplyModel {
  readonly source = "llm" as const;
  #sdk: Promise<OpenAI> | undefined;

  constructor(private readonly s: LlmStreamSettings) {}

  /** The openai SDK (tens of MB of JS) loads at the co-host's first reply. */
  #client(): Promise<OpenAI> {
    return this.#sdk ??= import("openai").then((m) =>
      new m.default({
        baseURL: this.s.baseUrl,
        apiKey: this.s.apiKey,
        timeout: this.s.timeoutMs,
        maxRetries: 0,
      })
    );
  }

  async *stream(req: ReplyRequest, signal: AbortSignal): AsyncIterable<string> {
    const stream = await (await this.#client()).chat.completions.create({
      model: this.s.model,
      stream: true,
      max_tokens: this.s.maxTokens ?? 200,
      temperature: 0.8,
      messages: [
        { role: "system", content: systemPrompt(req.persona) },
        ...req.history,
        { role: "user", content: userLine(req.input) },
      ],
    }, { signal });
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta?.content;
      if (piece) yield piece;
    }
  }
}

/** The room's knowledge base as the local answerer sees it. */
export interface LocalKnowledge {
  answer(question: string): Promise<string | null>;
}

const TEMPLATES = {
  zh: {
    greet: (n: string) => `欢迎${n}！很高兴见到你。`,
    thanks: (n: string) => `谢谢${n}的支持！`,
    question: (n: string) => `${n}问得好，这个我先记下，等主播来回答。`,
    chat: (n: string) => `收到${n}的弹幕啦，谢谢你陪我们聊天！`,
  },
  en: {
    greet: (n: string) => `Welcome, ${n}! Great to see you.`,
    thanks: (n: string) => `Thank you for the support, ${n}!`,
    question: (n: string) => `Good question, ${n}. I'll save it for the streamer.`,
    chat: (n: string) => `Thanks for chatting with us, ${n}!`,
  },
};

/** Knowledge-base answers first, then a template by what the message looks like. */
export class LocalReplyModel implements ReplyModel {
  readonly source = "local" as const;

  constructor(private readonly kb: LocalKnowledge | null = null) {}

  async *stream(req: ReplyRequest, signal: AbortSignal): AsyncIterable<string> {
    const text = await this.#reply(req);
    for (const piece of text.match(/\p{Script=Han}|[^\p{Script=Han}\s]+\s*|\s+/gu) ?? []) {
      if (signal.aborted) return;
      yield piece;
    }
  }

  async #reply(req: ReplyRequest): Promise<string> {
    const { input, persona } = req;
    const t = TEMPLATES[persona.language.startsWith("zh") ? "zh" : "en"];
    const kb = await this.kb?.answer(input.text).catch(() => null);
    if (kb) return kb;
    const s = input.text.toLowerCase();
    if (/^(hi|hello|hey)\b|你好|大家好|来了/.test(s)) return t.greet(input.user.name);
    if (/谢谢|感谢|thank/.test(s)) return t.thanks(input.user.name);
    if (/[?？]|吗|什么|怎么|为什么|^(what|how|why|when|where|who|is|are|can|do)\b/.test(s)) {
      return t.question(input.user.name);
    }
    return t.chat(input.user.name);
  }
}
