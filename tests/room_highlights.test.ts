import assert from "node:assert/strict";
import { DEFAULT_HIGHLIGHT_OPTIONS, HighlightDetector } from "../actors/room/highlights.ts";
import type { HighlightSpan } from "../actors/room/contract.ts";
import { matchKey } from "../actors/room/sanitize.ts";

const T0 = 1_700_000_000_000; // a whole second

/** Deterministic pseudo-random numbers (LCG), so "steady" traffic still fluctuates. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const CHATTER = ["nice", "hello everyone", "what game is this", "gg", "first time here", "lol"];

/**
 * Feeds `seconds` seconds of traffic starting at second `from`: `messages(s)` gives the
 * texts of second s, spread evenly inside it. Returns the spans emitted on the way
 * (through `observe` and through a tick-like `advance` at the end of each second).
 */
function feed(
  d: HighlightDetector,
  from: number,
  seconds: number,
  messages: (s: number) => string[],
): HighlightSpan[] {
  const out: HighlightSpan[] = [];
  for (let s = from; s < from + seconds; s++) {
    const texts = messages(s);
    texts.forEach((t, i) => {
      out.push(...d.observe(matchKey(t), T0 + s * 1000 + Math.floor((i * 1000) / texts.length)));
    });
    out.push(...d.advance(T0 + (s + 1) * 1000));
  }
  return out;
}

/** Steady chatter: 3..7 messages a second, now and then a "666". */
function steady(rand: () => number) {
  return (_s: number) => {
    const n = 3 + Math.floor(rand() * 5);
    return Array.from(
      { length: n },
      () => rand() < 0.1 ? "666" : CHATTER[Math.floor(rand() * CHATTER.length)],
    );
  };
}

Deno.test("highlights: a burst after a steady baseline is one span with the right shape", () => {
  const d = new HighlightDetector("h");
  const rand = lcg(1);
  assert.deepEqual(feed(d, 0, 60, steady(rand)), [], "steady warm-up gives nothing");
  const baseline = d.baseline;
  assert.ok(baseline > 3 && baseline < 7, `baseline ${baseline} tracks ~5 msg/s`);

  // 8 seconds of a 666 / 哈哈哈 wave at 40 msg/s.
  const burst = feed(
    d,
    60,
    8,
    (s) =>
      Array.from(
        { length: 40 },
        (_, i) =>
          i % 10 < 6
            ? "６６６６"
            : i % 10 < 9
            ? `哈哈哈哈${"哈".repeat(s % 3)}`
            : "what just happened",
      ),
  );
  assert.deepEqual(burst, [], "the span is still open during the burst");

  // Back to normal: the span closes after the quiet period (5 s).
  const after = feed(d, 68, 4, steady(rand));
  assert.deepEqual(after, [], "not closed before 5 quiet seconds");
  const closed = feed(d, 72, 1, steady(rand));
  assert.equal(closed.length, 1);
  const span = closed[0];
  assert.equal(span.startAt, T0 + 60_000);
  assert.equal(span.endAt, T0 + 68_000);
  assert.equal(span.reason, "rate_spike+burst_phrase");
  assert.equal(span.peakRate, 40);
  assert.ok(Math.abs(span.baselineRate - baseline) < 1, "baseline at the peak is the steady one");
  assert.deepEqual(span.topPhrases.slice(0, 2), [
    { phrase: "666", count: 8 * 24 },
    { phrase: "哈哈哈", count: 8 * 12 },
  ]);
  assert.ok(span.score > 0.6 && span.score <= 1, `score ${span.score}`);
  assert.equal(span.id, `h${span.startAt.toString(36)}`);
  assert.equal(d.pending, false);

  // And the steady traffic afterwards gives nothing more.
  assert.deepEqual(feed(d, 73, 120, steady(rand)), []);
});

