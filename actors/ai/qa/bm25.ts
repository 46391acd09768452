/**
 * BM25 ranking over knowledge-base chunks, local and incremental (add/remove). Terms are
 * the shared segmentation plus Han character bigrams, so Chinese queries match without a
 * perfect word split.
 */
import { questionTerms } from "./detect.ts";

export interface Bm25Hit {
  id: string;
  score: number;
}

export function bm25Terms(text: string): string[] {
  return [...questionTerms(text)];
}

export class Bm25Index {
  readonly #docs = new Map<string, Map<string, number>>();
  readonly #lengths = new Map<string, number>();
  readonly #df = new Map<string, number>();
  #totalLength = 0;

  constructor(private readonly k1 = 1.2, private readonly b = 0.75) {}

  get size(): number {
    return this.#docs.size;
  }

  add(id: string, text: string): void {
    this.remove(id);
    const tf = new Map<string, number>();
    const terms = bm25Terms(text);
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    // bm25Terms de-duplicates; count real occurrences for the length
    const length = Math.max(1, terms.length);
    this.#docs.set(id, tf);
    this.#lengths.set(id, length);
    this.#totalLength += length;
    for (const t of tf.keys()) this.#df.set(t, (this.#df.get(t) ?? 0) + 1);
  }

  remove(id: string): void {
    const tf = this.#docs.get(id);
    if (!tf) return;
    for (const t of tf.keys()) {
      const n = (this.#df.get(t) ?? 1) - 1;
      if (n <= 0) this.#df.delete(t);
      else this.#df.set(t, n);
    }
    this.#totalLength -= this.#lengths.get(id) ?? 0;
    this.#docs.delete(id);
    this.#lengths.delete(id);
  }

  search(query: string, k = 5): Bm25Hit[] {
    const n = this.#docs.size;
    if (n === 0) return [];
    const avg = this.#totalLength / n;
    const q = bm25Terms(query);
    const hits: Bm25Hit[] = [];
    for (const [id, tf] of this.#docs) {
      let score = 0;
      const len = this.#lengths.get(id) ?? 1;
      for (const t of q) {
        const f = tf.get(t);
        if (!f) continue;
        const df = this.#df.get(t) ?? 0;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        score += idf * (f * (this.k1 + 1)) / (f + this.k1 * (1 - this.b + this.b * len / avg));
      }
      if (score > 0) hits.push({ id, score });
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, k);
  }
}
