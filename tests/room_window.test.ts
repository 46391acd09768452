import assert from "node:assert/strict";
import { DanmakuWindow, RateMeter } from "../actors/room/window.ts";
import { ResumeBuffer } from "../actors/room/resume_buffer.ts";
import type { Danmaku, RoomBatch } from "../actors/room/contract.ts";

const dm = (i: number, at: number): Danmaku => ({
  id: `d${i}`,
  userId: `u${i % 7}`,
  name: `user ${i % 7}`,
  text: `message ${i}`,
  at,
});

Deno.test("window: keeps the most recent messages by count, oldest first", () => {
  const w = new DanmakuWindow({ maxCount: 5, maxAgeMs: 60_000 });
  for (let i = 0; i < 12; i++) w.push(dm(i, 1000 + i));
  assert.equal(w.size, 5);
  assert.deepEqual(w.recent(2000).map((d) => d.id), ["d7", "d8", "d9", "d10", "d11"]);
  assert.deepEqual(w.recent(2000, 2).map((d) => d.id), ["d10", "d11"]);
});

Deno.test("window: drops messages older than maxAge; restores from a snapshot", () => {
  const w = new DanmakuWindow({ maxCount: 100, maxAgeMs: 10_000 });
  for (let i = 0; i < 10; i++) w.push(dm(i, i * 2_000)); // 0 s .. 18 s
  assert.deepEqual(w.recent(25_000).map((d) => d.id), ["d8", "d9"]);
  assert.equal(w.size, 2);
  const restored = new DanmakuWindow({ maxCount: 1, maxAgeMs: 10_000 }, w.recent(25_000));
  assert.deepEqual(restored.recent(25_000).map((d) => d.id), ["d9"], "restore honours maxCount");
  assert.deepEqual(w.recent(60_000), [], "everything aged out");
});

Deno.test("rate meter: messages per second over the last 10 s", () => {
  const r = new RateMeter(10);
  const t0 = 50_000_000;
  for (let s = 0; s < 10; s++) for (let i = 0; i < 3; i++) r.add(t0 + s * 1000 + i);
  assert.equal(r.rate(t0 + 9_500), 3);
  for (let i = 0; i < 20; i++) r.add(t0 + 10_000);
  // Seconds 1..10 now: 9 × 3 + 20.
  assert.equal(r.rate(t0 + 10_000), (27 + 20) / 10);
  assert.equal(r.rate(t0 + 100_000), 0, "old buckets do not count");
});

Deno.test("rate meter: the current rate of a steady stream does not dip early in a second", () => {
  // 150 msg/s, evenly spread over 5 s, read every 10 ms once the 2-second window is full.
  const r = new RateMeter(2);
  const t0 = 70_000_000;
  const sends = Array.from({ length: 750 }, (_, n) => Math.floor((n * 1000) / 150));
  let next = 0;
  let lowest = Infinity;
  let lowestWhole = Infinity;
  for (let ms = 0; ms < 5_000; ms += 10) {
    while (next < sends.length && sends[next] <= ms) r.add(t0 + sends[next++]);
    if (ms < 2_000) continue;
    lowest = Math.min(lowest, r.currentRate(t0 + ms));
    lowestWhole = Math.min(lowestWhole, r.rate(t0 + ms));
  }
  assert(lowest >= 140, `the current rate stays near 150 (lowest ${lowest})`);
  assert(lowestWhole <= 80, `the whole-second rate reads about half early in a second`);
});

const batch = (seq: number, n = 1): RoomBatch => ({
  roomId: "r",
  seq,
  at: seq * 50,
  viewers: 1,
  events: Array.from(
    { length: n },
    (_, i) => ({ t: "danmaku" as const, d: dm(seq * 10 + i, seq) }),
  ),
});

Deno.test("resume buffer: batches after a sequence, none when up to date", () => {
  const rb = new ResumeBuffer({ maxBatches: 100, maxBytes: 1_000_000 });
  for (let s = 1; s <= 10; s++) rb.push(batch(s), 100);
  const r = rb.since(7, 10);
  assert.deepEqual(r.missed.map((b) => b.seq), [8, 9, 10]);
  assert.equal(r.gap, undefined);
  assert.deepEqual(rb.since(10, 10), { missed: [] });
});

Deno.test("resume buffer: bounded by count and bytes, older sequences are a gap", () => {
  const rb = new ResumeBuffer({ maxBatches: 4, maxBytes: 1_000_000 });
  for (let s = 1; s <= 200; s++) rb.push(batch(s), 100);
  assert.equal(rb.size, 4);
  const r = rb.since(150, 200);
  assert.deepEqual(r.missed.map((b) => b.seq), [197, 198, 199, 200]);
  assert.deepEqual(r.gap, { from: 151, to: 196 });

  const bytes = new ResumeBuffer({ maxBatches: 1000, maxBytes: 1_000 });
  for (let s = 1; s <= 50; s++) bytes.push(batch(s), 300);
  assert.equal(bytes.size, 3);
  assert.ok(bytes.bytes <= 1_000);
  assert.deepEqual(bytes.since(0, 50).gap, { from: 1, to: 47 });
});

Deno.test("resume buffer: after a restart (empty) everything missed is a gap", () => {
  const rb = new ResumeBuffer();
  assert.deepEqual(rb.since(3, 1003), { missed: [], gap: { from: 4, to: 1003 } });
});
