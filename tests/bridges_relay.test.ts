/**
 * The comment-relay bridge over SSE and WebSocket against local relays: the declared field
 * mapping, bad messages skipped without losing the connection, reconnect after the relay
 * drops, the bearer token sent.
 */
import assert from "node:assert/strict";
import { RelayMapping } from "../actors/bridges/relay/mapping.ts";
import { RelayPlatform } from "../actors/bridges/relay/platform.ts";
import type { BridgeEvent } from "../actors/bridges/events.ts";
import { waitForValue } from "./helpers/wait.ts";

const waitFor = (what: string, cond: () => boolean) =>
  waitForValue(what, () => Promise.resolve(cond() ? true : undefined), { stepMs: 20 });

/** A relay that serves each connection the given lines as SSE, then keeps it open. */
function startSseRelay() {
  const ac = new AbortController();
  const auths: (string | null)[] = [];
  const streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  const enc = new TextEncoder();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: () => {} },
    (req) => {
      auths.push(req.headers.get("authorization"));
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          streams.push(c);
          c.enqueue(enc.encode(": hello\n\n"));
        },
        cancel() {},
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/api/comments/stream`,
    auths,
    streams,
    /** Writes raw SSE text to the newest stream. */
    write(text: string) {
      streams[streams.length - 1].enqueue(enc.encode(text));
    },
    drop() {
      const c = streams[streams.length - 1];
      c.error(new Error("dropped"));
    },
    async close() {
      for (const c of streams) {
        try {
          c.close();
        } catch { /* errored */ }
      }
      ac.abort();
      await server.finished;
    },
  };
}

const chats = (events: BridgeEvent[]) =>
  events.flatMap((e) => e.kind === "chat" ? [`${e.user.platform}:${e.user.name}:${e.text}`] : []);

Deno.test("relay (SSE): Douyin comment rows mapped; bad events skipped; reconnects", async () => {
  const relay = startSseRelay();
  const platform = new RelayPlatform({
    url: relay.url,
    platform: "douyin",
    mapping: RelayMapping.parse({}),
    token: "relay-secret",
    reconnect: { baseMs: 20, maxMs: 100 },
  });
  const events: BridgeEvent[] = [];
  try {
    platform.connect((e) => events.push(e));
    await waitFor("connected", () => relay.streams.length === 1 && platform.health().connected);
    assert.equal(relay.auths[0], "Bearer relay-secret");
    relay.write(`data: {"id":1,"user":"小王","content":"多少钱","ts":1}\n\n`);
    relay.write(`data: {not json\n\n`);
    relay.write(`event: comment\ndata: {"id":2,"user":"小李",\ndata: "content":"有M码吗"}\n\n`);
    relay.write(`data: {"id":3,"content":"no user"}\n\n`);
    relay.write(`data: {"id":4,"user":"小张","content":"包邮吗"}\r\n\r\n`);
    await waitFor("three chats", () => chats(events).length === 3);
    assert.deepEqual(chats(events), [
      "douyin:小王:多少钱",
      "douyin:小李:有M码吗",
      "douyin:小张:包邮吗",
    ]);
    assert.equal(platform.health().malformed, 2);

    relay.drop();
    await waitFor("reconnected", () => relay.streams.length === 2 && platform.health().connected);
    relay.write(`data: {"user":"小赵","content":"回来了"}\n\n`);
    await waitFor("event after reconnect", () => chats(events).length === 4);
    assert.equal(platform.health().reconnects, 1);
  } finally {
    await platform.disconnect();
    await relay.close();
  }
});

Deno.test("relay (WebSocket): a declared mapping with kinds, gifts, unknown kinds ignored", async () => {
  const ac = new AbortController();
  const sockets: WebSocket[] = [];
  const tokens: (string | null)[] = [];
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: () => {} },
    (req) => {
      tokens.push(new URL(req.url).searchParams.get("token"));
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onopen = () => sockets.push(socket);
      return response;
    },
  );
  const platform = new RelayPlatform({
    url: `ws://127.0.0.1:${server.addr.port}/ws`,
    platform: "kuaishou",
    mapping: RelayMapping.parse({
      kind: "type",
      kinds: { msg: "chat", present: "gift" },
      text: "payload.text",
      userId: "payload.uid",
      userName: "payload.nick",
      giftName: "payload.gift",
      count: "payload.n",
      value: "payload.fen",
    }),
    token: "t1",
  });
  const events: BridgeEvent[] = [];
  try {
    platform.connect((e) => events.push(e));
    await waitFor("open", () => sockets.length === 1);
    assert.equal(tokens[0], "t1");
    const s = sockets[0];
    s.send(JSON.stringify({ type: "msg", payload: { uid: 5, nick: "a", text: "hi" } }));
    s.send(JSON.stringify({ type: "heartbeat" }));
    s.send(
      JSON.stringify({
        type: "present",
        payload: { uid: 5, nick: "a", gift: "rose", n: 2, fen: 20 },
      }),
    );
    s.send("garbage");
    s.send(JSON.stringify({ type: "msg", payload: { uid: 6, nick: "b", text: "yo" } }));
    await waitFor("three events", () => events.length === 3);
    assert.deepEqual(events.map((e) => e.kind), ["chat", "gift", "chat"]);
    const gift = events[1];
    assert(gift.kind === "gift");
    assert.deepEqual([gift.giftName, gift.count, gift.value], ["rose", 2, {
      currency: "CNY",
      minor: 20,
    }]);
    const h = platform.health();
    assert.equal(h.unknown, 1);
    assert.equal(h.malformed, 1);
  } finally {
    await platform.disconnect();
    ac.abort();
    await server.finished;
  }
});

Deno.test("relay mapping: paths are validated", () => {
  assert.throws(() => RelayMapping.parse({ text: "a..b" }));
  assert.throws(() => RelayMapping.parse({ extra: 1 }));
});