Deno.test("highlights: ten minutes of steady, fluctuating traffic give no span", () => {
  for (const seed of [7, 8, 9]) {
    const d = new HighlightDetector("h");
    const rand = lcg(seed);
    // Slowly rising audience: 3..7 msg/s growing to 8..12 msg/s over ten minutes.
    const spans = feed(d, 0, 600, (s) => {
      const n = 3 + Math.floor(s / 120) + Math.floor(rand() * 5);
      return Array.from(
        { length: n },
        () => rand() < 0.1 ? "666" : CHATTER[Math.floor(rand() * CHATTER.length)],
      );
    });
    assert.deepEqual(spans, [], `seed ${seed}`);
  }
});

Deno.test("highlights: a burst of phrases without a rate spike is a burst_phrase span", () => {
  const d = new HighlightDetector("h");
  const flat = (s: number) => Array.from({ length: 10 }, (_, i) => `chat ${s} ${i}`);
  feed(d, 0, 60, flat);
  const spans = [
    ...feed(d, 60, 3, () => [...Array(8).fill("？？？"), "wait what", "huh"]),
    ...feed(d, 63, 10, flat),
  ];
  assert.equal(spans.length, 1);
  assert.equal(spans[0].reason, "burst_phrase");
  assert.equal(spans[0].startAt, T0 + 60_000);
  assert.equal(spans[0].endAt, T0 + 63_000);
  assert.deepEqual(spans[0].topPhrases[0], { phrase: "???", count: 24 });
});

Deno.test("highlights: nothing during warm-up; close bursts merge, distant ones do not", () => {
  const early = new HighlightDetector("h");
  assert.deepEqual(feed(early, 0, 20, () => Array(50).fill("666")), []);

  const d = new HighlightDetector("h");
  const quiet = (s: number) => [`q${s}`, `r${s}`];
  const loud = () => Array.from({ length: 30 }, (_, i) => `wow ${i % 3}`);
  feed(d, 0, 60, quiet);
  const spans = [
    ...feed(d, 60, 2, loud),
    ...feed(d, 62, 2, quiet), // shorter than the quiet period: same span
    ...feed(d, 64, 2, loud),
    ...feed(d, 66, 15, quiet), // closes it
    ...feed(d, 81, 2, loud),
    ...feed(d, 83, 10, quiet),
  ];
  assert.deepEqual(
    spans.map((s) => [s.startAt - T0, s.endAt - T0, s.reason]),
    [[60_000, 66_000, "rate_spike"], [81_000, 83_000, "rate_spike"]],
  );
});

Deno.test("highlights: the score grows with the spike's height; results are deterministic", () => {
  const run = (peak: number) => {
    const d = new HighlightDetector("h");
    const quiet = (s: number) => [`a${s}`, `b${s}`, `c${s}`];
    feed(d, 0, 60, quiet);
    return [
      ...feed(d, 60, 3, () => Array.from({ length: peak }, (_, i) => `x${i % 4}`)),
      ...feed(d, 63, 10, quiet),
    ];
  };
  const small = run(15);
  const big = run(120);
  assert.equal(small.length, 1);
  assert.equal(big.length, 1);
  assert.ok(big[0].score > small[0].score, `${big[0].score} > ${small[0].score}`);
  assert.deepEqual(run(120), big, "same input, same spans");
});

Deno.test("highlights: snapshot restores the baseline; a long silence decays it cheaply", () => {
  const d = new HighlightDetector("h");
  feed(d, 0, 60, (s) => Array.from({ length: 20 }, (_, i) => `m${s}-${i}`));
  const snap = d.snapshot();
  assert.ok(snap.baseline > 15);
  const restored = new HighlightDetector("h", DEFAULT_HIGHLIGHT_OPTIONS, snap);
  assert.equal(restored.baseline, d.baseline);
  // A burst right after the restore is judged against the restored baseline (no warm-up).
  const spans = [
    ...feed(restored, 60, 2, () => Array.from({ length: 200 }, (_, i) => `z${i}`)),
    ...feed(restored, 62, 10, (s) => Array.from({ length: 20 }, (_, i) => `n${s}-${i}`)),
  ];
  assert.equal(spans.length, 1);
  // A day of silence: decays without judging 86,400 seconds one by one.
  restored.advance(T0 + 86_400_000);
  assert.ok(restored.baseline < 0.001);
  assert.equal(restored.snapshot().currentSec, Math.floor((T0 + 86_400_000) / 1000));
});
