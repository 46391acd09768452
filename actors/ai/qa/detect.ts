/**
 * Question detection in danmaku (Chinese and English) and the key used to de-duplicate
 * questions that ask the same thing in other words.
 */
import { tokenize } from "../tokenize.ts";

const ZH_MARKERS =
  /(吗|么|嘛)[?？!！。~～]*$|呢[?？]|什么|怎么|为什么|为啥|多少|几(点|个|号|天|次|岁|块)|哪(里|儿|个|些|款|家)|谁|是不是|有没有|能不能|可不可以|会不会|要不要|请问|咋|如何|何时/u;
const EN_START =
  /^(what|what's|whats|how|why|when|where|who|which|can|could|does|do|did|is|are|will|would|should|any|anyone)\b/i;

export interface QuestionCheck {
  question: boolean;
  /** 0..1: how sure. */
  confidence: number;
}

/**
 * Is this chat message a question worth answering? (Not `？？？` nor `what`.) `words`: the
 * text's `tokenize` result when the caller has it already (it is not split again).
 */
export function detectQuestion(text: string, words?: readonly string[]): QuestionCheck {
  const t = text.normalize("NFKC").trim();
  const mark = /[?？]\s*$/.test(t);
  const zh = ZH_MARKERS.test(t);
  const en = EN_START.test(t) && t.split(/\s+/).length >= 3;
  // no marker at all: not a question, and no need to look further (the room calls this per
  // message, most of which are no question)
  if (!mark && !zh && !en) return { question: false, confidence: 0 };
  const content = t.replace(/[\p{P}\p{S}\s]/gu, "");
  if (content.length < 3) return { question: false, confidence: 0 };
  const terms = words ?? tokenize(t);
  let confidence = 0;
  if (mark) confidence += 0.5;
  if (zh) confidence += 0.4;
  if (en) confidence += 0.4;
  if (terms.length === 0) confidence *= 0.3; // no content word: "为什么？？"
  confidence = Math.min(1, confidence);
  return { question: confidence >= 0.4, confidence };
}

/** A light English stemmer: costs → cost, charging → charg, colours → colour. */
export function stem(word: string): string {
  if (!/^[a-z]+$/.test(word)) return word;
  if (word.length > 5 && word.endsWith("ing")) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith("ed")) return word.slice(0, -2);
  if (word.length > 4 && /(?:ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

/**
 * Content terms of a question (stemmed), for de-duplication and retrieval. `words`: the
 * text's `tokenize` result when the caller has it already.
 */
export function questionTerms(text: string, words?: readonly string[]): Set<string> {
  const terms = new Set((words ?? tokenize(text)).map(stem));
  // Han text also as character bigrams so 这手机多少钱 and 手机多少钱啊 meet
  const han = text.match(/\p{Script=Han}+/gu) ?? [];
  for (const run of han) for (let i = 0; i + 1 < run.length; i++) terms.add(run.slice(i, i + 2));
  return terms;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}
