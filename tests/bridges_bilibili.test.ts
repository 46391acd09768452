/**
 * The Bilibili bridge: the packet codec (batches, compression, broken packets), the command
 * mapping, and the platform client against a local Bilibili-protocol server (room id
 * resolution, auth, heartbeats, compressed batches, malformed packets, a dropped connection,
 * a silent server, a clean disconnect).
 */
import assert from "node:assert/strict";
import {
  type BiliPacket,
  decodeFrame,
  encodePacket,
  newDecodeStats,
  Op,
  ProtoVer,
} from "../actors/bridges/bilibili/packet.ts";
import { mapCommand } from "../actors/bridges/bilibili/commands.ts";
import { keyOfUrl, mixinKey, signParams } from "../actors/bridges/bilibili/wbi.ts";
import { BilibiliPlatform } from "../actors/bridges/bilibili/platform.ts";
import type { BridgeEvent } from "../actors/bridges/events.ts";
import {
  commandPacket,
  compressedBatch,
  concat,
  danmuMsg,
  startBilibiliServer,
} from "./helpers/bilibili_server.ts";
import { waitForValue } from "./helpers/wait.ts";

const waitFor = (what: string, cond: () => boolean) =>
  waitForValue(what, () => Promise.resolve(cond() ? true : undefined), { stepMs: 20 });

function decode(frame: Uint8Array) {
  const out: BiliPacket[] = [];
  const stats = newDecodeStats();
  decodeFrame(frame, out, stats);
  return { out, stats, cmds: out.filter((p) => p.op === Op.command).map((p) => p.command) };
}

Deno.test("codec: several raw packets in one frame decode in order", () => {
  const frame = concat(commandPacket({ cmd: "A" }), commandPacket({ cmd: "B" }));
  const { cmds, stats } = decode(frame);
  assert.deepEqual(cmds, [{ cmd: "A" }, { cmd: "B" }]);
  assert.deepEqual(stats.skipped, 0);
});

Deno.test("codec: zlib and brotli batches unpack to their packets", () => {
  for (const kind of ["zlib", "brotli"] as const) {
    const frame = concat(
      compressedBatch([{ cmd: "A" }, { cmd: "B" }, { cmd: "C" }], kind),
      commandPacket({ cmd: "D" }),
    );
    const { cmds, stats } = decode(frame);
    assert.deepEqual(cmds.map((c) => (c as { cmd: string }).cmd), ["A", "B", "C", "D"], kind);
    assert.deepEqual(stats.skipped, 0);
  }
});

Deno.test("codec: a lying length, bad compression and bad JSON are skipped; the rest survives", () => {
  const lying = commandPacket({ cmd: "LIE" });
  new DataView(lying.buffer).setUint32(0, 1_000_000); // claims more bytes than the frame holds
  const badZlib = encodePacket(Op.command, new Uint8Array([1, 2, 3, 4, 5]), ProtoVer.zlib);
  const badJson = encodePacket(Op.command, new TextEncoder().encode("{nope"), ProtoVer.json);
  const shortHeader = commandPacket({ cmd: "SHORT" });
  new DataView(shortHeader.buffer).setUint32(0, 8); // shorter than its own header
  const frame = concat(
    commandPacket({ cmd: "A" }),
    lying,
    badZlib,
    commandPacket({ cmd: "B" }),
    badJson,
    shortHeader,
    compressedBatch([{ cmd: "C" }], "brotli"),
  );
  const { cmds, stats } = decode(frame);
  assert.deepEqual(cmds.map((c) => (c as { cmd: string }).cmd), ["A", "B", "C"]);
  assert(stats.skipped >= 4, `skipped ${stats.skipped}`);
});

Deno.test("codec: a truncated tail is counted, the packets before it kept", () => {
  const whole = commandPacket({ cmd: "TAIL" });
  const frame = concat(commandPacket({ cmd: "A" }), whole.subarray(0, whole.length - 3));
  const { cmds, stats } = decode(frame);
  assert.deepEqual(cmds, [{ cmd: "A" }]);
  assert.deepEqual(stats.skipped, 1);
  const { stats: s2 } = decode(new Uint8Array([0, 0, 0]));
  assert.deepEqual(s2.skipped, 1);
});

Deno.test("codec: heartbeat reply carries popularity even with the echoed client body", () => {
  const reply = encodePacket(Op.heartbeatReply, new Uint8Array([0, 0, 0x10, 0x92]));
  const echoed = concat(reply, new TextEncoder().encode("[object Object]"));
  const { out, stats } = decode(echoed);
  assert.deepEqual(out, [{ op: Op.heartbeatReply, popularity: 4242 }]);
  assert.deepEqual(stats.skipped, 0);
});

