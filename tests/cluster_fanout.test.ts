/**
 * Two engine processes and two edge processes over a private nats-server: viewers of one
 * room spread over both edges see every danmaku, in the same order, in gap-free batches;
 * the admin cluster view shows both engines sharing the partitions.
 */
import assert from "node:assert/strict";
import { CLUSTER_PARTITIONS, startTestCluster, until } from "./helpers/cluster.ts";
import { TestViewer } from "./helpers/edge_client.ts";

Deno.test({
  name: "cluster: viewers on two edges see every danmaku in the same order",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Nothing here tests failover: a long lease TTL keeps a loaded machine's late refresh
    // from moving the room mid-test (which would rightly show up as a sequence gap).
    const c = await startTestCluster({ leaseTtlMs: 10_000 });
    const viewers: TestViewer[] = [];
    try {
      const [, , edgeA, edgeB] = await Promise.all([
        c.start("engine", "eng-a"),
        c.start("engine", "eng-b"),
        c.start("edge", "edge-a"),
        c.start("edge", "edge-b"),
      ]);
      const admin = await c.admin();
      const view = await admin.settled(2, 30_000, "two engines own their partitions");
      assert.equal(view.partitionTable.length, CLUSTER_PARTITIONS);
      const owners = new Set(view.partitionTable.map((p) => p.owner));
      assert.deepEqual([...owners].sort(), ["eng-a", "eng-b"]);
      // The edge's admin route refuses anonymous and non-admin callers.
      assert.equal((await fetch(`${edgeA.url}/api/cluster`)).status, 401);
      const guest = await c.mintToken("g1", "g1");
      const denied = await fetch(`${edgeA.url}/api/cluster`, {
        headers: { authorization: `Bearer ${guest}` },
      });
      assert.equal(denied.status, 403);
      await denied.body?.cancel();

      const room = "fanout1";
      const join = async (edge: typeof edgeA, name: string) => {
        const token = await c.mintToken(name, name);
        const { viewer } = await TestViewer.join(c.wsUrl(edge, room), room, token);
        viewers.push(viewer);
        return viewer;
      };
      const watchers = await Promise.all([
        join(edgeA, "wa1"),
        join(edgeA, "wa2"),
        join(edgeB, "wb1"),
        join(edgeB, "wb2"),
      ]);
      const senders = await Promise.all(
        ["sa1", "sa2", "sa3"].map((n) => join(edgeA, n)).concat(
          ["sb1", "sb2", "sb3"].map((n) => join(edgeB, n)),
        ),
      );
      const sent: string[] = [];
      await Promise.all(senders.map(async (s, i) => {
        for (let k = 0; k < 5; k++) {
          const text = `m-${i}-${k}`;
          sent.push(text);
          s.send({ type: "say", text, clientId: text });
          await s.next((f) => f.type === "ack" && f.clientId === text, 10_000);
          await new Promise((r) => setTimeout(r, 10));
        }
      }));
      for (const v of watchers) {
        await until(
          () => v.danmakuTexts().length >= sent.length,
          10_000,
          "every danmaku delivered",
        );
      }
      const reference = watchers[0].danmakuTexts();
      assert.deepEqual([...reference].sort(), [...sent].sort());
      for (const v of watchers) {
        assert.deepEqual(v.danmakuTexts(), reference);
        const seqs = v.frames.filter((f) => f.type === "batch").map((f) => f.seq as number);
        for (let i = 1; i < seqs.length; i++) {
          assert.equal(seqs[i], seqs[i - 1] + 1, "gap-free batches");
        }
        assert.equal(v.frames.some((f) => f.type === "gap"), false);
      }
      // Engines expose Prometheus metrics; the owner of the room counts its activation.
      const engines = c.nodes.filter((n) => n.role === "engine");
      const texts = await Promise.all(
        engines.map(async (e) => await (await fetch(`${e.url}/metrics`)).text()),
      );
      const active = texts.map((t) => Number(t.match(/^synapse_actors_active (\d+)/m)?.[1] ?? "0"));
      assert.equal(active.reduce((a, b) => a + b, 0), 1, `active actors per engine: ${active}`);
    } finally {
      await Promise.all(viewers.map((v) => v.close().catch(() => {})));
      await c.close();
    }
  },
});
