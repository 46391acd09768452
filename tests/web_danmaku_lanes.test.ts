/**
 * The lane model of flying danmaku (edge/web/client/src/danmaku/lanes.ts): whatever it lets
 * in never overlaps, sampled over time, for texts of every length; longer ones move faster;
 * a paused one holds its lane; the tiers of gift animations.
 */
import assert from "node:assert/strict";
import {
  fitsAfter,
  type Flight,
  leftAt,
  pickLane,
  speedOf,
} from "../edge/web/client/src/danmaku/lanes.ts";
import { giftTier } from "../edge/web/client/src/gifts/tier.ts";
import { seededRandom } from "./helpers/rng.ts";

const W = 800;
const GAP = 24;
const D = 8_000;

Deno.test("danmaku lanes: a stream of random danmaku never overlaps in a lane", () => {
  const random = seededRandom(7);
  const last: (Flight | undefined)[] = [];
  const all: Flight[] = [];
  let skipped = 0;
  for (let t = 0; t < 60_000; t += 50 + Math.floor(random() * 300)) {
    const width = 20 + Math.floor(random() * 500);
    const lane = pickLane(last, 8, width, D, W, t, GAP);
    if (lane < 0) {
      skipped++;
      continue;
    }
    const f: Flight = { lane, width, startedAt: t, durationMs: D, pausedMs: 0 };
    last[lane] = f;
    all.push(f);
  }
  assert.ok(all.length > 150, `enough flew to mean something (${all.length})`);
  assert.ok(skipped > 0, "a busy stream is thinned, not overlapped");
  for (let now = 0; now < 70_000; now += 25) {
    const onScreen = all.filter((f) =>
      f.startedAt <= now && leftAt(f, W, now) + f.width >= 0 && leftAt(f, W, now) <= W
    );
    for (const a of onScreen) {
      for (const b of onScreen) {
        if (a === b || a.lane !== b.lane || a.startedAt > b.startedAt) continue;
        // `a` entered first: `b` stays at least GAP behind it (to the right).
        const gap = leftAt(b, W, now) - (leftAt(a, W, now) + a.width);
        assert.ok(gap >= GAP - 1e-6, `lane ${a.lane} at ${now} ms: gap ${gap.toFixed(1)} px`);
      }
    }
  }
});

Deno.test("danmaku lanes: longer texts are faster; a faster one waits rather than catch up", () => {
  assert.ok(speedOf(W, 400, D) > speedOf(W, 40, D));
  const short: Flight = { lane: 0, width: 40, startedAt: 0, durationMs: D, pausedMs: 0 };
  // The short one has fully entered, but a long (faster) one would reach it before it leaves.
  assert.equal(fitsAfter(short, 600, D, W, 1_000, GAP), false);
  // Late enough, it cannot catch up any more.
  assert.equal(fitsAfter(short, 600, D, W, 6_000, GAP), true);
  // A slower (shorter) one behind a long one fits as soon as the long one is in.
  const long: Flight = { lane: 0, width: 600, startedAt: 0, durationMs: D, pausedMs: 0 };
  assert.equal(fitsAfter(long, 40, D, W, 3_000, GAP), false, "long one not fully in yet");
  assert.equal(fitsAfter(long, 40, D, W, 5_000, GAP), true);
});

Deno.test("danmaku lanes: a paused danmaku holds its lane and resumes where it stopped", () => {
  const f: Flight = { lane: 0, width: 100, startedAt: 0, durationMs: D, pausedMs: 0 };
  const x = leftAt(f, W, 2_000);
  f.pausedSince = 2_000;
  assert.equal(leftAt(f, W, 9_000), x, "it does not move while paused");
  assert.equal(fitsAfter(f, 50, D, W, 9_000, GAP), false);
  assert.equal(pickLane([f], 2, 50, D, W, 9_000, GAP), 1, "the next lane is taken instead");
  f.pausedMs = 7_000;
  f.pausedSince = undefined;
  assert.equal(leftAt(f, W, 9_000), x, "it resumes where it was");
});

Deno.test("gift tiers: by the coins the whole gift is worth", () => {
  assert.equal(giftTier("5"), 1);
  assert.equal(giftTier("99"), 1);
  assert.equal(giftTier("100"), 2);
  assert.equal(giftTier("999"), 2);
  assert.equal(giftTier("1000"), 3);
  assert.equal(giftTier("123456789012345678901234567890"), 3, "no float on the way");
});
