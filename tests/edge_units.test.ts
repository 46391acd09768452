/** Unit checks of the edge's building blocks: batch frames, slow-viewer decisions, frame guard. */
import assert from "node:assert/strict";
import type { RoomBatch } from "../actors/room/contract.ts";
import { ViewerBackpressure } from "../edge/backpressure.ts";
import { FrameGuard } from "../edge/frame_guard.ts";
import { sanitizeNickname } from "../edge/auth/nickname.ts";
import { CloseCode } from "../edge/protocol.ts";
import { parseBatchMessage } from "../edge/room_fanout.ts";

const batch: RoomBatch = {
  roomId: "r1",
  seq: 7,
  at: 1_700_000_000_000,
  viewers: 3,
  events: [
    { t: "danmaku", d: { id: "a", userId: "u", name: "n", text: 'hi "there" 你好', at: 1 } },
    { t: "moderation", action: "mute", target: "x", by: "y", at: 2 },
    { t: "danmaku", d: { id: "b", userId: "u", name: "n", text: "666", at: 3 } },
  ],
};

Deno.test("fanout: the batch frame is the room's JSON with a type, built without re-serialising", () => {
  const view = parseBatchMessage(new TextEncoder().encode(JSON.stringify(batch)))!;
  assert.deepEqual(JSON.parse(view.frame), { type: "batch", ...batch });
  assert.equal(view.seq, 7);
  assert.equal(view.droppable, 2);
  assert.equal(view.essential, 1);
  const essential = JSON.parse(view.essentialFrame());
  assert.deepEqual(essential.events, [batch.events[1]]);
  assert.equal(view.essentialFrame(), view.essentialFrame(), "built once");
  assert.equal(parseBatchMessage(new TextEncoder().encode(`{"seq":"x"}`)), undefined);
  assert.throws(() => parseBatchMessage(new TextEncoder().encode("{nope")));
});

Deno.test("backpressure: full below soft, essentials only between, close at hard, report once", () => {
  const bp = new ViewerBackpressure({ softBufferedBytes: 100, hardBufferedBytes: 1000 });
  assert.equal(bp.decide(0, 5, 0), "full");
  assert.equal(bp.decide(150, 5, 0), "skip");
  assert.equal(bp.decide(150, 2, 1), "essential_only");
  assert.equal(bp.decide(80, 4, 0), "skip", "still dropping until drained below half soft");
  assert.equal(bp.takeRecovered(80), 0);
  assert.equal(bp.takeRecovered(40), 11);
  assert.equal(bp.takeRecovered(0), 0, "reported once");
  assert.equal(bp.decide(10, 3, 0), "full");
  assert.equal(bp.decide(1000, 0, 1), "close");
});

Deno.test("frame guard: binary, size in UTF-8 bytes, flood with refill", () => {
  let now = 0;
  const guard = new FrameGuard({ maxFrameBytes: 12, framesPerSecond: 2, frameBurst: 3 }, () => now);
  assert.deepEqual(guard.check("hello"), { ok: true, text: "hello" });
  const tooBig = guard.check("字字字字字"); // 5 chars, 15 bytes
  assert.equal(tooBig.ok ? 0 : tooBig.closeCode, CloseCode.frameTooLarge);
  const binary = guard.check(new Uint8Array(1));
  assert.equal(binary.ok ? 0 : binary.closeCode, CloseCode.binaryFrame);
  const flood = guard.check("x");
  assert.equal(flood.ok ? 0 : flood.closeCode, CloseCode.frameFlood);
  now += 1000; // two tokens back
  assert.equal(guard.check("x").ok, true);
  assert.equal(guard.check("x").ok, true);
  assert.equal(guard.check("x").ok, false);
});

Deno.test("nicknames: cleaned, then validated", () => {
  assert.deepEqual(sanitizeNickname(" a\u200Bb\u0007c "), { ok: true, nickname: "abc" });
  assert.deepEqual(sanitizeNickname("Ana  María"), { ok: true, nickname: "Ana María" });
  assert.equal(sanitizeNickname("a").ok, false);
  assert.equal(sanitizeNickname("x".repeat(25)).ok, false);
  assert.equal(sanitizeNickname("a<b>").ok, false);
  assert.equal(sanitizeNickname("\u202E\u202E").ok, false);
});
