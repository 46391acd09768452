/**
 * Fencing: an engine paused with SIGSTOP loses its lease; the survivor serves its rooms.
 * When the old owner wakes (SIGCONT) it must neither write the room's state nor publish as
 * the room: batches on `rooms.out.{room}` stay one strictly increasing sequence, and what the
 * survivor accepted during the pause is still there afterwards.
 */
import assert from "node:assert/strict";
import { decodeJson } from "../engine/codec.ts";
import type { RoomBatch } from "../actors/room/contract.ts";
import { NatsTransport } from "../engine/transport_nats.ts";
import { createLogger } from "../engine/log.ts";
import { CLUSTER_LEASE_TTL_MS, startTestCluster, until } from "./helpers/cluster.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";

Deno.test({
  name: "cluster: a paused old owner that wakes cannot write state or publish as the room",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const c = await startTestCluster();
    const viewers: TestViewer[] = [];
    let tap: NatsTransport | undefined;
    try {
      const [e1, , edge] = await Promise.all([
        c.start("engine", "f1"),
        c.start("engine", "f2"),
        c.start("edge", "edge-f"),
      ]);
      const admin = await c.admin();
      let view = await admin.settled(2, 30_000, "two engines own every partition");
      const room = c.roomOwnedBy(view, "f1", "fence");

      // Every batch published as the room, straight from NATS.
      tap = await NatsTransport.connect({
        servers: c.nats.url,
        name: "tap",
        log: createLogger({}, "error"),
      });
      const published: number[] = [];
      tap.subscribe(
        `rooms.out.${room}`,
        (m) => void published.push(decodeJson<RoomBatch>(m.data).seq),
      );
      await tap.flush();

      const token = await c.mintToken("carol", "carol");
      const { viewer } = await TestViewer.join(c.wsUrl(edge, room), room, token);
      viewers.push(viewer);
      const say = async (text: string) => {
        viewer.send({ type: "say", text, clientId: text });
        const answer = await viewer.next(
          (f) => (f.type === "ack" || f.type === "error") && f.clientId === text,
          15_000,
        );
        assert.equal(answer.type, "ack", JSON.stringify(answer));
        await until(() => viewer.danmakuTexts().includes(text), 10_000, `${text} broadcast`);
      };
      await say("one");
      // Dirty state (the window) is persisted within a second; what was not is lost with a
      // crash, which is not what this test is about.
      await new Promise((r) => setTimeout(r, 1_500));
      // Keep the room busy so the paused owner has a pending tick and unflushed state.
      viewer.send({ type: "say", text: "two", clientId: "two" });
      e1.signal("SIGSTOP");

      await until(
        async () => {
          view = await admin.view();
          return view.partitionTable.every((p) => p.owner === "f2");
        },
        CLUSTER_LEASE_TTL_MS * 4 + 5_000,
        "f2 took over while f1 is paused",
      );
      await say("during-pause");

      e1.signal("SIGCONT");
      // The woken process rejoins and may get its share back by a graceful hand-over;
      // meanwhile the room keeps serving.
      await new Promise((r) => setTimeout(r, CLUSTER_LEASE_TTL_MS));
      await say("after-wake");
      view = await admin.settled(2, 20_000, "f1 is back in the cluster");
      await say("settled");

      // One sequence, never repeated or going back: no stale publish as the room.
      for (let i = 1; i < published.length; i++) {
        assert.ok(published[i] > published[i - 1], `seq ${published[i]} after ${published[i - 1]}`);
      }
      // Nothing the survivor accepted was overwritten by the stale owner's state.
      const { welcome } = await TestViewer.join(
        c.wsUrl(edge, room),
        room,
        await c.mintToken("dan", "dan"),
      )
        .then((j) => (viewers.push(j.viewer), j));
      const history = welcome.history.map((d: Frame) => d.text);
      for (const text of ["one", "during-pause", "after-wake", "settled"]) {
        assert.ok(history.includes(text), `${text} missing from ${JSON.stringify(history)}`);
      }
      // The paused engine refused to act for the partitions it had lost.
      const metrics = await (await fetch(`${e1.url}/metrics`)).text();
      assert.match(metrics, /synapse_partition_moves_total\{kind="lost"\} [1-9]/);
    } finally {
      await tap?.close();
      await Promise.all(viewers.map((v) => v.close().catch(() => {})));
      await c.close();
    }
  },
});
