/**
 * Cuts streamed text into sentences as it arrives: a sentence ends at 。！？!?；; or a newline,
 * or at `.` followed by a space; one longer than `maxChars` is cut at the last comma or space.
 */
const END = /[。！？!?；;\n]|\.(?=\s)|…/u;

export class SentenceSplitter {
  #buf = "";

  constructor(private readonly maxChars = 120) {}

  /** The text of the sentence not finished yet. */
  get pending(): string {
    return this.#buf;
  }

  /** Adds streamed text; returns the sentences it completed. */
  push(text: string): string[] {
    this.#buf += text;
    const out: string[] = [];
    while (true) {
      const m = END.exec(this.#buf);
      if (m) {
        const end = m.index + m[0].length;
        const s = this.#buf.slice(0, end).trim();
        this.#buf = this.#buf.slice(end);
        if (s) out.push(s);
        continue;
      }
      if (this.#buf.length <= this.maxChars) return out;
      const cut = Math.max(
        this.#buf.lastIndexOf("，", this.maxChars),
        this.#buf.lastIndexOf(",", this.maxChars),
        this.#buf.lastIndexOf(" ", this.maxChars),
      );
      const at = cut > 0 ? cut + 1 : this.maxChars;
      const s = this.#buf.slice(0, at).trim();
      this.#buf = this.#buf.slice(at);
      if (s) out.push(s);
    }
  }

  /** The unfinished rest, as the last sentence. */
  flush(): string | null {
    const s = this.#buf.trim();
    this.#buf = "";
    return s || null;
  }
}
