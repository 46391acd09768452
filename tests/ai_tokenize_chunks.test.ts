/**
 * The tokenizer splits a chat line at spaces and remembers each chunk's terms
 * (`tokenizeFolded`): the result must be exactly what segmenting the whole line gives. Checked
 * on chat-like lines and on random lines over a palette that includes what could make a
 * chunk boundary matter (marks, joiners, emoji sequences, Han runs, apostrophes, digits).
 */
import assert from "node:assert/strict";
import { segmentTerms, tokenize, tokenizeFolded } from "../actors/ai/tokenize.ts";
import { seededRandom } from "./helpers/rng.ts";

const LINES = [
  "哈哈哈哈 666",
  "主播好 这个键盘多少钱？ 12",
  "lol that was insane gg wp",
  "what keyboard is that? 破防了 3",
  "don't stop 3.5 e.g. a_b c'd",
  "主 播 好 好 看",
  "🔥🔥🔥 👍🏽 👨‍👩‍👧 boring",
  "e\u0301 cafe\u0301 \u0301x y\u200dz",
  "ｆｕｌｌ ｗｉｄｔｈ　全角",
];

const PALETTE = [
  ..."abcdefxyz0123456789",
  ..."主播键盘多少钱破防了你好笑死",
  ..."あいうアイウ",
  "'",
  ".",
  ",",
  "?",
  "？",
  "!",
  "-",
  "_",
  "#",
  "🔥",
  "👍",
  "\u{1F3FD}",
  "\u200d",
  "\u0301",
  "\u200b",
  "\t",
  " ",
  " ",
  " ",
  " ",
];

Deno.test("tokenizer: chunked terms equal whole-line terms", () => {
  const random = seededRandom(9);
  const lines = [...LINES];
  for (let i = 0; i < 3_000; i++) {
    const n = 1 + Math.floor(random() * 24);
    let s = "";
    for (let j = 0; j < n; j++) s += PALETTE[Math.floor(random() * PALETTE.length)];
    lines.push(s);
  }
  for (const line of lines) {
    const folded = line.normalize("NFKC").toLowerCase();
    const whole = segmentTerms(folded);
    // twice: the second answer comes from the chunk memory
    assert.deepEqual(tokenizeFolded(folded), whole, JSON.stringify(line));
    assert.deepEqual(tokenizeFolded(folded), whole, JSON.stringify(line));
    assert.deepEqual(tokenize(line), whole, JSON.stringify(line));
  }
});

Deno.test("tokenizer: ASCII chunks (segmented without ICU) give ICU's terms", () => {
  const random = seededRandom(31);
  const ascii = [..."ab yz09_.',;:!?-#@/\"$%&()*+<=>[]\\^`{|}~", "A", "Z", "\t"];
  const dense = [..."ab19_.',;"];
  const lines = ["1764989000000.12", "3.5", "1,000,000", "e.g.", "a.b.c", "don't", "a_1", "x:y"];
  for (let i = 0; i < 4_000; i++) {
    const palette = i % 2 === 0 ? ascii : dense;
    const n = 1 + Math.floor(random() * 16);
    let s = "";
    for (let j = 0; j < n; j++) s += palette[Math.floor(random() * palette.length)];
    lines.push(s);
  }
  for (const line of lines) {
    assert.deepEqual(tokenizeFolded(line), segmentTerms(line), JSON.stringify(line));
  }
});
