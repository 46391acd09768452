/**
 * REST endpoints, guest sessions, the web page, and the process entry point
 * (`edge/main.ts` as a subprocess: starts on embedded defaults, stops cleanly on SIGTERM
 * closing viewers with 1001).
 */
import assert from "node:assert/strict";
import { CloseCode } from "../edge/protocol.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { startServerProcess, startTestServer } from "./helpers/server.ts";
import { callJson } from "./helpers/http.ts";

async function json(res: Response) {
  return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
}

Deno.test("edge: REST endpoints, guest sessions and the web page", async (t) => {
  const srv = await startTestServer();
  try {
    await t.step("health and readiness", async () => {
      assert.deepEqual((await json(await fetch(`${srv.url}/healthz`))).body, { status: "ok" });
      const ready = await json(await fetch(`${srv.url}/readyz`));
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.body.checks, { transport: true, store: true });
    });

    await t.step("guest sessions: default name, chosen nickname, bad input", async () => {
      const post = (body: string) =>
        fetch(`${srv.url}/api/session/guest`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
      const anon = await json(await post(""));
      assert.equal(anon.status, 201);
      assert.match(anon.body.identity.name, /^guest-\d{4}$/);
      assert.equal(anon.body.identity.kind, "guest");
      assert.match(anon.body.identity.userId, /^g_[A-Za-z0-9_-]+$/);
      assert.equal(anon.body.token.split(".").length, 3);

      const named = await json(await post(JSON.stringify({ nickname: "  Zoë\u202E  小明 " })));
      assert.equal(named.status, 201);
      assert.equal(
        named.body.identity.name,
        "Zoë 小明",
        "bidi override stripped, spaces collapsed",
      );

      for (
        const [body, code] of [
          [JSON.stringify({ nickname: "x" }), "bad_nickname"],
          [JSON.stringify({ nickname: "a".repeat(40) }), "bad_nickname"],
          [JSON.stringify({ nickname: "<script>" }), "bad_nickname"],
          [JSON.stringify({ nickname: 42 }), "bad_request"],
          [JSON.stringify({ nickname: "ok", admin: true }), "bad_request"],
          ["{not json", "bad_request"],
        ]
      ) {
        const res = await json(await post(body));
        assert.equal(res.status, 400, body);
        assert.equal(res.body.error.code, code, body);
        assert.equal(typeof res.body.error.message, "string");
      }
      const huge = await json(await post(JSON.stringify({ nickname: "a".repeat(100_000) })));
      assert.equal(huge.status, 413);
      assert.equal(huge.body.error.code, "body_too_large");
    });

    await t.step("rooms: directory, info, highlights, bad ids", async () => {
      const { token } = await srv.guest("lister");
      const { viewer } = await TestViewer.join(srv.wsUrl("restroom"), "restroom", token);
      try {
        viewer.send({ type: "say", text: "hello rest", clientId: "r1" });
        await viewer.next((f) => f.type === "ack");
        const deadline = Date.now() + 5_000;
        let listed;
        do {
          listed = (await json(await fetch(`${srv.url}/api/rooms`))).body.rooms
            .find((r: { roomId: string }) => r.roomId === "restroom");
          if (!listed || listed.viewers !== 1) await new Promise((r) => setTimeout(r, 50));
        } while ((!listed || listed.viewers !== 1) && Date.now() < deadline);
        assert.equal(listed?.viewers, 1);
        assert.equal(typeof listed?.rate, "number");

        const info = await json(await fetch(`${srv.url}/api/rooms/restroom`));
        assert.equal(info.status, 200);
        assert.equal(info.body.room.roomId, "restroom");
        assert.ok(info.body.room.seq >= 1);

        const hl = await json(await fetch(`${srv.url}/api/rooms/restroom/highlights`));
        assert.equal(hl.status, 200);
        assert.ok(Array.isArray(hl.body.highlights));
      } finally {
        await viewer.close();
      }
      for (
        const path of [
          "/api/rooms/bad.id",
          "/api/rooms/%20/highlights",
          `/api/rooms/${"x".repeat(65)}`,
        ]
      ) {
        const res = await json(await fetch(`${srv.url}${path}`));
        assert.equal(res.status, 400, path);
        assert.equal(res.body.error.code, "bad_room_id");
      }
      const missing = await json(await fetch(`${srv.url}/api/nothing-here`));
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, "not_found");
    });

    await t.step("the web client is served", async () => {
      // The pages are the built client's (content-hashed names in the manifest); the room
      // page's markup is rendered by its script.
      const manifest = JSON.parse(
        await Deno.readTextFile(new URL("../edge/web/dist/manifest.json", import.meta.url)),
      );
      const appJs = `/assets/${manifest.app.js}`;
      // the room page's own stylesheet (danmaku settings, gift banners...), named in its head
      const roomCss = `/assets/${manifest.app.pages["room/room"][0]}`;
      for (
        const [path, type, needle] of [
          ["/", "text/html", appJs],
          ["/r/lobby", "text/html", appJs],
          ["/r/lobby", "text/html", roomCss],
          [appJs, "text/javascript", "/ws/rooms/"],
          [`/assets/${manifest.app.css[0]}`, "text/css", "@keyframes fly"],
          [roomCss, "text/css", "@keyframes gift-banner"],
        ]
      ) {
        const res = await fetch(`${srv.url}${path}`);
        assert.equal(res.status, 200, path);
        assert.ok(res.headers.get("content-type")?.startsWith(type), path);
        assert.ok((await res.text()).includes(needle), path);
      }
    });
  } finally {
    await srv.close();
  }
});

