/**
 * A member whose only room socket was on an edge that crashed leaves the meeting: the crashed
 * edge never reports that socket closing, so the room forgets the edge's sockets once its
 * presence reports stop for the room's presence TTL (15 s), and the member, with nothing else
 * connected, leaves past the grace period (`left`, reason `disconnected`), their attendance
 * closed at the time the edge was last heard from. Before, that member stayed present until
 * the meeting ended. A cluster of OS processes (NATS, Postgres, one engine, two edges); the
 * edge is killed with SIGKILL; real WebSockets, no LiveKit needed for the room's side.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "./helpers/cluster.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { callJson as call } from "./helpers/http.ts";

const ROOM = "meet-edge-crash";

Deno.test({
  name: "meeting: a member whose edge crashed leaves once that edge's presence expires",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const c = await startTestCluster();
    const sockets: TestViewer[] = [];
    try {
      const [, e1, e2] = await Promise.all([
        c.start("engine", "k1", { MEETING_DISCONNECT_GRACE_MS: "2000" }),
        c.start("edge", "edge-stays"),
        c.start("edge", "edge-crashes"),
      ]);
      const admin = await c.admin();
      await admin.settled(1, 30_000, "the engine owns every partition");
      const api = (path: string, token?: string, json?: unknown) =>
        call(e1.url, `/api${path}`, { token, json });
      const register = async (username: string) => {
        const r = await api("/auth/register", undefined, {
          username,
          password: "correct horse battery",
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return { token: r.body.accessToken as string, id: r.body.user.id as string };
      };
      const host = await register("crash_host");
      const bob = await register("crash_bob");
      const made = await api("/rooms", host.token, { id: ROOM, title: "Crash", kind: "meeting" });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const meeting = (token: string, json?: unknown) => api(`/rooms/${ROOM}/meeting`, token, json);
      assert.equal((await meeting(host.token, { op: "join" })).body.me, "host");
      assert.equal((await meeting(bob.token, { op: "join" })).body.me, "waiting");
      const all = await meeting(host.token, { op: "admit_all" });
      assert.equal(all.body.view.members.length, 2, JSON.stringify(all.body));

      const join = async (edge: typeof e1, token: string) => {
        const { viewer } = await TestViewer.join(c.wsUrl(edge, ROOM), ROOM, token);
        sockets.push(viewer);
        return viewer;
      };
      const hostWs = await join(e1, host.token);
      const bobWs = await join(e2, bob.token);
      // bob's socket works through the edge that will crash
      bobWs.send({ type: "say", text: "bob here", clientId: "b1" });
      await hostWs.next(
        (f) =>
          f.type === "batch" &&
          f.events.some((e: Frame) => e.t === "danmaku" && e.d.text === "bob here"),
        30_000,
      );

      const killedAt = Date.now();
      e2.signal("SIGKILL");
      await e2.exited;
      // the room hears nothing from that edge: it expires its entries (TTL 15 s), then grace
      const left = await hostWs.next(
        (f) =>
          f.type === "batch" &&
          f.events.some((e: Frame) => e.t === "meeting" && e.op === "left" && e.userId === bob.id),
        120_000,
      );
      const ev = left.events.find((e: Frame) => e.t === "meeting" && e.op === "left")!;
      assert.equal(ev.reason, "disconnected", JSON.stringify(ev));
      assert.ok(!ev.meeting.members.some((m: Frame) => m.userId === bob.id));
      // the host, on the edge that lives, is still a member and still connected
      assert.ok(ev.meeting.members.some((m: Frame) => m.userId === host.id));
      assert.equal(hostWs.socket.readyState, WebSocket.OPEN);
      // bob's stay ended when his edge was last heard from: before the kill's expiry ran out
      const row = ev.meeting.attendance.find((a: Frame) => a.userId === bob.id);
      assert.ok(row?.leftAt !== undefined, JSON.stringify(ev.meeting.attendance));
      assert.ok(row.leftAt < ev.at, `leftAt ${row.leftAt} vs event ${ev.at}`);
      assert.ok(row.leftAt <= killedAt + 1_000, `leftAt ${row.leftAt} vs kill ${killedAt}`);
      const state = await meeting(bob.token);
      assert.notEqual(state.body.me, "participant", JSON.stringify(state.body));
    } finally {
      for (const ws of sockets) await ws.close().catch(() => {});
      await c.close();
    }
  },
});
