/**
 * Word segmentation shared by topics, Q&A and summaries: `Intl.Segmenter` (ICU dictionaries
 * for Chinese), lower-cased, stop words and chat noise (哈哈, 666, emoji) removed. ICU splits
 * some chat words into single characters (主播 → 主 播, 破防 → 破 防); runs of single Han
 * characters are re-joined into bigrams so they still count as terms.
 */

const segmenter = new Intl.Segmenter("zh", { granularity: "word" });

const STOP = new Set(
  (
    "的 了 是 在 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 就 也 都 还 又 和 与 或 吧 吗 呢 啊 呀 哦 嗯 哈 " +
    "着 过 给 让 被 把 对 很 太 真 好 不 没 没有 有 要 会 能 可以 一个 一下 什么 怎么 为什么 多少 哪 谁 " +
    "自己 现在 今天 然后 但是 因为 所以 如果 就是 还是 已经 这么 那么 一样 一直 知道 觉得 感觉 看 说 想 " +
    "the a an and or but if then of to in on at for with from by is are was were be been am do does did " +
    "it its this that these those i you he she we they me my your our their his her them what which who " +
    "how why when where can could will would should just so very really too not no yes lol ok okay oh " +
    "im i'm it's dont don't u ur like get got have has had here there now"
  ).split(" "),
);

const HAN_CHAR = /^\p{Script=Han}$/u;
const NOISE = /^(?:哈+|h+|a*(?:ha)+h?|6+|2333*|w+|[?？!！.。,，~～]+|\d{1,4})$/u;

function keep(word: string): boolean {
  return !STOP.has(word) && !NOISE.test(word) && /[\p{L}\p{N}]/u.test(word);
}

/** Terms of a text in order (duplicates kept). */
export function tokenize(text: string): string[] {
  return tokenizeFolded(text.normalize("NFKC").toLowerCase());
}

/** Chunks remembered (process-wide) with their terms; the memory starts over when full. */
const CHUNK_CACHE_MAX = 8_192;
const chunkCache = new Map<string, readonly string[]>();
/** A chunk starting with a mark, format character or joiner segments with what precedes it. */
const ATTACHES = /^[\p{M}\p{Cf}]/u;

/**
 * `tokenize` of text already NFKC-folded and lower-cased (a chat line's `key`). Words never
 * span a space (a space is a break on both sides, and the Han bigrams restart after it), so
 * the text is split at single spaces and each chunk's terms are remembered: chat repeats its
 * chunks (`666`, `哈哈哈`, `主播好`, `gg`), and segmentation is the costly part of the AI's
 * say path. tests/ai_tokenize_chunks.test.ts checks chunked against whole-text results.
 */
export function tokenizeFolded(folded: string): string[] {
  const out: string[] = [];
  let from = 0;
  while (from <= folded.length) {
    let to = folded.indexOf(" ", from);
    if (to < 0) to = folded.length;
    if (to > from) {
      const chunk = folded.slice(from, to);
      if (asciiTerms(chunk, out)) {
        from = to + 1;
        continue;
      }
      if (ATTACHES.test(chunk)) return segmentTerms(folded); // rare: no chunking
      let terms = chunkCache.get(chunk);
      if (terms === undefined) {
        terms = segmentTerms(chunk);
        if (chunkCache.size >= CHUNK_CACHE_MAX) chunkCache.clear();
        chunkCache.set(chunk, terms);
      }
      for (const t of terms) out.push(t);
    }
    from = to + 1;
  }
  return out;
}

