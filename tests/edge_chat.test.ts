/**
 * End to end through the real server (embedded engine + RoomActor + edge) with real
 * WebSocket clients: ordering across viewers, history on join, resume after reconnect,
 * room refusals as error frames, moderation, presence, and gap notices.
 */
import assert from "node:assert/strict";
import { encodeJson } from "../engine/codec.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { startTestServer } from "./helpers/server.ts";

function maxSeq(v: TestViewer): number {
  return Math.max(-1, ...v.frames.filter((f) => f.type === "batch").map((f) => f.seq));
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

Deno.test("edge: chat between real WebSocket viewers", async (t) => {
  const srv = await startTestServer({ roomOptions: { rateLimit: { burst: 30, refillPerSec: 5 } } });
  const viewers: TestViewer[] = [];
  try {
    const alice = await srv.guest("alice");
    const bob = await srv.guest("bob");
    const room = "chat1";
    const a = await TestViewer.join(srv.wsUrl(room), room, alice.token);
    const b = await TestViewer.join(srv.wsUrl(room), room, bob.token);
    viewers.push(a.viewer, b.viewer);
    assert.equal(a.welcome.v, 1);
    assert.equal(a.welcome.you.name, "alice");
    assert.deepEqual(a.welcome.history, []);

    const sent: string[] = [];
    await t.step("two viewers see each other's danmaku in the same order", async () => {
      for (let i = 1; i <= 3; i++) {
        for (const [who, v] of [["a", a.viewer], ["b", b.viewer]] as const) {
          const text = `${who}${i} hello`;
          sent.push(text);
          v.send({ type: "say", text, clientId: `${who}-${i}` });
        }
      }
      const ack = await a.viewer.next((f) => f.type === "ack" && f.clientId === "a-3");
      assert.equal(typeof ack.id, "string");
      await b.viewer.next((f) => f.type === "ack" && f.clientId === "b-3");
      await waitFor(() => a.viewer.danmakuTexts().length === 6, "6 danmaku at alice");
      await waitFor(() => b.viewer.danmakuTexts().length === 6, "6 danmaku at bob");
      assert.deepEqual(a.viewer.danmakuTexts(), b.viewer.danmakuTexts());
      assert.deepEqual([...a.viewer.danmakuTexts()].sort(), [...sent].sort());
      // Each sender's own messages keep their order.
      const fromA = a.viewer.danmakuTexts().filter((x) => x.startsWith("a"));
      assert.deepEqual(fromA, ["a1 hello", "a2 hello", "a3 hello"]);
      // Sequence numbers increase by one from batch to batch.
      const seqs = a.viewer.frames.filter((f) => f.type === "batch").map((f) => f.seq);
      seqs.forEach((s, i) => i > 0 && assert.equal(s, seqs[i - 1] + 1));
    });

    await t.step("a newcomer gets the history on join", async () => {
      const carol = await srv.guest("carol");
      const c = await TestViewer.join(srv.wsUrl(room), room, carol.token);
      viewers.push(c.viewer);
      assert.deepEqual(c.welcome.history.map((d: Frame) => d.text), a.viewer.danmakuTexts());
      assert.equal(c.welcome.seq, maxSeq(a.viewer));
      await c.viewer.close();
    });

    await t.step("resume after a reconnect replays the missed batches", async () => {
      const lastSeen = maxSeq(a.viewer);
      await a.viewer.close();
      b.viewer.send({ type: "say", text: "while you were away", clientId: "b-away" });
      await waitFor(() => b.viewer.danmakuTexts().includes("while you were away"), "bob's msg");
      const back = await TestViewer.join(srv.wsUrl(room), room, alice.token, lastSeen);
      viewers.push(back.viewer);
      assert.ok(back.welcome.replayed >= 1, "welcome announces replayed batches");
      assert.deepEqual(back.welcome.history, [], "no history on a resume");
      await waitFor(
        () => back.viewer.danmakuTexts().includes("while you were away"),
        "replayed danmaku",
      );
      const replayed = back.viewer.frames.filter((f) => f.type === "batch");
      assert.ok(replayed.every((f) => f.seq > lastSeen), "only batches after resumeFrom");
      a.viewer = back.viewer;
    });

    await t.step("room refusals come back as error frames; the socket stays open", async () => {
      b.viewer.send({ type: "say", text: "same again", clientId: "d1" });
      await b.viewer.next((f) => f.type === "ack" && f.clientId === "d1");
      b.viewer.send({ type: "say", text: "same again", clientId: "d2" });
      const err = await b.viewer.next((f) => f.type === "error" && f.clientId === "d2");
      assert.equal(err.code, "duplicate");
      b.viewer.send({ type: "ping", t: 42 });
      const pong = await b.viewer.next((f) => f.type === "pong");
      assert.equal(pong.t, 42);
    });

    await t.step(
      "a platform admin mutes a viewer; everybody sees the moderation event",
      async () => {
        const token = await srv.mintToken({ sub: "admin_1", name: "root", roles: ["admin"] });
        const admin = await TestViewer.join(srv.wsUrl(room), room, token);
        viewers.push(admin.viewer);
        admin.viewer.send({
          type: "mod",
          action: "mute",
          target: bob.identity.userId,
          clientId: "m1",
        });
        const ok = await admin.viewer.next((f) => f.type === "mod_ok");
        assert.equal(ok.target, bob.identity.userId);
        const isMute = (f: Frame) =>
          f.type === "batch" &&
          f.events.some((e: Frame) => e.t === "moderation" && e.target === bob.identity.userId);
        await a.viewer.next(isMute);
        b.viewer.send({ type: "say", text: "can I still talk?", clientId: "muted-1" });
        const err = await b.viewer.next((f) => f.type === "error" && f.clientId === "muted-1");
        assert.equal(err.code, "muted");
        // A guest may not moderate.
        b.viewer.send({
          type: "mod",
          action: "ban",
          target: alice.identity.userId,
          clientId: "m2",
        });
        const refused = await b.viewer.next((f) => f.type === "error" && f.clientId === "m2");
        assert.notEqual(refused.code, "bad_frame");
      },
    );

    await t.step("presence: the room and the directory count this edge's viewers", async () => {
      await waitFor(async () => {
        const res = await fetch(`${srv.url}/api/rooms/${room}`);
        const body = await res.json();
        return body.room.viewers === 3;
      }, "room info with 3 viewers");
      await waitFor(async () => {
        const body = await (await fetch(`${srv.url}/api/rooms`)).json();
        return body.rooms.some((r: Frame) => r.roomId === room && r.viewers === 3);
      }, "directory with 3 viewers");
    });

    await t.step("a sequence gap is reported to the viewer, who can resume", async () => {
      const last = maxSeq(b.viewer);
      // A batch that skips sequences, published where the room publishes.
      srv.server.transport.publish(
        `rooms.out.${room}`,
        encodeJson({ roomId: room, seq: last + 3, at: Date.now(), viewers: 3, events: [] }),
      );
      const gap = await b.viewer.next((f) => f.type === "gap" && f.to === last + 2);
      assert.equal(gap.from, last + 1);
      b.viewer.send({ type: "resume", from: last });
      const resumed = await b.viewer.next((f) => f.type === "resumed");
      assert.equal(typeof resumed.batches, "number");
    });
  } finally {
    for (const v of viewers) await v.close().catch(() => {});
    await srv.close();
  }
});
