/**
 * NATS restarts under load: the private nats-server (JetStream on a temp store dir) stops
 * for a moment while viewers chat through two edges and two engines. Every process
 * reconnects by itself, none exits, and chat flows to viewers on both edges again.
 */
import assert from "node:assert/strict";
import { startTestCluster, until } from "./helpers/cluster.ts";
import { TestViewer } from "./helpers/edge_client.ts";

Deno.test({
  name: "cluster: a NATS restart during load; edges and engines reconnect, nothing crashes",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const c = await startTestCluster();
    const viewers: TestViewer[] = [];
    let loading = true;
    try {
      const [, , edgeA, edgeB] = await Promise.all([
        c.start("engine", "n1"),
        c.start("engine", "n2"),
        c.start("edge", "edge-na"),
        c.start("edge", "edge-nb"),
      ]);
      const admin = await c.admin();
      await admin.settled(2, 30_000, "two engines own every partition");
      const room = "restart1";
      const join = async (edge: typeof edgeA, name: string) => {
        const { viewer } = await TestViewer.join(
          c.wsUrl(edge, room),
          room,
          await c.mintToken(name, name),
        );
        viewers.push(viewer);
        return viewer;
      };
      const watchA = await join(edgeA, "wa");
      const watchB = await join(edgeB, "wb");
      // Load: senders on both edges chat continuously (errors during the outage are fine).
      const senders = await Promise.all([join(edgeA, "sa"), join(edgeB, "sb"), join(edgeA, "sc")]);
      const load = Promise.all(senders.map(async (s, i) => {
        for (let k = 0; loading; k++) {
          s.send({ type: "say", text: `load-${i}-${k}`, clientId: `load-${i}-${k}` });
          await new Promise((r) => setTimeout(r, 1_100)); // inside the per-user rate limit
        }
      }));
      await until(() => watchA.danmakuTexts().length > 2, 10_000, "load flows");

      await c.nats.stop();
      await new Promise((r) => setTimeout(r, 1_000));
      await c.nats.start();

      // After the restart a new message reaches viewers on both edges.
      // Joining may be refused while the cluster recovers (room_unavailable): retry.
      let probe: TestViewer | undefined;
      await until(
        async () => {
          probe = await join(edgeB, "probe").catch(() => undefined);
          return probe !== undefined;
        },
        30_000,
        "a viewer can join again",
      );
      let sent = 0;
      await until(
        async () => {
          const text = `probe-${sent++}`;
          probe!.send({ type: "say", text, clientId: text });
          await new Promise((r) => setTimeout(r, 1_100));
          return watchA.danmakuTexts().some((t) => t.startsWith("probe-")) &&
            watchB.danmakuTexts().some((t) => t.startsWith("probe-"));
        },
        30_000,
        "chat flows through both edges again",
      );
      loading = false;
      await load;

      await admin.settled(2, 20_000, "both engines own every partition again");
      for (const n of c.nodes) {
        const res = await fetch(`${n.url}/readyz`);
        assert.equal(res.status, 200, `${n.id} ready`);
        await res.body?.cancel();
        const exited = await Promise.race([n.exited.then(() => true), Promise.resolve(false)]);
        assert.equal(exited, false, `${n.id} still running`);
      }
    } finally {
      loading = false;
      await Promise.all(viewers.map((v) => v.close().catch(() => {})));
      await c.close();
    }
  },
});
