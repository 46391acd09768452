/** The shared text policy (engine/text): forbidden characters, "invisible", cleaning. */
import assert from "node:assert/strict";
import { findForbiddenChar, findTextViolation } from "../engine/text/forbidden.ts";
import {
  cleanVisibleText,
  DEFAULT_IGNORABLE_CLASS,
  isBlank,
  stripAllInvisible,
} from "../engine/text/invisible.ts";
import { visibleText } from "../engine/text/schema.ts";

Deno.test("text policy: NUL, unpaired surrogates and non-characters are forbidden", () => {
  assert.equal(findForbiddenChar("a\u0000b"), "nul");
  assert.equal(findForbiddenChar("a\uD800b"), "lone_surrogate");
  assert.equal(findForbiddenChar("a\uDC00"), "lone_surrogate");
  for (const nc of ["\uFDD0", "\uFDEF", "\uFFFE", "\uFFFF", "\u{1FFFE}", "\u{10FFFF}"]) {
    assert.equal(findForbiddenChar(`x${nc}`), "noncharacter", nc.codePointAt(0)!.toString(16));
  }
  for (const ok of ["", "hello", "你好", "😀", "👩‍💻", "\t\n", "\u202E", "\uFFFD"]) {
    assert.equal(findForbiddenChar(ok), undefined, JSON.stringify(ok));
  }
  assert.deepEqual(findTextViolation({ a: [1, { b: "x\u0000" }] }), {
    field: "a.1.b",
    kind: "nul",
    message: "a.1.b: contains a NUL character (U+0000)",
  });
  assert.equal(findTextViolation({ "k\u0000": 1 }, "body")?.field, "body.key");
  assert.equal(findTextViolation({ fine: ["ok", 3, null, true] }), undefined);
});

Deno.test("text policy: every filler the outside run found is invisible; blank text is blank", () => {
  const fillers = [
    "\u00AD",
    "\u3164",
    "\u2800",
    "\u115F",
    "\u1160",
    "\u034F",
    "\uFE0F",
    "\u180B",
    "\u180C",
    "\u180D",
    "\uFFA0",
    "\u200B",
    "\u200C",
    "\u200D",
    "\u2060",
    "\uFEFF",
    "\u202E",
    "\u2066",
    "\u061C",
    "\u{E0041}",
    "\u{E0100}",
    "\u0001",
    "\u009F",
  ];
  for (const f of fillers) {
    const name = `U+${f.codePointAt(0)!.toString(16).toUpperCase()}`;
    assert.equal(isBlank(f), true, name);
    assert.equal(isBlank(` ${f} ${f}\n`), true, name);
    assert.equal(stripAllInvisible(`a${f}b`), "ab", name);
    assert.equal(cleanVisibleText(`a${f}b`), "ab", name);
  }
});

Deno.test("text policy: emoji keep their joiners and selectors; bidi tricks go", () => {
  for (const emoji of ["👩‍💻", "❤️", "1️⃣", "👍🏽", "👩🏽‍💻", "🏳️‍🌈", "葛\u{E0100}"]) {
    assert.equal(cleanVisibleText(emoji), emoji, emoji);
  }
  assert.equal(cleanVisibleText("\u202Eecila"), "ecila");
  assert.equal(cleanVisibleText("  a \u3000\t b  "), "a b");
  assert.equal(cleanVisibleText("e\u0301"), "é", "NFC");
  assert.equal(cleanVisibleText("\uFE0F❤"), "❤", "a selector before any character goes");
});

Deno.test("text policy: visibleText cleans, then counts what is left", () => {
  const name = visibleText(1, 5);
  assert.deepEqual(name.safeParse("\u202Eab\u200B").data, "ab");
  assert.equal(name.safeParse("\u3164\u2800").success, false);
  assert.equal(name.safeParse("a\u0000").success, false);
  assert.equal(name.safeParse("abcdef").success, false);
  assert.equal(
    name.safeParse("ab\u200B\u200B\u200B\u200B").success,
    true,
    "invisibles do not count",
  );
});

Deno.test("text policy: the fast character classes match Unicode's properties exactly", () => {
  const ignorable = new RegExp(`^[${DEFAULT_IGNORABLE_CLASS}]$`, "u");
  const property = /^\p{Default_Ignorable_Code_Point}$/u;
  const nonchar = /^\p{Noncharacter_Code_Point}$/u;
  for (let cp = 0; cp <= 0x10FFFF; cp++) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    const ch = String.fromCodePoint(cp);
    if (ignorable.test(ch) !== property.test(ch)) {
      assert.fail(`U+${cp.toString(16)}: Default_Ignorable_Code_Point ranges out of date`);
    }
    const expected = cp === 0 ? "nul" : nonchar.test(ch) ? "noncharacter" : undefined;
    if (findForbiddenChar(`a${ch}b`) !== expected) {
      assert.fail(`U+${cp.toString(16)}: ${findForbiddenChar(`a${ch}b`)}, expected ${expected}`);
    }
  }
});