Deno.test("edge: edge/main.ts on embedded defaults — accounts, gifts, demo, graceful stop", async () => {
  const proc = await startServerProcess(["--demo"]);
  let stopped = false;
  const api = (path: string, body?: unknown, token?: string) =>
    callJson(proc.url, `/api${path}`, { json: body, token });
  try {
    const ready = await (await fetch(`${proc.url}/readyz`)).json();
    assert.deepEqual(ready.checks, { transport: true, store: true, database: true });
    const wsUrl = (room: string) => `${proc.url.replace("http", "ws")}/ws/rooms/${room}`;

    // A registered streamer's room and a registered fan with coins send a gift over the socket.
    const streamer = await api("/auth/register", {
      username: "streamer_e2e",
      password: "correct horse 1",
    });
    assert.equal(streamer.status, 201, JSON.stringify(streamer.body));
    const room = await api("/rooms", { id: "giftroom", title: "Gifts" }, streamer.body.accessToken);
    assert.equal(room.status, 201, JSON.stringify(room.body));
    const fan = await api("/auth/register", { username: "fan_e2e", password: "correct horse 2" });
    const topup = await api(
      "/wallet/topup",
      { amount: "100", idempotencyKey: "topup-e2e-1" },
      fan.body.accessToken,
    );
    assert.equal(topup.status, 201, JSON.stringify(topup.body));
    const fanSocket = await TestViewer.join(wsUrl("giftroom"), "giftroom", fan.body.accessToken);
    assert.equal(fanSocket.welcome.you.kind, "user");
    fanSocket.viewer.send({
      type: "gift",
      giftId: "rose",
      count: 3,
      idempotencyKey: "gift-e2e-0001",
      clientId: "g1",
    });
    const ok = await fanSocket.viewer.next((f) => f.clientId === "g1", 15_000);
    assert.equal(ok.type, "gift_ok", JSON.stringify(ok));
    assert.equal(ok.result.amount, "3");
    await fanSocket.viewer.next((f) =>
      f.type === "batch" &&
      f.events.some((e: { t: string; g?: { count: number } }) => e.t === "gift" && e.g?.count === 3)
    );

    // The demo bots chat in the lobby.
    const session = await api("/session/guest", {});
    const { viewer, welcome } = await TestViewer.join(wsUrl("lobby"), "lobby", session.body.token);
    assert.equal(welcome.room.roomId, "lobby");
    await viewer.next(
      (f) => f.type === "batch" && f.events.some((e: { t: string }) => e.t === "danmaku"),
      15_000,
    );

    // No AUTH_SECRET set: a secret was generated and kept under DATA_DIR.
    assert.ok((await Deno.readTextFile(`${proc.dataDir}/auth_secret`)).length >= 32);
    const result = await proc.stop("SIGTERM");
    stopped = true;
    assert.equal((await viewer.waitClose()).code, CloseCode.goingAway);
    assert.equal((await fanSocket.viewer.waitClose()).code, CloseCode.goingAway);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /"msg":"stopped"/);
  } finally {
    if (!stopped) await proc.stop("SIGKILL");
  }
});
