/**
 * The streamer's knowledge base: entries (title + body) validated at the boundary and cut
 * into chunks of about `maxChars` at sentence boundaries, with a small overlap. Chunk ids
 * are `{entryId}#{n}` so every answer can cite its entry.
 */
import { z } from "zod";
import { removeInvisible } from "../../../engine/text/invisible.ts";
import { policyString, visibleText } from "../../../engine/text/schema.ts";

export const KbEntryInput = z.object({
  title: visibleText(1, 200),
  /** Line breaks kept; invisible and bidi characters removed like everywhere else. */
  body: policyString()
    .transform((s) => removeInvisible(s.normalize("NFC")).trim())
    .pipe(z.string().min(1).max(20_000)),
  tags: z.array(visibleText(1, 32)).max(16).default([]),
});
export type KbEntryInput = z.infer<typeof KbEntryInput>;

export interface KbEntry extends KbEntryInput {
  id: string;
  updatedAt: number;
}

export interface KbChunk {
  id: string;
  entryId: string;
  title: string;
  text: string;
}

const SENTENCE = /[^。！？!?\n.]+[。！？!?.\n]*/gu;

/** Cuts an entry into chunks; the title leads every chunk so retrieval sees it. */
export function chunkEntry(entry: KbEntry, maxChars = 300, overlapSentences = 1): KbChunk[] {
  const sentences = (entry.body.match(SENTENCE) ?? [entry.body]).map((s) => s.trim()).filter(
    Boolean,
  );
  const chunks: KbChunk[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length === 0) return;
    chunks.push({
      id: `${entry.id}#${chunks.length}`,
      entryId: entry.id,
      title: entry.title,
      text: current.join(" "),
    });
  };
  for (const s of sentences) {
    const size = current.join(" ").length;
    if (current.length > 0 && size + 1 + s.length > maxChars) {
      flush();
      current = current.slice(-overlapSentences).filter((x) => x.length + 1 + s.length <= maxChars);
    }
    // a single over-long sentence is cut hard
    for (let i = 0; i < s.length; i += maxChars) current.push(s.slice(i, i + maxChars));
  }
  flush();
  return chunks;
}
