/**
 * Losing and adding engine processes: kill -9 the owner of a room and its room serves again
 * on the survivor (after the lease TTL) with its ban list and danmaku window restored, and a
 * viewer who stayed connected is told of the gap and resumes; a new engine takes only the
 * partitions rendezvous hashing gives it.
 */
import assert from "node:assert/strict";
import { rendezvousOwner } from "../engine/partition.ts";
import {
  CLUSTER_LEASE_TTL_MS,
  CLUSTER_PARTITIONS,
  startTestCluster,
  until,
} from "./helpers/cluster.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";

const OPS = { userId: "ops", name: "ops", kind: "user", roles: ["admin"] };

Deno.test({
  name: "cluster: kill -9 an engine; its rooms come back restored; a joiner moves ~1/N",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const c = await startTestCluster();
    const viewers: TestViewer[] = [];
    try {
      const [e1, , edge] = await Promise.all([
        c.start("engine", "e1"),
        c.start("engine", "e2"),
        c.start("edge", "edge-1"),
      ]);
      const admin = await c.admin();
      let view = await admin.settled(2, 30_000, "two engines own every partition");
      const room = c.roomOwnedBy(view, "e1", "kill");

      const join = async (name: string, resumeFrom?: number) => {
        const token = await c.mintToken(name, name);
        const joined = await TestViewer.join(c.wsUrl(edge, room), room, token, resumeFrom);
        viewers.push(joined.viewer);
        return joined;
      };
      const { viewer: watcher } = await join("watcher");
      const { viewer: alice } = await join("alice");
      const { viewer: troll } = await join("troll");
      for (const text of ["before-1", "before-2", "before-3"]) {
        alice.send({ type: "say", text, clientId: text });
        await alice.next((f) => f.type === "ack" && f.clientId === text, 10_000);
      }
      await admin.client.ask("rooms", room, {
        kind: "moderate",
        actor: OPS,
        action: "ban",
        target: "troll",
      });
      await until(() => watcher.danmakuTexts().length === 3, 10_000, "watcher saw the danmaku");
      const lastSeq = Math.max(
        ...watcher.frames.filter((f) => f.type === "batch").map((f) => f.seq as number),
      );
      // Dirty state (the window) is persisted within a second; bans are persisted at once.
      await new Promise((r) => setTimeout(r, 1_500));

      e1.signal("SIGKILL");
      assert.equal(await e1.exited, 137);
      view = await admin.settled(
        1,
        CLUSTER_LEASE_TTL_MS * 3 + 5_000,
        "e2 took every partition after the lease TTL",
      );
      assert.ok(view.partitionTable.every((p) => p.owner === "e2"));

      // The room serves again from its persisted state: window and bans are back.
      const { welcome } = await join("late");
      assert.deepEqual(welcome.history.map((d: Frame) => d.text), [
        "before-1",
        "before-2",
        "before-3",
      ]);
      troll.send({ type: "say", text: "let me in", clientId: "t1" });
      const refused = await troll.next((f) => f.type === "error" && f.clientId === "t1", 10_000);
      assert.equal(refused.code, "banned");

      // The connected watcher sees the room continue past a gap (the dead activation's
      // unflushed sequence block) and is told about it.
      alice.send({ type: "say", text: "after", clientId: "after" });
      await alice.next((f) => f.type === "ack" && f.clientId === "after", 10_000);
      const next = await watcher.next((f) => f.type === "batch" && f.seq > lastSeq, 10_000);
      assert.ok(next.seq > lastSeq);
      if (next.seq > lastSeq + 1) {
        const gap = await watcher.next((f) => f.type === "gap", 5_000);
        assert.equal(gap.from, lastSeq + 1);
        watcher.send({ type: "resume", from: lastSeq });
        const resumed = await watcher.next((f) => f.type === "resumed", 10_000);
        assert.ok(resumed.gap, "resume reports the sequences nobody holds any more");
      }
      await until(
        () => watcher.danmakuTexts().includes("after"),
        10_000,
        "watcher got the new danmaku",
      );

      // A third engine: only the partitions rendezvous hashing gives it move, all from e2.
      const before = new Map(view.partitionTable.map((p) => [p.partition, p.owner]));
      await c.start("engine", "e3");
      const expected = Array.from({ length: CLUSTER_PARTITIONS }, (_, p) => p)
        .filter((p) => rendezvousOwner(p, ["e2", "e3"]) === "e3");
      await until(
        async () => {
          view = await admin.view();
          return view.unowned.length === 0 &&
            view.partitionTable.every((p) =>
              p.owner === rendezvousOwner(p.partition, ["e2", "e3"])
            );
        },
        20_000,
        "e3 took its share",
      );
      const moved = view.partitionTable.filter((p) => before.get(p.partition) !== p.owner)
        .map((p) => p.partition);
      assert.deepEqual(moved, expected);
      assert.ok(moved.length > 0 && moved.length < CLUSTER_PARTITIONS, `${moved.length} moved`);
    } finally {
      await Promise.all(viewers.map((v) => v.close().catch(() => {})));
      await c.close();
    }
  },
});

Deno.test({
  name: "cluster: SIGTERM hands partitions over without waiting for the lease TTL",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // A 60 s TTL: the survivor could only take over within this test by a graceful hand-over.
    const c = await startTestCluster({ leaseTtlMs: 60_000 });
    const viewers: TestViewer[] = [];
    try {
      const [e1, , edge] = await Promise.all([
        c.start("engine", "t1"),
        c.start("engine", "t2"),
        c.start("edge", "edge-t"),
      ]);
      const admin = await c.admin();
      let view = await admin.settled(2, 30_000, "two engines own every partition");
      const room = c.roomOwnedBy(view, "t1", "term");
      const token = await c.mintToken("bob", "bob");
      const { viewer } = await TestViewer.join(c.wsUrl(edge, room), room, token);
      viewers.push(viewer);
      viewer.send({ type: "say", text: "hello", clientId: "h" });
      await viewer.next((f) => f.type === "ack" && f.clientId === "h", 10_000);

      assert.equal(await e1.stop("SIGTERM"), 0);
      await until(
        async () => {
          view = await admin.view();
          return view.instances.length === 1 && view.partitionTable.every((p) => p.owner === "t2");
        },
        15_000,
        "t2 owns every partition",
      );
      // The room kept everything it had (persisted on hand-over, not after a crash).
      const { welcome } = await TestViewer.join(
        c.wsUrl(edge, room),
        room,
        await c.mintToken("eve", "eve"),
      )
        .then((j) => (viewers.push(j.viewer), j));
      assert.deepEqual(welcome.history.map((d: Frame) => d.text), ["hello"]);
      viewer.send({ type: "say", text: "still here", clientId: "s" });
      await viewer.next((f) => f.type === "ack" && f.clientId === "s", 10_000);
    } finally {
      await Promise.all(viewers.map((v) => v.close().catch(() => {})));
      await c.close();
    }
  },
});