Deno.test("commands: the seven mapped commands become events; others are unknown", () => {
  const now = 1000;
  const ev = (body: unknown) => {
    const out = mapCommand(body, now);
    if (out.kind !== "event") throw new Error(`not an event: ${JSON.stringify(out)}`);
    return out.event;
  };
  const user = { platform: "bilibili", id: "11", name: "阿狸" };
  assert.deepEqual(ev(danmuMsg(11, "阿狸", "你好")), { kind: "chat", user, text: "你好", at: now });
  assert.deepEqual(
    ev({
      cmd: "SEND_GIFT",
      data: {
        uid: 11,
        uname: "阿狸",
        giftName: "小心心",
        num: 3,
        coin_type: "gold",
        total_coin: 3000,
      },
    }),
    {
      kind: "gift",
      user,
      giftName: "小心心",
      count: 3,
      value: { currency: "CNY", minor: 300 },
      at: now,
    },
  );
  assert.deepEqual(
    ev({
      cmd: "SEND_GIFT",
      data: {
        uid: 11,
        uname: "阿狸",
        giftName: "辣条",
        num: 1,
        coin_type: "silver",
        total_coin: 100,
      },
    }).kind === "gift",
    true,
  );
  assert.deepEqual(
    ev({
      cmd: "SUPER_CHAT_MESSAGE",
      data: { uid: 11, price: 30, message: "加油", user_info: { uname: "阿狸" } },
    }),
    { kind: "superchat", user, text: "加油", value: { currency: "CNY", minor: 3000 }, at: now },
  );
  assert.deepEqual(
    ev({
      cmd: "GUARD_BUY",
      data: { uid: 11, username: "阿狸", guard_level: 3, num: 1, price: 198000 },
    }),
    {
      kind: "membership",
      user,
      tier: "舰长",
      count: 1,
      value: { currency: "CNY", minor: 19800 },
      at: now,
    },
  );
  assert.deepEqual(
    ev({ cmd: "INTERACT_WORD", data: { uid: 11, uname: "阿狸", msg_type: 1 } }).kind,
    "enter",
  );
  assert.deepEqual(
    ev({ cmd: "INTERACT_WORD", data: { uid: 11, uname: "阿狸", msg_type: 2 } }).kind,
    "follow",
  );
  assert.deepEqual(ev({ cmd: "LIKE_INFO_V3_CLICK", data: { uid: 11, uname: "阿狸" } }), {
    kind: "like",
    user,
    at: now,
  });
  assert.deepEqual(ev({ cmd: "WATCHED_CHANGE", data: { num: 321 } }), {
    kind: "viewers",
    platform: "bilibili",
    count: 321,
    at: now,
  });
  assert.deepEqual(
    ev({
      cmd: "DANMU_MSG:4:0:2:2:2:0",
      info: (danmuMsg(11, "阿狸", "x") as { info: unknown }).info,
    }).kind,
    "chat",
  );
  assert.deepEqual(mapCommand({ cmd: "ONLINE_RANK_COUNT", data: {} }, now), {
    kind: "unknown",
    cmd: "ONLINE_RANK_COUNT",
  });
  assert.deepEqual(mapCommand({ cmd: "DANMU_MSG", info: [[], 5] }, now).kind, "malformed");
  assert.deepEqual(
    mapCommand({ cmd: "SEND_GIFT", data: { uid: 11, num: -1 } }, now).kind,
    "malformed",
  );
  assert.deepEqual(mapCommand("nope", now).kind, "malformed");
});

Deno.test("wbi: the documented example signs to the documented w_rid", () => {
  const img = keyOfUrl("https://i0.hdslb.com/bfs/wbi/7cd084941338484aae1ad9425b84077c.png");
  const sub = keyOfUrl("https://i0.hdslb.com/bfs/wbi/4932caff0ff746eab6f01bf08b70ac45.png");
  const mixin = mixinKey(img, sub);
  assert.equal(mixin, "ea1db124af3c7062474693fa704f4ff8");
  const signed = signParams({ foo: "114", bar: "514", zab: 1919810 }, mixin, 1702204169);
  assert.equal(signed.w_rid, "8f6f2b5b3d485fe1886cec6a0be8c5d4");
  assert.equal(signed.wts, "1702204169");
  // Values are cleaned of !'()* before signing; a different value signs differently.
  assert.equal(signParams({ a: "x(y)" }, mixin, 1).w_rid, signParams({ a: "xy" }, mixin, 1).w_rid);
  assert.notEqual(signParams({ a: "x" }, mixin, 1).w_rid, signParams({ a: "y" }, mixin, 1).w_rid);
});

