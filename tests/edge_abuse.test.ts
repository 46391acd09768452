/**
 * Every class of bad input gets its documented error code or close code, changes nothing
 * in the room, and leaves the server and the room serving everybody else.
 */
import assert from "node:assert/strict";
import { encodeBase64Url } from "../edge/auth/base64url.ts";
import { CloseCode } from "../edge/protocol.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

const ROOM = "abuse";

async function expectClose(
  srv: TestServer,
  act: (v: TestViewer) => void | Promise<void>,
  code: number,
) {
  const v = await TestViewer.open(srv.wsUrl(ROOM));
  await act(v);
  const closed = await v.waitClose();
  assert.equal(closed.code, code, `expected close ${code}, got ${closed.code} (${closed.reason})`);
  return v;
}

function forge(header: object, payload: object, signature = ""): string {
  const enc = (o: object) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(o)));
  return `${enc(header)}.${enc(payload)}.${signature}`;
}

Deno.test("edge: protocol abuse is refused with stable codes and the server carries on", async (t) => {
  const srv = await startTestServer({
    limits: { helloTimeoutMs: 300, framesPerSecond: 5, frameBurst: 10 },
  });
  const keep: TestViewer[] = [];
  try {
    const guest = await srv.guest("steady");
    const steady = await TestViewer.join(srv.wsUrl(ROOM), ROOM, guest.token);
    keep.push(steady.viewer);
    const hello = (token: string, extra: object = {}) => ({
      type: "hello",
      v: 1,
      token,
      room: ROOM,
      ...extra,
    });

    await t.step("bad hello → 4400", async () => {
      await expectClose(srv, (v) => v.sendRaw("not json"), CloseCode.badHello);
      await expectClose(srv, (v) => v.send({ type: "say", text: "hi" }), CloseCode.badHello);
      await expectClose(srv, (v) => v.send(hello(guest.token, { v: 2 })), CloseCode.badHello);
      await expectClose(
        srv,
        (v) => v.send(hello(guest.token, { room: "other" })),
        CloseCode.badHello,
      );
    });

    await t.step("bad tokens → error frame + 4401", async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        sub: "evil",
        name: "evil",
        kind: "user",
        roles: ["admin"],
        iss: "synapse-live",
        iat: now,
        exp: now + 600,
      };
      const [h, , s] = guest.token.split(".");
      const tampered = `${h}.${forge({}, claims).split(".")[1]}.${s}`;
      const cases: [string, string][] = [
        ["garbage", "auth_invalid"],
        [forge({ alg: "none", typ: "JWT" }, claims), "auth_invalid"],
        [forge({ alg: "HS512", typ: "JWT" }, claims, s), "auth_invalid"],
        [tampered, "auth_invalid"],
        [await srv.mintToken({ sub: "late", name: "late" }, -120), "auth_expired"],
      ];
      for (const [token, code] of cases) {
        const v = await expectClose(srv, (v) => v.send(hello(token)), CloseCode.unauthorized);
        assert.equal(v.frames.find((f) => f.type === "error")?.code, code);
      }
    });

    await t.step("no hello in time → 4408", async () => {
      await expectClose(srv, () => {}, CloseCode.helloTimeout);
    });

    await t.step("oversized frame → 4413, binary frame → 4415, flood → 4429", async () => {
      const { token } = await srv.guest();
      await expectClose(srv, (v) => v.sendRaw("x".repeat(5000)), CloseCode.frameTooLarge);
      await expectClose(srv, async (v) => {
        v.send(hello(token));
        await v.next((f) => f.type === "welcome");
        v.send({ type: "say", text: "字".repeat(1000) + "x".repeat(2000) });
      }, CloseCode.frameTooLarge);
      await expectClose(
        srv,
        (v) => v.sendRaw(new Uint8Array([1, 2, 3, 0xff])),
        CloseCode.binaryFrame,
      );
      await expectClose(srv, async (v) => {
        v.send(hello(token));
        await v.next((f) => f.type === "welcome");
        // One frame past the burst, then silence (a client still sending after the close
        // frame sees an abnormal closure instead: Deno aborts such a connection).
        for (let i = 0; i < 10; i++) v.send({ type: "ping" }); // hello + 10 = burst + 1
      }, CloseCode.frameFlood);
    });

    await t.step(
      "bad frames after welcome → error bad_frame, socket open, room unchanged",
      async () => {
        const before = await (await fetch(`${srv.url}/api/rooms/${ROOM}`)).json();
        const { token } = await srv.guest();
        const { viewer } = await TestViewer.join(srv.wsUrl(ROOM), ROOM, token);
        keep.push(viewer);
        const bad = [
          "{broken",
          JSON.stringify([1, 2]),
          JSON.stringify({ type: "dance" }),
          JSON.stringify({ type: "say", text: "" }),
          JSON.stringify({ type: "say", text: "y".repeat(1001) }),
          JSON.stringify({ type: "mod", action: "nuke", target: "x" }),
        ];
        for (const raw of bad) viewer.sendRaw(raw);
        viewer.send(hello(token));
        viewer.send({ type: "ping", t: 7 });
        await viewer.next((f) => f.type === "pong" && f.t === 7);
        const errors = viewer.frames.filter((f) => f.type === "error").map((f) => f.code);
        assert.deepEqual(errors, [...bad.map(() => "bad_frame"), "already_joined"]);
        const after = await (await fetch(`${srv.url}/api/rooms/${ROOM}`)).json();
        assert.equal(after.room.seq, before.room.seq, "no batch came out of bad frames");
        assert.equal(viewer.danmakuTexts().length, 0);
      },
    );

    await t.step("bad room ids and plain HTTP on the socket path → JSON errors", async () => {
      const bad = await fetch(`${srv.url}/ws/rooms/no.dots!`, {
        headers: { upgrade: "websocket" },
      });
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).error.code, "bad_room_id");
      const plain = await fetch(`${srv.url}/ws/rooms/${ROOM}`);
      assert.equal(plain.status, 426);
      assert.equal((await plain.json()).error.code, "upgrade_required");
    });

    await t.step("the server and the room carry on", async () => {
      assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
      const ready = await fetch(`${srv.url}/readyz`);
      assert.equal(ready.status, 200);
      await ready.body?.cancel();
      steady.viewer.send({ type: "say", text: "still here", clientId: "s1" });
      await steady.viewer.next((f) => f.type === "ack" && f.clientId === "s1");
      await steady.viewer.next((f) =>
        f.type === "batch" &&
        f.events.some((e: { d?: { text: string } }) => e.d?.text === "still here")
      );
      assert.equal(steady.viewer.socket.readyState, WebSocket.OPEN);
    });
  } finally {
    for (const v of keep) await v.close().catch(() => {});
    await srv.close();
  }
});
