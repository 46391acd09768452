import assert from "node:assert/strict";
import { ActorError } from "../engine/actor.ts";
import { cleanDanmaku, codePointLength, matchKey } from "../actors/room/sanitize.ts";
import { TokenBuckets } from "../actors/room/token_bucket.ts";
import { DEFAULT_FLOOD_OPTIONS, FloodGuard } from "../actors/room/flood.ts";
import { burstPhrase } from "../actors/room/burst_phrases.ts";

function refusedWith(code: string): (err: unknown) => boolean {
  return (err) => err instanceof ActorError && err.code === code;
}

Deno.test("sanitize: trims, collapses whitespace, keeps ordinary text untouched", () => {
  assert.equal(cleanDanmaku("hello world"), "hello world");
  assert.equal(cleanDanmaku("  hello \t\n  world  "), "hello world");
  assert.equal(cleanDanmaku("你好\u3000\u3000世界"), "你好 世界");
  assert.equal(cleanDanmaku("line1\u2028line2"), "line1 line2");
});

Deno.test("sanitize: strips control characters, bidi overrides/isolates and invisible marks", () => {
  assert.equal(cleanDanmaku("a\u0000b\u0007c\u001bd\u007fe\u0085f"), "abcdef");
  // "Trojan source" style reordering: RLO ... PDF, isolates, LRM/RLM, ALM.
  assert.equal(cleanDanmaku("\u202Eevil\u202C text"), "evil text");
  assert.equal(cleanDanmaku("x\u2066y\u2067z\u2068w\u2069"), "xyzw");
  assert.equal(cleanDanmaku("\u200Eleft\u200Fright\u061C"), "leftright");
  assert.equal(cleanDanmaku("zero\u200Bwidth\uFEFF"), "zerowidth");
  assert.equal(cleanDanmaku("tag\u{E0041}\u{E007F}s"), "tags");
});

Deno.test("sanitize: keeps emoji sequences, drops stray joiners, caps stacked marks", () => {
  const coder = "\u{1F469}\u200D\u{1F4BB}"; // 👩‍💻
  assert.equal(cleanDanmaku(`hi ${coder}`), `hi ${coder}`);
  assert.equal(cleanDanmaku("a\u200Db"), "ab");
  const zalgo = "e" + "\u0301".repeat(30);
  // NFC first composes e + one accent into é; 3 stacked marks remain.
  assert.equal(cleanDanmaku(zalgo), "\u00e9\u0301\u0301\u0301");
  // NFC: e + combining acute becomes é.
  assert.equal(cleanDanmaku("e\u0301"), "\u00e9");
});

Deno.test("sanitize: empty and too long are refused with stable codes", () => {
  assert.throws(() => cleanDanmaku(""), refusedWith("empty"));
  assert.throws(() => cleanDanmaku("   \u200B\u202E\u0000  "), refusedWith("empty"));
  assert.equal(cleanDanmaku("哈".repeat(100)), "哈".repeat(100));
  assert.throws(() => cleanDanmaku("哈".repeat(101)), refusedWith("too_long"));
  // Astral characters count once each.
  const emoji = "\u{1F600}".repeat(100);
  assert.equal(codePointLength(emoji), 100);
  assert.equal(cleanDanmaku(emoji), emoji);
  assert.throws(() => cleanDanmaku(emoji + "x"), refusedWith("too_long"));
  // Whitespace that collapses does not count against the limit...
  assert.equal(cleanDanmaku("a" + " ".repeat(300) + "b"), "a b");
  // ...but absurd raw input is refused before any work.
  assert.throws(() => cleanDanmaku(" ".repeat(100_000) + "a"), refusedWith("too_long"));
  assert.throws(() => cleanDanmaku("abc", 2), refusedWith("too_long"));
});