function platformFor(
  server: ReturnType<typeof startBilibiliServer>,
  extra: Partial<ConstructorParameters<typeof BilibiliPlatform>[0]> = {},
) {
  return new BilibiliPlatform({
    roomId: server.shortId,
    liveApiBase: server.baseUrl,
    apiBase: server.baseUrl,
    wsScheme: "ws",
    heartbeatMs: 100,
    receiveTimeoutMs: 600,
    reconnect: { baseMs: 20, maxMs: 200 },
    ...extra,
  });
}

const texts = (events: BridgeEvent[]) => events.flatMap((e) => e.kind === "chat" ? [e.text] : []);

Deno.test("platform: resolves the short id, authenticates, decodes batches, survives bad packets", async () => {
  const server = startBilibiliServer();
  const platform = platformFor(server);
  const events: BridgeEvent[] = [];
  try {
    platform.connect((e) => events.push(e));
    await waitFor("authenticated", () => server.sockets.length === 1);
    const auth = server.auths[0];
    assert.deepEqual(auth.roomid, server.realId);
    assert.deepEqual(auth.key, server.token);
    assert.deepEqual(auth.protover, 3);
    await waitFor("heartbeat answered", () => server.heartbeats >= 2);

    const lying = commandPacket(danmuMsg(1, "a", "lost"));
    new DataView(lying.buffer).setUint32(0, 99_999);
    server.send(commandPacket(danmuMsg(1, "a", "one")));
    server.send(compressedBatch([danmuMsg(1, "a", "two"), danmuMsg(2, "b", "three")], "zlib"));
    server.send(concat(lying, commandPacket(danmuMsg(1, "a", "four"))));
    server.send(new Uint8Array([9, 9, 9]));
    server.send(compressedBatch([{ cmd: "UNKNOWN_THING" }, danmuMsg(3, "c", "five")], "brotli"));
    await waitFor("five chats", () => texts(events).length >= 5);
    assert.deepEqual(texts(events), ["one", "two", "three", "four", "five"]);
    const h = platform.health();
    assert(h.connected);
    assert.deepEqual(h.unknown, 1);
    assert(h.malformed >= 2, `malformed ${h.malformed}`);
    assert.deepEqual(h.reconnects, 0);
    assert(h.lastEventAt !== null);
  } finally {
    await platform.disconnect();
    await server.close();
  }
});

Deno.test("platform: a dropped connection and a silent server both reconnect", async () => {
  const server = startBilibiliServer();
  const platform = platformFor(server);
  const events: BridgeEvent[] = [];
  try {
    platform.connect((e) => events.push(e));
    await waitFor("connected", () => server.sockets.length === 1);
    server.dropAll();
    await waitFor(
      "reconnected after drop",
      () => server.sockets.length === 1 && platform.health().reconnects === 1,
    );
    server.send(commandPacket(danmuMsg(1, "a", "after drop")));
    await waitFor("event after reconnect", () => texts(events).includes("after drop"));

    server.silent = true;
    const before = server.connectionsTotal;
    await waitFor("silence detected, new connection", () => server.connectionsTotal > before);
    server.silent = false;
    await waitFor(
      "reconnected after silence",
      () => platform.health().connected && platform.health().reconnects >= 2,
    );
    assert((platform.health().lastError ?? "").includes("no data"));
    assert(platform.health().errors >= 2);
  } finally {
    await platform.disconnect();
    await server.close();
  }
});

Deno.test("platform: the cookie goes to the API, gives the uid, and disconnect is clean", async () => {
  const server = startBilibiliServer({ loginMid: 777 });
  const platform = platformFor(server, { cookie: "SESSDATA=good; buvid3=x" });
  const events: BridgeEvent[] = [];
  try {
    platform.connect((e) => events.push(e));
    await waitFor("connected", () => server.sockets.length === 1);
    assert.deepEqual(server.auths[0].uid, 777);
    assert(server.cookies.every((c) => c === "SESSDATA=good; buvid3=x"));
    await platform.disconnect();
    assert.deepEqual(platform.health().connected, false);
    await waitFor("server saw the close", () => server.sockets.length === 0);
    server.send(commandPacket(danmuMsg(1, "a", "late")));
    assert.deepEqual(texts(events), []);
    assert(!JSON.stringify(platform.health()).includes("SESSDATA"));
  } finally {
    await platform.disconnect();
    await server.close();
  }
});

Deno.test("platform: a refused auth is an error and is retried", async () => {
  const server = startBilibiliServer();
  server.authCode = -101;
  const platform = platformFor(server);
  try {
    platform.connect(() => {});
    await waitFor("two refused attempts", () => server.auths.length >= 2);
    const h = platform.health();
    assert.deepEqual(h.connected, false);
    assert((h.lastError ?? "").includes("auth refused"));
    server.authCode = 0;
    await waitFor("accepted at last", () => platform.health().connected);
  } finally {
    await platform.disconnect();
    await server.close();
  }
});
