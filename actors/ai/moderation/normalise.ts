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
  return normaliseFolded(PLAIN.test(text) ? text.toLowerCase() : foldScripts(text));
}

/** The rest of `normaliseForMatch` on text `foldScripts` has seen: joiners, words, leet. */
export function normaliseFolded(folded: string): string {
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
