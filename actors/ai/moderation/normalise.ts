/**
 * Folds the tricks people use to slip words past a filter into one canonical form:
 * full-width letters (NFKC), accents, zero-width and other invisible characters, Cyrillic /
 * Greek look-alikes, leetspeak inside words (`sh1t`, `@ss`), separators inside words
 * (`f.u.c.k`, `f*ck`, `傻*逼`, `傻 逼`), spaced-out letters (`f u c k`) and stretched letters
 * (`fuuuck`). The result is lower-case tokens separated by single spaces; blocklist entries
 * go through the same function so both sides agree.
 */
import { stripAllInvisible } from "../../../engine/text/invisible.ts";

/** Look-alike letters from other scripts and symbols, mapped to Latin. */
const HOMOGLYPHS: Record<string, string> = {
  // Cyrillic
  "а": "a",
  "в": "b",
  "е": "e",
  "ё": "e",
  "к": "k",
  "м": "m",
  "н": "h",
  "о": "o",
  "р": "p",
  "с": "c",
  "т": "t",
  "у": "y",
  "х": "x",
  "ѕ": "s",
  "і": "i",
  "ј": "j",
  "ԁ": "d",
  "ɡ": "g",
  "ӏ": "l",
  "ԛ": "q",
  "ԝ": "w",
  "ь": "b",
  "г": "r",
  "п": "n",
  "и": "u",
  // Greek
  "α": "a",
  "β": "b",
  "ε": "e",
  "η": "n",
  "ι": "i",
  "κ": "k",
  "ν": "v",
  "ο": "o",
  "ρ": "p",
  "τ": "t",
  "υ": "u",
  "χ": "x",
  "ω": "w",
  "γ": "y",
  "μ": "u",
  // Latin variants and symbols
  "ı": "i",
  "ł": "l",
  "ø": "o",
  "đ": "d",
  "ß": "ss",
  "æ": "ae",
  "œ": "oe",
  "ſ": "s",
  "ⓐ": "a",
  "ℓ": "l",
  "¡": "i",
};

/** Digits and symbols read as letters, applied only inside tokens that contain a letter. */
const LEET: Record<string, string> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "8": "b",
  "9": "g",
  "@": "a",
  "$": "s",
  "!": "i",
  "|": "l",
  "+": "t",
  "€": "e",
  "£": "l",
};

/** Characters that join a word when they sit between two letters (`f.u.c.k`, `f*ck`). */
const JOINERS = /(?<=[\p{L}\p{N}@$!|+])[.*_\-~'`·•^]+(?=[\p{L}\p{N}@$!|+])/gu;
const HAN = /\p{Script=Han}/u;
const LATIN_LETTER = /^[a-z]$/;

function foldChar(ch: string): string {
  return HOMOGLYPHS[ch] ?? ch;
}

function foldLeet(token: string): string {
  if (!/\p{L}/u.test(token)) return token; // "666", "2024" stay numbers
  let out = "";
  for (const ch of token) out += LEET[ch] ?? ch;
  return out;
}

/** Merges runs of three or more single Latin letters: `f u c k` → `fuck`. */
function mergeSpacedLetters(tokens: string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    // three or more always; two only when they are the whole message ("S B")
    if (run.length >= 3 || (run.length === 2 && run.length === tokens.length)) {
      out.push(run.join(""));
    } else out.push(...run);
    run = [];
  };
  for (const t of tokens) {
    if (LATIN_LETTER.test(t)) run.push(t);
    else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out;
}

/** Joins neighbouring tokens that are pure Han (`傻 逼` → `傻逼`): Chinese has no spaces. */
function joinHan(tokens: string[]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    const prev = out[out.length - 1];
    if (prev !== undefined && HAN.test(prev[prev.length - 1]) && HAN.test(t[0])) {
      out[out.length - 1] = prev + t;
    } else out.push(t);
  }
  return out;
}

/**
 * Printable ASCII and CJK ideographs: the script folding below (NFKC, invisible characters,
 * accents, homoglyphs) leaves them as they are, so lower-casing is all they need (checked code
 * point by code point in tests/room_text_fast_path.test.ts). Most danmaku is only these.
 */
const PLAIN = /^[\x20-\x7E\u3400-\u4DBF\u4E00-\u9FFF]*$/;

/** Full-width forms, invisible characters, accents and look-alike letters folded away. */
export function foldScripts(text: string): string {
  let s = stripAllInvisible(text.normalize("NFKC").toLowerCase());
  // strip accents: decompose and drop combining marks
  s = s.normalize("NFD").replace(/\p{M}+/gu, "").normalize("NFC");
  return Array.from(s, foldChar).join("");
}

/** The canonical form used for blocklist matching. */
export function normaliseForMatch(text: string): string {
  return PLAIN.test(text) ? normalisePlain(text.toLowerCase()) : normaliseFolded(foldScripts(text));
}

/** The rest of `normaliseForMatch` on text `foldScripts` has seen: joiners, words, leet. */
export function normaliseFolded(folded: string): string {
  return PLAIN.test(folded) ? normalisePlain(folded) : normaliseFoldedFully(folded);
}

