/**
 * Per-user limits in one place: a room's AI keeps no rate rule of its own (the room's token
 * bucket is the one per-user rate limit and refuses before the AI sees a message), while the
 * AI's repeat rule (the same folded text three times in a minute) still works; the per-user
 * history stays bounded by users who spoke recently.
 */
import assert from "node:assert/strict";
import { DEFAULT_RULES, FloodTracker } from "../actors/ai/moderation/rules.ts";
import { roomConfig } from "../actors/room/options.ts";

Deno.test("flood rules: without a rate rule, only repeats count; history stays bounded", () => {
  const rules = { ...DEFAULT_RULES, rate: null };
  const flood = new FloodTracker(rules, 4);
  // forty different messages in two seconds: no rate rule here
  for (let i = 0; i < 40; i++) {
    assert.deepEqual(flood.record("fast", `message ${i}`, 1_000 + i * 50), [], `message ${i}`);
  }
  // the same text a third time within the minute is a repeat
  assert.deepEqual(flood.record("loop", "buy now", 10_000), []);
  assert.deepEqual(flood.record("loop", "buy now", 20_000), []);
  assert.deepEqual(flood.record("loop", "buy now", 30_000).map((h) => h.rule), ["flood_repeat"]);
  // full (4 users): the stale ones go, the one who just spoke keeps its history
  flood.record("old1", "x", 31_000);
  flood.record("old2", "x", 32_000);
  flood.record("new", "y", 200_000); // evicts users silent for more than a minute
  assert.deepEqual(flood.record("new", "y", 200_001), []);
  assert.deepEqual(flood.record("new", "y", 200_002).map((h) => h.rule), ["flood_repeat"]);
});

Deno.test("room options: the room's token bucket is the one per-user rate limit", () => {
  const cfg = roomConfig({ tickMs: 20 });
  assert.equal(cfg.ai?.rules?.rate, null);
  assert.ok(cfg.rateLimit.burst > 0 && cfg.rateLimit.refillPerSec > 0);
  // a caller may still give the AI a rate rule of its own
  const own = roomConfig({ tickMs: 20, ai: { rules: { rate: { max: 3, windowMs: 1_000 } } } });
  assert.deepEqual(own.ai?.rules?.rate, { max: 3, windowMs: 1_000 });
  assert.equal(roomConfig({ tickMs: 20, ai: false }).ai, null);
});