// Character classes of printable ASCII under Unicode's word-break rules (UAX #29), as ICU
// applies them: letters, digits, `_` (ExtendNumLet), `'` (Single_Quote: between two letters
// or two digits), `.`, `,` and `;` (between two digits; ICU joins no letters on `.`). Every
// other printable character is a break on both sides, except `:` (MidLetter in Unicode,
// not in ICU's tailoring): a chunk holding it goes to ICU, as does anything else.
const OTHER = 0, LETTER = 1, DIGIT = 2, EXTEND = 3, MID_NUM_LET = 4, MID_NUM = 5, ICU = 6;
const ASCII_CLASS = new Uint8Array(128).fill(ICU);
for (let c = 0x21; c < 0x7f; c++) ASCII_CLASS[c] = OTHER;
for (let c = 0x61; c <= 0x7a; c++) ASCII_CLASS[c] = LETTER;
for (let c = 0x41; c <= 0x5a; c++) ASCII_CLASS[c] = LETTER;
for (let c = 0x30; c <= 0x39; c++) ASCII_CLASS[c] = DIGIT;
ASCII_CLASS[0x5f] = EXTEND; // _
ASCII_CLASS[0x2e] = MID_NUM; // . (ICU's tailoring: between digits only)
ASCII_CLASS[0x27] = MID_NUM_LET; // '
ASCII_CLASS[0x2c] = MID_NUM; // ,
ASCII_CLASS[0x3b] = MID_NUM; // ;
ASCII_CLASS[0x3a] = ICU; // :

const isWordChar = (k: number) => k === LETTER || k === DIGIT || k === EXTEND;

/**
 * The terms of a chunk of printable ASCII without ICU (what `segmentTerms` gives, pushed onto
 * `out`): numbers, English words and chat noise are most chunks, and each unique one (a
 * count, a time) went through the segmenter and into the chunk cache. False, with `out`
 * untouched, when the chunk holds anything else. tests/ai_tokenize_chunks.test.ts compares
 * the two on random ASCII.
 */
function asciiTerms(chunk: string, out: string[]): boolean {
  const n = chunk.length;
  for (let i = 0; i < n; i++) {
    const c = chunk.charCodeAt(i);
    if (c >= 128 || ASCII_CLASS[c] === ICU) return false;
  }
  let i = 0;
  while (i < n) {
    if (!isWordChar(ASCII_CLASS[chunk.charCodeAt(i)])) {
      i++;
      continue;
    }
    const start = i;
    let last = ASCII_CLASS[chunk.charCodeAt(i)];
    i++;
    while (i < n) {
      const k = ASCII_CLASS[chunk.charCodeAt(i)];
      if (isWordChar(k)) {
        last = k;
        i++;
        continue;
      }
      // a middle character joins two letters (MidNumLet) or two digits (MidNumLet, MidNum)
      const after = i + 1 < n ? ASCII_CLASS[chunk.charCodeAt(i + 1)] : OTHER;
      if (
        (last === LETTER && k === MID_NUM_LET && after === LETTER) ||
        (last === DIGIT && (k === MID_NUM_LET || k === MID_NUM) && after === DIGIT)
      ) {
        i += 2;
        last = after;
        continue;
      }
      break;
    }
    if (i - start > 1) {
      const word = chunk.slice(start, i);
      if (keep(word)) out.push(word);
    }
  }
  return true;
}

/** Segments folded text with ICU and keeps the terms. */
export function segmentTerms(folded: string): string[] {
  const out: string[] = [];
  let singles: string[] = [];
  const flushSingles = () => {
    if (singles.length >= 2) {
      for (let i = 0; i + 1 < singles.length; i++) out.push(singles[i] + singles[i + 1]);
    }
    singles = [];
  };
  for (const s of segmenter.segment(folded)) {
    if (!s.isWordLike) {
      flushSingles();
      continue;
    }
    const w = s.segment;
    if (HAN_CHAR.test(w)) {
      singles.push(w);
      continue;
    }
    flushSingles();
    if (keep(w) && (w.length > 1 || /\p{Script=Han}/u.test(w))) out.push(w);
  }
  flushSingles();
  return out.filter(keep);
}

/** Distinct terms of a text. */
export function termSet(text: string): Set<string> {
  return new Set(tokenize(text));
}
