/**
 * Ingest protection (issue 18): a room flooded past its intake capacity sheds chat and tells
 * the senders `slow_down` (nothing queues without bound), and a hot room never holds up the
 * other rooms of the same engine — asserted by ordering: a quiet room's message is answered
 * and its batch published while the hot room still has most of its backlog ahead of it.
 */
import assert from "node:assert/strict";
import { decodeJson } from "../engine/codec.ts";
import { startEmbeddedEngine } from "../engine/embedded.ts";
import { DenoKvStateStore } from "../engine/state_store_denokv.ts";
import { RoomClient, RoomRequestError } from "../actors/room/client.ts";
import { type RoomBatch, roomOutSubject } from "../actors/room/contract.ts";
import { roomActorType } from "../actors/room/room_actor.ts";

const CAPACITY = 1_000;
const FLOOD = 2_000;

Deno.test({
  name: "ingest: a flooded room sheds chat with slow_down, and a quiet room is not held up",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "room_ingest_" });
    const store = await DenoKvStateStore.open(`${dir}/state.kv`);
    const engine = await startEmbeddedEngine({
      store,
      // No state write (I/O) in the middle of the backlog: only the drain slices let others in.
      persistIntervalMs: 60_000,
      types: [roomActorType({ tickMs: 20, mailboxCapacity: CAPACITY, ai: false })],
    });
    const rooms = new RoomClient(engine.client);
    try {
      const actor = (i: number) => ({
        userId: `u${i}`,
        name: `user${i}`,
        kind: "guest" as const,
        roles: [],
      });
      // Both rooms active before the flood.
      await rooms.say("hot", actor(-1), "warming up the hot room");
      await rooms.say("quiet", actor(-2), "warming up the quiet room");
      let quietBatchAfterHot = -1;
      let hotAnswered = 0;
      let hotAccepted = 0;
      const quietText = "a quiet room's line";
      const sub = engine.transport.subscribe(roomOutSubject("quiet"), (m) => {
        const batch = decodeJson(m.data) as RoomBatch;
        if (batch.events.some((e) => e.t === "danmaku" && e.d.text === quietText)) {
          quietBatchAfterHot = hotAnswered;
        }
      });

      // The flood: distinct senders (no per-user limit hits), all at once.
      const outcomes: Promise<string>[] = [];
      for (let i = 0; i < FLOOD; i++) {
        outcomes.push(
          rooms.say("hot", actor(i), `flood line ${i} words${i * 7}`).then(
            () => (hotAccepted++, "ok"),
            (err) => err instanceof RoomRequestError ? err.code : String(err),
          ).finally(() => hotAnswered++),
        );
      }
      // Once the hot room is working through its backlog, the quiet room's message arrives
      // from I/O (as a socket's frame would).
      while (hotAccepted === 0) await Deno.stat(dir);
      const quiet = await rooms.say("quiet", actor(-3), quietText).then(() => ({
        answeredAfterHot: hotAnswered,
      }));
      const results = await Promise.all(outcomes);

      const accepted = results.filter((r) => r === "ok").length;
      const slowDown = results.filter((r) => r === "slow_down").length;
      assert.equal(accepted + slowDown, FLOOD, `only ok or slow_down: ${[...new Set(results)]}`);
      assert.ok(slowDown > 0, "past its capacity the room told senders to slow down");
      assert.ok(accepted >= CAPACITY, `the room took a full mailbox (${accepted})`);
      // Not queued behind the hot room: answered while the hot room still had accepted
      // messages to work through (without the engine's drain slices it waited for all of them).
      assert.ok(
        quiet.answeredAfterHot < FLOOD,
        `quiet answered after ${quiet.answeredAfterHot} of ${FLOOD} hot replies`,
      );
      for (let i = 0; i < 250 && quietBatchAfterHot < 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      sub.unsubscribe();
      assert.ok(quietBatchAfterHot >= 0, "the quiet room published its line");
    } finally {
      await engine.close();
      await store.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