Deno.test("matchKey folds width and case; burst phrases are canonicalised", () => {
  assert.equal(matchKey("ＬＯＬ"), "lol");
  assert.equal(matchKey("？？？"), "???");
  assert.equal(burstPhrase(matchKey("６６６６６")), "666");
  assert.equal(burstPhrase("666666 牛"), "666");
  assert.equal(burstPhrase("2666"), undefined);
  assert.equal(burstPhrase("哈哈哈哈哈哈"), "哈哈哈");
  assert.equal(burstPhrase("哈哈"), undefined);
  assert.equal(burstPhrase(matchKey("？？？？")), "???");
  assert.equal(burstPhrase("草"), "草");
  assert.equal(burstPhrase("草莓"), undefined);
  assert.equal(burstPhrase(matchKey("LOOOL")), "lol");
  assert.equal(burstPhrase("lmaooo"), "lol");
  assert.equal(burstPhrase("lollipop"), undefined);
  assert.equal(burstPhrase("前方高能!!"), "前方高能");
  assert.equal(burstPhrase("nice play"), undefined);
});

Deno.test("token bucket: burst, then refill per second, per user", () => {
  const b = new TokenBuckets({ burst: 3, refillPerSec: 2, maxUsers: 100 });
  const t0 = 1_000_000;
  assert.equal(b.take("u", t0), 0);
  assert.equal(b.take("u", t0), 0);
  assert.equal(b.take("u", t0), 0);
  const wait = b.take("u", t0);
  assert.equal(wait, 500);
  assert.equal(b.take("other", t0), 0, "another user has its own bucket");
  assert.ok(b.take("u", t0 + 499) > 0, "not yet refilled");
  assert.equal(b.take("u", t0 + 500), 0, "one token after 0.5 s at 2/s");
  assert.ok(b.take("u", t0 + 500) > 0);
  // Long idle: refills to the burst, not beyond.
  const later = t0 + 60_000;
  for (let i = 0; i < 3; i++) assert.equal(b.take("u", later), 0);
  assert.ok(b.take("u", later) > 0);
});

Deno.test("token bucket: memory stays bounded (sweep of full buckets, oldest evicted past the cap)", () => {
  const b = new TokenBuckets({ burst: 2, refillPerSec: 1, maxUsers: 50 });
  for (let i = 0; i < 500; i++) b.take(`user${i}`, 1000);
  const held = b.size;
  assert.ok(held <= 50 && held >= 45, `${held} buckets held`);
  b.take("user499", 1000);
  assert.equal(b.size, held, "the newest user is still held");
  b.sweep(1000 + 999);
  assert.equal(b.size, held, "not yet full again");
  b.sweep(1000 + 2000); // user499 took twice: 2 s to refill at 1/s
  assert.equal(b.size, 0, "buckets full again carry no information");
});

Deno.test("flood guard: same user repeating is a duplicate within the window only", () => {
  const f = new FloodGuard({ ...DEFAULT_FLOOD_OPTIONS, duplicateMs: 10_000 });
  assert.equal(f.check("u", "hello", 0), "ok");
  assert.equal(f.check("u", "hello", 5_000), "duplicate");
  assert.equal(f.check("v", "hello", 5_000), "ok", "another user may say the same");
  assert.equal(f.check("u", "other", 6_000), "ok");
  assert.equal(f.check("u", "hello", 9_999), "duplicate", "remembers the last few texts");
  assert.equal(f.check("u", "hello", 10_000), "ok", "a duplicate does not extend its window");
});

Deno.test("flood guard: a room-wide identical wave is capped, then resets", () => {
  const f = new FloodGuard({ ...DEFAULT_FLOOD_OPTIONS, floodCap: 5, floodMs: 5_000 });
  const verdicts = Array.from({ length: 8 }, (_, i) => f.check(`user${i}`, "666", 100 + i));
  assert.deepEqual(verdicts, ["ok", "ok", "ok", "ok", "ok", "flood", "flood", "flood"]);
  assert.equal(f.check("late", "666", 5_100), "ok", "a new window");
  f.sweep(20_000);
  assert.deepEqual(f.size, { users: 0, texts: 0 });
});
