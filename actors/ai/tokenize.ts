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
  const out: string[] = [];
  let singles: string[] = [];
  const flushSingles = () => {
    if (singles.length >= 2) {
      for (let i = 0; i + 1 < singles.length; i++) out.push(singles[i] + singles[i + 1]);
    }
    singles = [];
  };
  for (const s of segmenter.segment(text.normalize("NFKC").toLowerCase())) {
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
