/**
 * The fast paths of the say path's text normalisation (`actors/room/sanitize.ts`,
 * `actors/ai/moderation/normalise.ts`) must give exactly what the full normalisation gives:
 * every code point they let through is checked against the slow path, and so are the
 * moderation table, mixed chat and random strings built from those code points.
 */
import assert from "node:assert/strict";
import { cleanDanmaku, cleanFully, matchKey, matchKeyFully } from "../actors/room/sanitize.ts";
import {
  foldScripts,
  normaliseFolded,
  normaliseFoldedFully,
  normaliseForMatch,
} from "../actors/ai/moderation/normalise.ts";
import { MUST_CATCH, MUST_PASS } from "./helpers/moderation_table.ts";

/** The slow path of `normaliseForMatch`, whatever the text. */
function normaliseSlowly(text: string): string {
  return normaliseFoldedFully(foldScripts(text));
}

/** Code points in [from, to] as strings. */
function range(from: number, to: number): string[] {
  const out: string[] = [];
  for (let c = from; c <= to; c++) out.push(String.fromCodePoint(c));
  return out;
}

const CHAT = [
  "哈哈哈哈",
  "666",
  "主播好",
  "这个键盘多少钱？",
  "yyds",
  "lol that was insane",
  "GG WP",
  "what keyboard is that?",
  "check www.example.xyz for free skins",
  "🔥🔥🔥",
  "👩‍💻 coding",
  "ありがとう ございます",
  "ｆｕｌｌ ｗｉｄｔｈ",
  "Ça va? Élan",
  "  spaced   out  ",
  "tab\there",
  "zero\u200bwidth",
  "e\u0301\u0301\u0301\u0301",
  "が",
  "か\u3099",
  "ⅷ",
  "\u3000全角空格",
];

/** Every code point each fast path lets through, plus a few neighbours that it must not. */
const CANDIDATES = [
  ...range(0x00, 0x2ff),
  ...range(0x3000, 0x30ff),
  ...range(0x3400, 0x4dbf),
  ...range(0x4e00, 0x9fff),
  ...range(0xf900, 0xfaff),
  ...range(0xff00, 0xffef),
  ...range(0x1f000, 0x1faff),
];

function seededRandom(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Random strings of 1–12 code points drawn from `alphabet` (with spaces). */
function randomTexts(alphabet: string[], n: number): string[] {
  const rnd = seededRandom(7);
  return Array.from({ length: n }, () => {
    let s = "";
    const len = 1 + Math.floor(rnd() * 12);
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  });
}

/** `cleanDanmaku`'s result or its error code. */
function cleanOrCode(text: string): string {
  try {
    return cleanDanmaku(text, 1_000);
  } catch (err) {
    return `error:${(err as { code?: string }).code}`;
  }
}

function cleanSlowlyOrCode(text: string): string {
  if (text.length > 8_000) return "error:too_long";
  const clean = cleanFully(text);
  return clean.length === 0 ? "error:empty" : clean;
}

Deno.test("room text: cleanDanmaku and matchKey give what the full normalisation gives", () => {
  const texts = [...MUST_CATCH, ...MUST_PASS, ...CHAT, ...CANDIDATES];
  texts.push(...randomTexts(CANDIDATES, 20_000));
  let fast = 0;
  for (const text of texts) {
    assert.equal(
      cleanOrCode(text),
      cleanSlowlyOrCode(text),
      `cleanDanmaku(${JSON.stringify(text)})`,
    );
    const clean = cleanFully(text);
    if (clean.length === 0) continue;
    assert.equal(matchKey(clean), matchKeyFully(clean), `matchKey(${JSON.stringify(clean)})`);
    if (clean === text && matchKeyFully(clean) === clean.toLowerCase()) fast++;
  }
  assert.ok(fast > 20_000, "most of the code points and chat take the fast path");
});

Deno.test("room text: CJK, kana and emoji chat is left as typed without the slow path", () => {
  for (
    const text of ["主播好", "ありがとう ございます", "🔥🔥🔥", "lol 666", "【公告】今天 8 点"]
  ) {
    assert.equal(cleanDanmaku(text), text);
    assert.equal(cleanFully(text), text, "the slow path agrees");
  }
  // what the fast path must not skip
  assert.equal(cleanDanmaku("ｆｕｌｌ\u200b"), "ｆｕｌｌ");
  assert.equal(matchKey("ｆｕｌｌ？"), "full?");
  assert.equal(cleanDanmaku("か\u3099"), "が");
});

Deno.test("moderation normaliser: the plain-text fast path matches the full folding", () => {
  const texts = [...MUST_CATCH, ...MUST_PASS, ...CHAT, ...CANDIDATES];
  texts.push(...randomTexts(CANDIDATES, 20_000));
  // plain ASCII and Han with the separators, leet and spacing the later steps work on
  const plain = [...range(0x20, 0x7e), "傻", "逼", "主", "播", " ", " ", "."];
  texts.push(...randomTexts(plain, 20_000));
  // what the one-pass plain path decides on: joiners, leet symbols, single letters, Han
  // next to other scripts, stretched letters (three of a kind)
  const tricky = [..."abfucksh10359@$!|+.*-_~'`^ 62", "傻", "逼", "哈", "主", "A", "K", "?"];
  texts.push(...randomTexts(tricky, 15_000));
  for (const text of texts) {
    assert.equal(normaliseForMatch(text), normaliseSlowly(text), JSON.stringify(text));
    // text the folding changed (full width, accents...) and that then takes the plain path
    const folded = foldScripts(text);
    if (folded !== text.toLowerCase()) {
      assert.equal(normaliseFolded(folded), normaliseFoldedFully(folded), JSON.stringify(folded));
    }
  }
  // the fast path's alphabet, code point by code point, is left alone by the folding
  for (const c of [...range(0x20, 0x7e), ...range(0x3400, 0x4dbf), ...range(0x4e00, 0x9fff)]) {
    assert.equal(foldScripts(c), c.toLowerCase(), `U+${c.codePointAt(0)!.toString(16)}`);
  }
  assert.equal(normaliseForMatch("F.U.C.K you"), "fuck you");
  assert.equal(normaliseForMatch("傻 逼"), "傻逼");
});
