/**
 * Bridged chat in the room, end to end on the real server: a Bilibili room linked through the
 * REST API; its chat reaches viewers in the same batches as native danmaku, tagged `via`
 * (platform, link, outside user), through the same intake (the AI moderation hides a
 * profanity, the per-user rate limit applies to each outside user); its gifts are shown with
 * their platform and value and never touch a wallet; its audience is counted apart from the
 * room's own viewers. The co-host takes native and bridged chat in arrival order and its
 * events reach the viewers' batches.
 */
import assert from "node:assert/strict";
import { commandPacket, danmuMsg, startBilibiliServer } from "./helpers/bilibili_server.ts";
import { type Frame, TestViewer } from "./helpers/edge_client.ts";
import { startTestServer } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

const events = (v: TestViewer) =>
  v.frames.filter((f) => f.type === "batch").flatMap((f) => f.events as Frame[]);

Deno.test("bridged chat takes the room's intake, is tagged, gifts shown not booked, audiences apart; the co-host answers both", async () => {
  const bili = startBilibiliServer();
  const server = await startTestServer({
    env: {
      BILIBILI_LIVE_API: bili.baseUrl,
      BILIBILI_API: bili.baseUrl,
      BILIBILI_WS_SCHEME: "ws",
      BILIBILI_HEARTBEAT_MS: "500",
    },
  });
  const admin = await server.mintToken({ sub: "root", name: "root", roles: ["admin"] });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const guest = await server.guest("native");
  const { viewer } = await TestViewer.join(server.wsUrl("r1"), "r1", guest.token);
  try {
    const linked = await api("POST", "/api/rooms/r1/bridges", {
      platform: "bilibili",
      roomId: bili.shortId,
    });
    assert.equal(linked.status, 201, JSON.stringify(linked.body));
    const linkId = linked.body.link.id;
    await waitForValue(
      "bridge connected",
      () => Promise.resolve(bili.sockets.length === 1 || undefined),
    );

    bili.send(commandPacket({ cmd: "WATCHED_CHANGE", data: { num: 4321 } }));
    await waitForValue("outside audience reported alone", async () => {
      const r = await api("GET", "/api/rooms/r1");
      return r.body.room.bridgedViewers?.bilibili === 4321 || undefined;
    });
    bili.send(commandPacket(danmuMsg(11, "远方观众", "来自B站的问候")));
    bili.send(commandPacket(danmuMsg(12, "坏人", "kys loser")));
    for (let i = 0; i < 12; i++) bili.send(commandPacket(danmuMsg(13, "刷屏", `刷屏 ${i}`)));
    bili.send(commandPacket({
      cmd: "SEND_GIFT",
      data: {
        uid: 11,
        uname: "远方观众",
        giftName: "小花花",
        num: 5,
        coin_type: "gold",
        total_coin: 500,
      },
    }));
    bili.send(commandPacket({ cmd: "WATCHED_CHANGE", data: { num: 4321 } }));

    const bridged = () => events(viewer).filter((e) => e.t === "danmaku" && e.d.via);
    await waitForValue(
      "bridged greeting",
      () => Promise.resolve(bridged().some((e) => e.d.text === "来自B站的问候") || undefined),
    );
    await waitForValue(
      "the gift",
      () =>
        Promise.resolve(
          events(viewer).some((e) => e.t === "bridged" && e.kind === "gift") || undefined,
        ),
    );
    const greet = bridged().find((e) => e.d.text === "来自B站的问候")!;
    assert.deepEqual(greet.d.via, { platform: "bilibili", linkId, userId: "11" });
    assert.equal(greet.d.userId, "bilibili:11");
    assert.equal(greet.d.name, "远方观众");
    assert(
      !bridged().some((e) => /kys/.test(e.d.text)),
      "the abuse was moderated away (sender muted)",
    );
    const flood = bridged().filter((e) => e.d.userId === "bilibili:13").length;
    assert(
      flood >= 1 && flood < 12,
      `the outside user's rate limit applied (${flood} of 12 shown)`,
    );
    const gift = events(viewer).find((e) => e.t === "bridged" && e.kind === "gift")!;
    assert.deepEqual(
      [gift.platform, gift.giftName, gift.count, gift.value],
      ["bilibili", "小花花", 5, { currency: "CNY", minor: 50 }],
    );
    const info = await waitForValue("outside audience counted", async () => {
      const r = await api("GET", "/api/rooms/r1");
      const room = r.body.room;
      return room.bridgedViewers?.bilibili === 4321 && room.viewers === 1 ? room : undefined;
    });
    assert.deepEqual([info.viewers, info.bridgedViewers], [1, { bilibili: 4321 }]);

    const health = await api("GET", "/api/rooms/r1/bridges");
    assert.equal(health.status, 200);
    assert.equal(health.body.links[0].health.platform.connected, true);
    assert(health.body.links[0].health.forwarded >= 15);

    // The co-host: native and bridged chat, in arrival order, events in the viewers' batches.
    const put = await api("PUT", "/api/rooms/r1/cohost", {
      enabled: true,
      language: "en",
      voice: false,
    });
    assert.equal(put.status, 200);
    viewer.send({ type: "say", text: "hello co-host", clientId: "c1" });
    await viewer.next((f) => f.type === "ack" && f.clientId === "c1");
    bili.send(commandPacket(danmuMsg(14, "远方", "hi from bilibili")));
    const taken = () => events(viewer).filter((e) => e.t === "cohost" && e.op === "taken");
    await waitForValue("both taken", () => Promise.resolve(taken().length >= 2 || undefined));
    assert.deepEqual(
      taken().map((e) => [e.input.origin, e.input.text, e.input.platform ?? null]),
      [["native", "hello co-host", null], ["bridged", "hi from bilibili", "bilibili"]],
    );
    await waitForValue("spoken sentences", () =>
      Promise.resolve(
        events(viewer).filter((e) => e.t === "cohost" && e.op === "end").length >= 2 || undefined,
      ));
    const sentence = events(viewer).find((e) => e.t === "cohost" && e.op === "sentence")!;
    assert.equal(sentence.source, "local");

    const unlinked = await api("DELETE", `/api/rooms/r1/bridges/${linkId}`);
    assert.equal(unlinked.status, 200);
    await waitForValue(
      "bridge gone",
      () => Promise.resolve(bili.sockets.length === 0 || undefined),
    );
    const bad = await api("POST", "/api/rooms/r1/bridges", { platform: "bilibili", roomId: "x" });
    assert.deepEqual([bad.status, bad.body.error.code], [400, "bad_link"]);
    const forbidden = await fetch(`${server.url}/api/rooms/r1/bridges`, {
      headers: { authorization: `Bearer ${guest.token}` },
    });
    assert.equal(forbidden.status, 403);
    await forbidden.body?.cancel();
  } finally {
    viewer.socket.close();
    await server.close();
    await bili.close();
  }
});

