/**
 * A participant the host removes from a meeting loses the room's socket at once: every open
 * socket of that user in the room gets the batch that says `removed` and is then closed by
 * the server with 4410 `meeting_removed` (PROTOCOL.md, Close codes); no later batch reaches
 * it, and a new socket is refused the same way. Another participant's socket stays open and
 * keeps receiving. A participant who leaves over REST (`leave` from one tab) loses every other
 * socket of theirs the same way, closed with 4411 `meeting_left` after the batch with the
 * `left` event, while the host's socket stays. Real WebSockets against a started server (embedded engine, accounts on
 * PGlite); no LiveKit is needed for the room's side of it.
 */
import assert from "node:assert/strict";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { callJson as call, registerUser as register } from "./helpers/http.ts";
import { startTestServer } from "./helpers/server.ts";

const ROOM = "meet-sockets";

const removedEvent = (userId: string) => (f: Frame) =>
  f.type === "batch" &&
  f.events.some((e: Frame) => e.t === "meeting" && e.op === "removed" && e.userId === userId);

Deno.test({
  name:
    "meeting: a removed participant's sockets close at once (4410), a leaver's too (4411); others stay",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startTestServer({ accounts: true });
    const sockets: TestViewer[] = [];
    try {
      const base = server.url;
      const host = await register(base, "sock_host");
      const alice = await register(base, "sock_alice");
      const bob = await register(base, "sock_bob");
      const made = await call(base, "/api/rooms", {
        token: host.token,
        json: { id: ROOM, title: "Sockets", kind: "meeting" },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const meeting = (token: string, json?: unknown) =>
        call(base, `/api/rooms/${ROOM}/meeting`, json ? { token, json } : { token });
      assert.equal((await meeting(host.token, { op: "join" })).body.me, "host");
      for (const who of [alice, bob]) {
        assert.equal((await meeting(who.token, { op: "join" })).body.me, "waiting");
      }
      const all = await meeting(host.token, { op: "admit_all" });
      assert.equal(all.body.view.members.length, 3, JSON.stringify(all.body));

      const join = async (token: string) => {
        const { viewer } = await TestViewer.join(server.wsUrl(ROOM), ROOM, token);
        sockets.push(viewer);
        return viewer;
      };
      // alice in two tabs, bob in one
      const a1 = await join(alice.token);
      const a2 = await join(alice.token);
      const b = await join(bob.token);
      const hostWs = await join(host.token);

      const removed = await meeting(host.token, { op: "remove", userId: alice.id });
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      for (const [name, ws] of [["first", a1], ["second", a2]] as const) {
        // the batch saying so arrives, then the server's close frame
        const closed = await ws.waitClose(30_000);
        assert.deepEqual(closed, { code: 4410, reason: "meeting_removed" }, `${name} socket`);
        assert.ok(ws.frames.some(removedEvent(alice.id)), `${name} socket saw the removal`);
      }
      // bob saw the removal too and stays connected: the next chat reaches him, not alice
      await b.next(removedEvent(alice.id), 30_000);
      hostWs.send({ type: "say", text: "after alice left", clientId: "c1" });
      await b.next(
        (f) =>
          f.type === "batch" &&
          f.events.some((e: Frame) => e.t === "danmaku" && e.d.text === "after alice left"),
        30_000,
      );
      assert.equal(b.socket.readyState, WebSocket.OPEN);
      for (const ws of [a1, a2]) {
        const lastSeq = Math.max(
          ...ws.frames.filter((f) => f.type === "batch").map((f) => f.seq as number),
        );
        const removal = ws.frames.find(removedEvent(alice.id))!;
        assert.equal(lastSeq, removal.seq, "no batch after the removal reached alice");
      }

      // a new socket is refused the same way, with the error first
      const again = await TestViewer.open(server.wsUrl(ROOM));
      sockets.push(again);
      again.send({ type: "hello", v: 1, token: alice.token, room: ROOM });
      const refused = await again.next((f) => f.type === "error" || f.type === "welcome", 30_000);
      assert.equal(refused.code, "meeting_removed");
      assert.deepEqual(await again.waitClose(30_000), { code: 4410, reason: "meeting_removed" });
      // and so are her commands over REST
      const hand = await meeting(alice.token, { op: "hand", up: true });
      assert.equal(hand.body.error?.code, "not_admitted");
      assert.equal((await meeting(alice.token)).body.me, "removed");

      // bob opens a second tab, then leaves over REST: both of his sockets close (4411)
      const b2 = await join(bob.token);
      const leftEvent = (f: Frame) =>
        f.type === "batch" &&
        f.events.some((e: Frame) =>
          e.t === "meeting" && e.op === "left" && e.userId === bob.id && !e.reason
        );
      const left = await meeting(bob.token, { op: "leave" });
      assert.equal(left.status, 200, JSON.stringify(left.body));
      for (const [name, ws] of [["first", b], ["second", b2]] as const) {
        const closed = await ws.waitClose(30_000);
        assert.deepEqual(closed, { code: 4411, reason: "meeting_left" }, `bob's ${name} socket`);
        assert.ok(ws.frames.some(leftEvent), `bob's ${name} socket saw the leave`);
        const lastSeq = Math.max(
          ...ws.frames.filter((f) => f.type === "batch").map((f) => f.seq as number),
        );
        assert.equal(lastSeq, ws.frames.find(leftEvent)!.seq, "no batch after the leave");
      }
      // the host saw it and is still connected: a later chat reaches the host's socket
      await hostWs.next(leftEvent, 30_000);
      hostWs.send({ type: "say", text: "after bob left", clientId: "c2" });
      await hostWs.next(
        (f) =>
          f.type === "batch" &&
          f.events.some((e: Frame) => e.t === "danmaku" && e.d.text === "after bob left"),
        30_000,
      );
      assert.equal(hostWs.socket.readyState, WebSocket.OPEN);
    } finally {
      for (const ws of sockets) await ws.close().catch(() => {});
      await server.close();
    }
  },
});
