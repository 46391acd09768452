/**
 * Aho–Corasick multi-pattern matcher: one pass over the text finds every occurrence of every
 * pattern, in time linear in the text plus the matches, whatever the number of patterns.
 * Works on UTF-16 code units, so patterns and text must be normalised the same way.
 */

export interface AcMatch<T> {
  /** Index of the first code unit of the match. */
  start: number;
  /** Index just past the match. */
  end: number;
  value: T;
}

export class AhoCorasick<T> {
  readonly #next: Map<number, number>[] = [new Map()];
  #fail: Int32Array = new Int32Array(1);
  /** Nearest node on the fail chain that ends a pattern (-1: none). */
  #dict: Int32Array = new Int32Array(1);
  /** Pattern ending exactly at a node (-1: none). */
  readonly #ends: number[] = [-1];
  readonly #patterns: { length: number; value: T }[] = [];

  constructor(patterns: Iterable<{ pattern: string; value: T }>) {
    for (const { pattern, value } of patterns) {
      if (pattern.length === 0) continue;
      let node = 0;
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern.charCodeAt(i);
        let child = this.#next[node].get(c);
        if (child === undefined) {
          child = this.#next.length;
          this.#next.push(new Map());
          this.#ends.push(-1);
          this.#next[node].set(c, child);
        }
        node = child;
      }
      if (this.#ends[node] === -1) {
        this.#ends[node] = this.#patterns.length;
        this.#patterns.push({ length: pattern.length, value });
      }
    }
    this.#build();
  }

  get size(): number {
    return this.#patterns.length;
  }

  #build(): void {
    const n = this.#next.length;
    this.#fail = new Int32Array(n);
    this.#dict = new Int32Array(n).fill(-1);
    const queue: number[] = [];
    for (const child of this.#next[0].values()) queue.push(child);
    for (let qi = 0; qi < queue.length; qi++) {
      const node = queue[qi];
      for (const [c, child] of this.#next[node]) {
        let f = this.#fail[node];
        while (f !== 0 && !this.#next[f].has(c)) f = this.#fail[f];
        const target = this.#next[f].get(c);
        this.#fail[child] = target !== undefined && target !== child ? target : 0;
        const fc = this.#fail[child];
        this.#dict[child] = this.#ends[fc] !== -1 ? fc : this.#dict[fc];
        queue.push(child);
      }
    }
  }

  /** Every match, in order of end position. */
  findAll(text: string): AcMatch<T>[] {
    const out: AcMatch<T>[] = [];
    let node = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let child = this.#next[node].get(c);
      while (child === undefined && node !== 0) {
        node = this.#fail[node];
        child = this.#next[node].get(c);
      }
      node = child ?? 0;
      for (let m = this.#ends[node] !== -1 ? node : this.#dict[node]; m !== -1; m = this.#dict[m]) {
        const p = this.#patterns[this.#ends[m]];
        out.push({ start: i + 1 - p.length, end: i + 1, value: p.value });
      }
    }
    return out;
  }
}