Deno.test("a Douyin comment relay linked through the API: its comments reach viewers tagged douyin", async () => {
  const enc = new TextEncoder();
  const streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  const ac = new AbortController();
  const relay = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: () => {} },
    () =>
      new Response(
        new ReadableStream<Uint8Array>({ start: (c) => void streams.push(c) }),
        { headers: { "content-type": "text/event-stream" } },
      ),
  );
  const server = await startTestServer();
  const admin = await server.mintToken({ sub: "root", name: "root", roles: ["admin"] });
  const guest = await server.guest("native");
  const { viewer } = await TestViewer.join(server.wsUrl("r2"), "r2", guest.token);
  try {
    const res = await fetch(`${server.url}/api/rooms/r2/bridges`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({
        platform: "relay",
        name: "douyin",
        url: `http://127.0.0.1:${relay.addr.port}/api/douyin/comments`,
        mapping: { text: "content", userId: "user_id", userName: "user" },
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { link } = await res.json();
    assert.equal(link.platform, "douyin");
    await waitForValue("relay connected", () => Promise.resolve(streams.length === 1 || undefined));
    streams[0].enqueue(
      enc.encode(
        `data: {"id":1,"user_id":"dy42","user":"抖音用户","content":"有优惠吗","ts":1}\n\n`,
      ),
    );
    const got = await viewer.next((f) =>
      f.type === "batch" && f.events.some((e: Frame) => e.t === "danmaku" && e.d.via)
    );
    const d = got.events.find((e: Frame) => e.t === "danmaku" && e.d.via).d;
    assert.deepEqual([d.text, d.name, d.userId, d.via], [
      "有优惠吗",
      "抖音用户",
      "douyin:dy42",
      { platform: "douyin", linkId: link.id, userId: "dy42" },
    ]);
  } finally {
    viewer.socket.close();
    await server.close();
    for (const c of streams) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    ac.abort();
    await relay.finished;
  }
});
