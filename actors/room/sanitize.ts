/**
 * Danmaku intake normalisation. `cleanDanmaku` turns what a viewer typed into what other
 * viewers may see: Unicode NFC, invisible characters removed (the shared definition of
 * `engine/text/invisible.ts`: controls, bidi overrides/isolates, zero-width and filler
 * characters), whitespace collapsed, trimmed, length capped. `matchKey` is
 * the looser form used to compare messages (duplicates, burst phrases): NFKC folded
 * (full-width `？` → `?`) and lower-cased.
 */
import { ActorError } from "../../engine/actor.ts";
import { removeInvisible } from "../../engine/text/invisible.ts";

/** Default cap on a message's length, in code points after cleaning. */
export const DEFAULT_MAX_CODE_POINTS = 100;

/** More than 3 stacked combining marks ("zalgo" text) are cut to 3. */
const MARK_PILE = /(\p{M}{3})\p{M}+/gu;
const WHITESPACE_RUN = /\s+/gu;
/**
 * Quick test: anything the slow path has to look at. Everything else is printable ASCII,
 * CJK ideographs, kana, CJK punctuation and pictographic emoji (no modifiers, selectors or
 * joiners) with single inner spaces: starters that NFC and NFKC leave as they are and that
 * nothing above removes, so both slow paths would return the text unchanged (checked code
 * point by code point against them in tests/room_text_fast_path.test.ts).
 */
const PLAIN = [
  "\\x20-\\x7E", // printable ASCII
  "\\u3001-\\u3003\\u3008-\\u3011", // CJK punctuation and brackets
  "\\u3041-\\u3096\\u30A1-\\u30FA\\u30FC", // kana (precomposed), prolonged sound mark
  "\\u3400-\\u4DBF\\u4E00-\\u9FFF", // CJK ideographs (not the compatibility ones)
  "\\u{1F300}-\\u{1F3FA}\\u{1F400}-\\u{1F64F}\\u{1F680}-\\u{1F6FF}\\u{1F900}-\\u{1F9FF}", // emoji
].join("");
const NEEDS_WORK = new RegExp(`[^${PLAIN}]|\\s\\s|^\\s|\\s$`, "u");

/** Raw input beyond this many UTF-16 units is refused before any work (cheap DoS guard). */
const RAW_LIMIT_FACTOR = 8;

/** Cleans `raw`; throws ActorError `empty` or `too_long` (the message is then refused). */
export function cleanDanmaku(raw: string, maxCodePoints = DEFAULT_MAX_CODE_POINTS): string {
  if (raw.length > maxCodePoints * RAW_LIMIT_FACTOR) throw tooLong(maxCodePoints);
  const text = NEEDS_WORK.test(raw) ? cleanFully(raw) : raw;
  if (text.length === 0) {
    throw new ActorError("empty", "message is empty after removing invisible characters");
  }
  // A string of n UTF-16 units holds at most n code points: count only when it matters.
  if (text.length > maxCodePoints && codePointLength(text) > maxCodePoints) {
    throw tooLong(maxCodePoints);
  }
  return text;
}

/** The slow path of `cleanDanmaku`, without the length checks (exported for tests). */
export function cleanFully(raw: string): string {
  return removeInvisible(raw.normalize("NFC"))
    .replace(MARK_PILE, "$1")
    .replace(WHITESPACE_RUN, " ")
    .trim();
}

/** Comparison form of an already cleaned message: NFKC folded and lower-cased. */
export function matchKey(clean: string): string {
  return NEEDS_WORK.test(clean) ? matchKeyFully(clean) : clean.toLowerCase();
}

/** The slow path of `matchKey` (exported for tests). */
export function matchKeyFully(clean: string): string {
  return clean.normalize("NFKC").toLowerCase();
}

export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function tooLong(max: number): ActorError {
  return new ActorError("too_long", `message is longer than ${max} characters`, { max });
}
