/**
 * A hot room's fan-out at the edge (edge/room_fanout.ts): under the display budget, a sender
 * whose own line the sample left out gets the sample with its lines put back, the same frame
 * as encoding that batch would give.
 */
import assert from "node:assert/strict";
import type { RoomBatch } from "../actors/room/contract.ts";
import { encodeJson } from "../engine/codec.ts";
import { createLogger } from "../engine/log.ts";
import { MemoryTransport } from "../engine/transport_memory.ts";
import { FanoutRegistry } from "../edge/room_fanout.ts";

const log = createLogger({ component: "test" });

Deno.test("a sender's own frame under the budget: the sample with its own lines, in order", () => {
  const transport = new MemoryTransport();
  const registry = new FanoutRegistry(transport, log, () => {}, 4);
  const frames = new Map<string, string[]>();
  const add = (userId: string) => {
    frames.set(userId, []);
    registry.add("hot", {
      userId,
      deliver: (view) => frames.get(userId)!.push(view.frame),
      restarted() {},
    });
  };
  for (const id of ["watcher", "s1", "s2", "s3"]) add(id);
  const events: RoomBatch["events"] = [];
  for (let i = 0; i < 30; i++) {
    const userId = ["s1", "s2", "s3", "x"][i % 4];
    events.push({
      t: "danmaku",
      d: { id: `m${i}`, userId, name: "n", text: `line ${i} "q"`, at: i },
    });
    if (i === 13) events.push({ t: "moderation", action: "mute", target: "y", by: "z", at: i });
  }
  const sent: RoomBatch = { roomId: "hot", seq: 1, at: 5_000, viewers: 4, events };
  transport.publish("rooms.out.hot", encodeJson(sent));
  return new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => {
    const shared = JSON.parse(frames.get("watcher")![0]);
    const shownIds = new Set(
      shared.events.filter((e: { t: string }) => e.t === "danmaku").map((
        e: { d: { id: string } },
      ) => e.d.id),
    );
    assert.ok(shared.omitted > 0, "the budget left lines out");
    for (const id of ["s1", "s2", "s3"]) {
      const frame = frames.get(id)![0];
      const own = events.filter((e) =>
        e.t === "danmaku" && e.d.userId === id && !shownIds.has(e.d.id)
      );
      const expected = events.filter((e) =>
        e.t !== "danmaku" || shownIds.has(e.d.id) || own.includes(e)
      );
      assert.equal(
        frame,
        JSON.stringify({
          type: "batch",
          ...sent,
          events: expected,
          omitted: shared.omitted - own.length,
        }),
        `${id}'s frame`,
      );
    }
    registry.close();
    return transport.close();
  });
});