/** The regular-expression path of `normaliseFolded`, for any text (exported for tests). */
export function normaliseFoldedFully(folded: string): string {
  let s = folded.replace(JOINERS, "");
  // a script change is a word boundary: "你是sb吗" → "你是 sb 吗"
  s = s.replace(
    /(?<=\p{Script=Han})(?=[^\p{Script=Han}\s])|(?<=[^\p{Script=Han}\s])(?=\p{Script=Han})/gu,
    " ",
  );
  const tokens = s
    .split(/[^\p{L}\p{N}@$!|+€£]+/u)
    .filter((t) => t.length > 0)
    // trailing "!!!" / "|" / "+" are punctuation, not leet letters
    .map((t) => foldLeet(t.replace(/(?<=\p{L})[!|+]+$/u, "")))
    .map((t) => t.replace(/[^\p{L}\p{N}]+/gu, ""))
    .filter((t) => t.length > 0)
    // stretched letters: three or more of the same letter become one
    .map((t) => t.replace(/(\p{L})\1{2,}/gu, "$1"));
  return joinHan(mergeSpacedLetters(tokens)).join(" ");
}

// --- the same steps in one pass over plain text (lower-case ASCII and CJK ideographs), where
// letters are a-z and Han, numbers 0-9, and the regular expressions above reduce to character
// tests; tests/room_text_fast_path.test.ts checks it against `normaliseFoldedFully`.

const isHanCode = (c: number) => (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff);
const isLetterCode = (c: number) => (c >= 0x61 && c <= 0x7a) || isHanCode(c);
const isDigitCode = (c: number) => c >= 0x30 && c <= 0x39;
/** `@ $ ! | +`: kept inside words (leetspeak), dropped elsewhere. */
const isLeetSymbol = (c: number) =>
  c === 0x40 || c === 0x24 || c === 0x21 || c === 0x7c || c === 0x2b;
/** A word character: letters, numbers and the leet symbols (`JOINERS`' neighbours too). */
const isWordCode = (c: number) => isLetterCode(c) || isDigitCode(c) || isLeetSymbol(c);
/** `. * _ - ~ ' \` ^`: the ASCII members of `JOINERS`' separators. */
const isJoinerCode = (c: number) =>
  c === 0x2e || c === 0x2a || c === 0x5f || c === 0x2d || c === 0x7e || c === 0x27 ||
  c === 0x60 || c === 0x5e;

/** `normaliseFolded` of lower-case text in `PLAIN`'s alphabet. */
function normalisePlain(text: string): string {
  // separators inside words go (JOINERS): a run of them between two word characters
  let s = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (!isJoinerCode(text.charCodeAt(i))) continue;
    let end = i;
    while (end < text.length && isJoinerCode(text.charCodeAt(end))) end++;
    if (
      i > 0 && end < text.length && isWordCode(text.charCodeAt(i - 1)) &&
      isWordCode(text.charCodeAt(end))
    ) {
      s += text.slice(from, i);
      from = end;
    }
    i = end - 1;
  }
  s = from === 0 ? text : s + text.slice(from);
  // words: runs of word characters, also split where Han meets anything else
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : -1;
    const word = c >= 0 && isWordCode(c);
    if (start >= 0 && (!word || isHanCode(c) !== isHanCode(s.charCodeAt(i - 1)))) {
      const token = plainToken(s.slice(start, i));
      if (token.length > 0) tokens.push(token);
      start = -1;
    }
    if (word && start < 0) start = i;
  }
  return joinHan(mergeSpacedLetters(tokens)).join(" ");
}

/** One word of `normalisePlain`: trailing punctuation, leetspeak, symbols, stretched letters. */
function plainToken(word: string): string {
  // trailing `!`, `|`, `+` after a letter are punctuation
  let end = word.length;
  while (
    end > 0 && isLeetSymbol(word.charCodeAt(end - 1)) && word.charCodeAt(end - 1) !== 0x40 &&
    word.charCodeAt(end - 1) !== 0x24
  ) end--;
  if (end < word.length && end > 0 && isLetterCode(word.charCodeAt(end - 1))) {
    word = word.slice(0, end);
  }
  let hasLetter = false;
  for (let i = 0; i < word.length && !hasLetter; i++) hasLetter = isLetterCode(word.charCodeAt(i));
  let out = "";
  let last = -1;
  let run = 0;
  for (let i = 0; i < word.length; i++) {
    let ch = word[i];
    if (hasLetter) ch = LEET[ch] ?? ch;
    const c = ch.charCodeAt(0);
    if (!isLetterCode(c) && !isDigitCode(c)) continue; // symbols left over
    // three or more of the same letter become one
    if (c === last && isLetterCode(c)) {
      run++;
      if (run === 2) out += ch;
      else if (run === 3) out = out.slice(0, -1);
      continue;
    }
    last = c;
    run = 1;
    out += ch;
  }
  return out;
}
