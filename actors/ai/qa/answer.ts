/**
 * Answers one viewer question from the knowledge base, always citing the entry used.
 * With an LLM: the retrieved chunks go into the prompt and the model must name the chunk it
 * used (checked against what was retrieved). Locally: the sentence of the best chunk that
 * shares most terms with the question. No relevant chunk: no answer (the assistant stays
 * quiet rather than invent one).
 */
import { z } from "zod";
import { askOrLocal, type LlmClient } from "../llm/client.ts";
import type { Source } from "../source.ts";
import { languageInstruction } from "../language.ts";
import type { LanguageTag } from "../language_tags.ts";
import { questionTerms } from "./detect.ts";
import type { KnowledgeBase, RetrievedChunk } from "./knowledge_base.ts";

export interface Citation {
  entryId: string;
  title: string;
  chunkId: string;
}

export interface QaAnswer {
  question: string;
  /** Null when the knowledge base has nothing on it. */
  text: string | null;
  citation: Citation | null;
  source: Source;
}

const LlmAnswer = z.object({
  answer: z.string().max(600).nullable(),
  chunkId: z.string().max(80).nullable(),
});

const SYSTEM =
  "You are the streamer's assistant answering a viewer's question in a live chat. Use ONLY " +
  "the knowledge-base chunks given. At most two short " +
  'sentences. Answer JSON {"answer": string|null, "chunkId": string|null}: chunkId is the id ' +
  "of the chunk your answer comes from; use nulls when the chunks do not answer the question.";

/** Below this, a BM25 match rests on common words only. */
const MIN_BM25 = 0.6;

const cite = (h: RetrievedChunk): Citation => ({
  entryId: h.chunk.entryId,
  title: h.chunk.title,
  chunkId: h.chunk.id,
});

/** The local answer: the best-overlapping sentence of the top chunk. */
export function localAnswer(question: string, hits: RetrievedChunk[]): Omit<QaAnswer, "source"> {
  const top = hits[0];
  if (!top) return { question, text: null, citation: null };
  const q = questionTerms(question);
  // A weak BM25 match (only common words) is no answer. BM25's IDF is small in a tiny
  // knowledge base (one or two entries), so a chunk carrying most of the question's terms
  // also counts.
  const inChunk = questionTerms(`${top.chunk.title} ${top.chunk.text}`);
  let covered = 0;
  for (const t of q) if (inChunk.has(t)) covered++;
  const enough = covered >= Math.max(2, Math.ceil(q.size / 2));
  if ((top.bm25 ?? 0) < MIN_BM25 && !enough) return { question, text: null, citation: null };
  const sentences = top.chunk.text.match(/[^。！？!?\n.]+[。！？!?.]*/gu) ?? [top.chunk.text];
  let best = sentences[0];
  let bestScore = -1;
  for (const s of sentences) {
    const terms = questionTerms(s);
    let n = 0;
    for (const t of q) if (terms.has(t)) n++;
    if (n > bestScore) {
      best = s;
      bestScore = n;
    }
  }
  return { question, text: best.trim(), citation: cite(top) };
}

export async function answerQuestion(
  question: string,
  kb: KnowledgeBase,
  llm: LlmClient | null,
  roomId: string,
  /** The stream's language; the local answer quotes the entry as the streamer wrote it. */
  language: LanguageTag = "en",
): Promise<QaAnswer> {
  const retrieval = await kb.retrieve(question, 3);
  const hits = retrieval.hits;
  if (hits.length === 0) return { question, text: null, citation: null, source: retrieval.source };
  const local = () => {
    const a = localAnswer(question, hits);
    return { answer: a.text, chunkId: a.citation?.chunkId ?? null };
  };
  const context = hits.map((h) => `[${h.chunk.id}] ${h.chunk.title}: ${h.chunk.text}`).join("\n");
  const out = await askOrLocal(llm, {
    room: roomId,
    purpose: "qa",
    system: `${SYSTEM} ${languageInstruction(language)}`,
    user: `Knowledge base:\n${context}\n\nViewer question: ${question}`,
    schema: LlmAnswer,
    maxTokens: 300,
  }, local);
  let { answer, chunkId } = out.value;
  let source = out.source;
  const used = hits.find((h) => h.chunk.id === chunkId);
  if (answer && !used) {
    // an answer without a valid citation is not shown: fall back to the local one
    ({ answer, chunkId } = local());
    source = "local";
  }
  const hit = hits.find((h) => h.chunk.id === chunkId);
  if (!answer || !hit) return { question, text: null, citation: null, source };
  return { question, text: answer, citation: cite(hit), source };
}
