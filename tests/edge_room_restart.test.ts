/**
 * The edge never forwards a batch whose sequence is not above the last one it forwarded for
 * the room. When one arrives (the room restarted from older state, or a stale owner's batch
 * came late) every viewer gets `restarted` with a fresh join's history and `seq`, live
 * batches go on after it, and `/metrics` counts the event.
 */
import assert from "node:assert/strict";
import { encodeJson } from "../engine/codec.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { startTestServer } from "./helpers/server.ts";

const batchSeqs = (v: TestViewer) =>
  v.frames.filter((f) => f.type === "batch").map((f) => f.seq as number);

Deno.test("edge: a batch whose sequence went back is not forwarded; viewers are resynced", async () => {
  const srv = await startTestServer();
  const viewers: TestViewer[] = [];
  try {
    const room = "restart1";
    const join = async (name: string) => {
      const { token } = await srv.guest(name);
      const joined = await TestViewer.join(srv.wsUrl(room), room, token);
      viewers.push(joined.viewer);
      return joined.viewer;
    };
    const alice = await join("alice");
    const bob = await join("bob");
    alice.send({ type: "say", text: "before", clientId: "b" });
    await alice.next((f) => f.type === "ack" && f.clientId === "b");
    await bob.next((f) => f.type === "batch");
    const last = Math.max(...batchSeqs(bob));

    // What a room restored from older state would publish: a number already used.
    const ghost = {
      roomId: room,
      seq: last,
      at: Date.now(),
      viewers: 2,
      events: [{ t: "danmaku", d: { id: "g1", userId: "x", name: "x", text: "ghost", at: 1 } }],
    };
    srv.server.transport.publish(`rooms.out.${room}`, encodeJson(ghost));
    for (const v of [alice, bob]) {
      const restarted = await v.next((f) => f.type === "restarted");
      assert.equal(restarted.seq, last, "the room's own sequence, from a fresh join");
      assert.deepEqual(restarted.history.map((d: Frame) => d.text), ["before"]);
      assert.equal(restarted.room.roomId, room);
    }

    alice.send({ type: "say", text: "after", clientId: "a" });
    await alice.next((f) => f.type === "ack" && f.clientId === "a");
    for (const v of [alice, bob]) {
      await v.next((f) => f.type === "batch" && f.seq === last + 1);
      assert.deepEqual(v.danmakuTexts(), ["before", "after"], "the ghost batch never reached");
      const seqs = batchSeqs(v);
      assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), `increasing: ${seqs}`);
      assert.ok(!v.frames.some((f) => f.type === "gap"), "no gap: nothing was lost");
    }
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    assert.match(metrics, /^synapse_edge_seq_regressions_total 1$/m);
  } finally {
    for (const v of viewers) await v.close().catch(() => {});
    await srv.close();
  }
});
