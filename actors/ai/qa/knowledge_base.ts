/**
 * A room's knowledge base with retrieval: CRUD over entries (validated), chunking, a BM25
 * index kept in step, and embedding retrieval through the LLM adapter when an embedding
 * model is configured (vectors cached per chunk text). Results of both are fused by
 * reciprocal rank; without embeddings (or when they fail) BM25 alone answers, labelled local.
 */
import type { LlmClient } from "../llm/client.ts";
import type { Source } from "../source.ts";
import { Bm25Index } from "./bm25.ts";
import { chunkEntry, type KbChunk, type KbEntry, KbEntryInput } from "./kb.ts";

export class KbError extends Error {
  constructor(readonly code: "kb_invalid" | "kb_not_found" | "kb_full", message: string) {
    super(message);
  }
}

export interface RetrievedChunk {
  chunk: KbChunk;
  /** Fused score (reciprocal rank); higher is better. */
  score: number;
  bm25?: number;
  cosine?: number;
}

export interface Retrieval {
  hits: RetrievedChunk[];
  source: Source;
}

export interface KbSnapshot {
  nextId: number;
  entries: KbEntry[];
}

function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export class KnowledgeBase {
  readonly #entries = new Map<string, KbEntry>();
  readonly #chunks = new Map<string, KbChunk>();
  readonly #bm25 = new Bm25Index();
  /** chunk text → vector. */
  readonly #vectors = new Map<string, number[]>();
  #nextId = 1;

  constructor(
    private readonly opts: {
      roomId: string;
      llm?: LlmClient | null;
      now?: () => number;
      maxEntries?: number;
      /** Below this cosine an embedding hit does not count. */
      minCosine?: number;
    },
  ) {}

  list(): KbEntry[] {
    return [...this.#entries.values()];
  }

  /** How many entries there are (without copying them). */
  get size(): number {
    return this.#entries.size;
  }

  get(id: string): KbEntry | undefined {
    return this.#entries.get(id);
  }

  /** Creates (no id) or replaces an entry. Bad input throws `KbError` and changes nothing. */
  upsert(input: unknown, id?: string): KbEntry {
    const parsed = KbEntryInput.safeParse(input);
    if (!parsed.success) {
      throw new KbError("kb_invalid", parsed.error.issues.map((i) => i.message).join("; "));
    }
    if (id !== undefined && !this.#entries.has(id)) {
      throw new KbError("kb_not_found", `no entry ${id}`);
    }
    if (id === undefined && this.#entries.size >= (this.opts.maxEntries ?? 500)) {
      throw new KbError("kb_full", "the knowledge base is full");
    }
    const entry: KbEntry = {
      ...parsed.data,
      id: id ?? `kb${this.#nextId++}`,
      updatedAt: (this.opts.now ?? Date.now)(),
    };
    this.#unindex(entry.id);
    this.#entries.set(entry.id, entry);
    for (const c of chunkEntry(entry)) {
      this.#chunks.set(c.id, c);
      this.#bm25.add(c.id, `${c.title} ${c.text}`);
    }
    return entry;
  }

  remove(id: string): boolean {
    if (!this.#entries.delete(id)) return false;
    this.#unindex(id);
    return true;
  }

  #unindex(entryId: string): void {
    for (const [cid, c] of this.#chunks) {
      if (c.entryId !== entryId) continue;
      this.#chunks.delete(cid);
      this.#bm25.remove(cid);
    }
  }

  snapshot(): KbSnapshot {
    return { nextId: this.#nextId, entries: this.list() };
  }

  restore(snap: KbSnapshot): void {
    this.#nextId = snap.nextId;
    for (const e of snap.entries) {
      this.#entries.set(e.id, e);
      for (const c of chunkEntry(e)) {
        this.#chunks.set(c.id, c);
        this.#bm25.add(c.id, `${c.title} ${c.text}`);
      }
    }
  }

  async #embeddingRanks(question: string, k: number): Promise<Map<string, number> | null> {
    const llm = this.opts.llm;
    if (!llm?.embeddingModel || this.#chunks.size === 0) return null;
    try {
      const chunks = [...this.#chunks.values()];
      const missing = chunks.filter((c) => !this.#vectors.has(`${c.title}\n${c.text}`));
      const texts = [question, ...missing.map((c) => `${c.title}\n${c.text}`)];
      const vectors = await llm.embed(this.opts.roomId, texts);
      missing.forEach((c, i) => this.#vectors.set(`${c.title}\n${c.text}`, vectors[i + 1]));
      const q = vectors[0];
      const min = this.opts.minCosine ?? 0.2;
      const scored = chunks
        .map((c) => ({ id: c.id, cos: cosine(q, this.#vectors.get(`${c.title}\n${c.text}`)!) }))
        .filter((s) => s.cos >= min)
        .sort((a, b) => b.cos - a.cos)
        .slice(0, k);
      return new Map(scored.map((s) => [s.id, s.cos]));
    } catch {
      return null;
    }
  }

  /** The best `k` chunks for a question. */
  async retrieve(question: string, k = 3): Promise<Retrieval> {
    const bm25 = this.#bm25.search(question, k * 2);
    const emb = await this.#embeddingRanks(question, k * 2);
    const fused = new Map<string, RetrievedChunk>();
    const add = (id: string, rank: number, patch: Partial<RetrievedChunk>) => {
      const chunk = this.#chunks.get(id);
      if (!chunk) return;
      const cur = fused.get(id) ?? { chunk, score: 0 };
      fused.set(id, { ...cur, ...patch, score: cur.score + 1 / (60 + rank) });
    };
    bm25.forEach((h, rank) => add(h.id, rank, { bm25: h.score }));
    [...(emb ?? new Map<string, number>())].forEach(([id, cos], rank) =>
      add(id, rank, { cosine: cos })
    );
    const hits = [...fused.values()].sort((a, b) => b.score - a.score).slice(0, k);
    return { hits, source: emb ? "llm" : "local" };
  }
}
