/**
 * The typed client (edge/sdk/) against a real server: REST calls typed by the generated `paths`,
 * the room socket joining, saying, gifting with an idempotency key (a resend charges nothing),
 * resuming after a disconnect without losing or repeating a batch, and reconnecting with
 * backoff. Also: its types are what the route declarations generate, and it uses no
 * Deno-only API (it runs in Node and browsers too).
 */
import assert from "node:assert/strict";
import { SDK_TYPES, sdkTypesSource } from "../edge/openapi/write_sdk_types.ts";
import {
  ApiError,
  backoffDelay,
  idempotencyKey,
  isEvent,
  restClient,
  type RoomEvent,
  RoomSocket,
  type RoomSocketEvents,
  unwrap,
} from "../edge/sdk/mod.ts";
import { ServerFrameSchema } from "../edge/protocol_schema.ts";
import { startTestServer } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

Deno.test("sdk: api_types.ts is what the route declarations generate (deno task sdk:types)", async () => {
  const fresh = await sdkTypesSource();
  assert.ok(
    (await Deno.readTextFile(SDK_TYPES)) === fresh,
    "edge/sdk/api_types.ts is stale: run `deno task sdk:types` after changing a route declaration",
  );
});

Deno.test("sdk: only web-standard APIs and its own files or openapi-fetch are imported", async () => {
  const offences: string[] = [];
  for await (const e of Deno.readDir(new URL("../edge/sdk/", import.meta.url))) {
    if (!e.name.endsWith(".ts") || e.name === "api_types.ts") continue;
    const text = await Deno.readTextFile(new URL(`../edge/sdk/${e.name}`, import.meta.url));
    if (/\bDeno\./.test(text)) offences.push(`${e.name}: uses Deno.*`);
    for (const [, spec] of text.matchAll(/from "([^"]+)"/g)) {
      if (!spec.startsWith("./") && spec !== "openapi-fetch") offences.push(`${e.name}: ${spec}`);
    }
  }
  assert.deepEqual(offences, []);
});

Deno.test("sdk: backoff is full jitter under a growing, capped ceiling", () => {
  const top = (attempt: number) => backoffDelay(attempt, undefined, () => 0.999999);
  assert.deepEqual([0, 1, 2, 3].map(top), [249, 499, 999, 1999]);
  assert.equal(top(30), 14_999, "capped at maxMs");
  assert.equal(backoffDelay(5, undefined, () => 0), 0);
});

/** A gate a token function waits on: holds a reconnect until the test opens it. */
function gate() {
  let open!: () => void;
  let promise = Promise.resolve();
  return {
    close() {
      promise = new Promise((r) => open = r);
    },
    open: () => open(),
    wait: () => promise,
  };
}

Deno.test("sdk: REST and the room socket end to end (say, gifts once, resume, backoff)", async () => {
  const srv = await startTestServer({ accounts: true });
  const sockets: RoomSocket[] = [];
  try {
    const anon = restClient({ baseUrl: srv.url });
    const register = (username: string) =>
      unwrap(anon.POST("/api/auth/register", { body: { username, password: "a fine password" } }));
    const host = await register("sdk_host");
    const fan = await register("sdk_fan");
    const asHost = restClient({ baseUrl: srv.url, token: host.accessToken });
    const asFan = restClient({ baseUrl: srv.url, token: () => fan.accessToken });

    const created = await unwrap(
      asHost.POST("/api/rooms", { body: { id: "sdk-room", title: "SDK" } }),
    );
    assert.equal(created.room.id, "sdk-room");
    // Refusals carry the server's code.
    const taken = await unwrap(asHost.POST("/api/rooms", { body: { id: "sdk-room", title: "x" } }))
      .catch((e) => e);
    assert.ok(taken instanceof ApiError);
    assert.equal(taken.code, "room_taken");
    assert.equal(taken.status, 409);

    await unwrap(asFan.POST("/api/wallet/topup", {
      body: { amount: "100", idempotencyKey: idempotencyKey("topup") },
    }));
    const { gifts } = await unwrap(anon.GET("/api/gifts/catalog"));
    const gift = gifts.find((g) => g.active)!;
    const balance = async () => (await unwrap(asFan.GET("/api/wallet"))).balances;
    const before = await balance();

    // The host watches; it reconnects through a token function the test can hold.
    const held = gate();
    let tokenCalls = 0;
    // Every frame the server sends must fit the published schema (edge/protocol_schema.ts).
    const misfits: string[] = [];
    const frameTypes = new Set<string>();
    const checkFrame = (text: string) => {
      const frame = JSON.parse(text);
      frameTypes.add(frame.type);
      const r = ServerFrameSchema.safeParse(frame);
      if (!r.success) misfits.push(`${frame.type}: ${JSON.stringify(r.error.issues[0])}`);
    };
    const hostSocket = new RoomSocket({
      baseUrl: srv.url,
      room: "sdk-room",
      onText: checkFrame,
      token: async () => {
        tokenCalls++;
        await held.wait();
        return host.accessToken;
      },
      backoff: { initialMs: 20, maxMs: 200 },
    });
    sockets.push(hostSocket);
    const seen: RoomEvent[] = [];
    const batchSeqs: number[] = [];
    const states: RoomSocketEvents["state"][] = [];
    hostSocket.on("event", (e) => seen.push(e));
    hostSocket.on("batch", (b) => batchSeqs.push(b.seq));
    hostSocket.on("state", (s) => states.push(s));
    const welcomes: number[] = [];
    hostSocket.on("welcome", (w) => welcomes.push(w.replayed ?? -1));
    const welcome = await hostSocket.connect();
    assert.equal(welcome.room.roomId, "sdk-room");
    assert.equal(welcome.you.name, "sdk_host");

    const fanSocket = new RoomSocket({
      baseUrl: srv.url,
      room: "sdk-room",
      token: fan.accessToken,
      onText: checkFrame,
    });
    sockets.push(fanSocket);
    await fanSocket.connect();
    const texts = () => seen.flatMap((e) => isEvent(e, "danmaku") ? [e.d.text] : []);

    // say → ack, and the host gets it in a batch.
    const ack = await fanSocket.say("hello from the sdk");
    assert.ok(ack.id);
    await waitForValue(
      "the host sees the danmaku",
      () => Promise.resolve(texts().includes("hello from the sdk") || undefined),
    );

    // A gift and its resend with the same key: charged once.
    const key = idempotencyKey("gift");
    const first = await fanSocket.gift(gift.id, 1, { idempotencyKey: key }) as {
      ok: boolean;
      amount: string;
      replayed: boolean;
    };
    assert.equal(first.ok, true, JSON.stringify(first));
    assert.equal(first.replayed, false);
    const again = await fanSocket.gift(gift.id, 1, { idempotencyKey: key }) as typeof first;
    assert.equal(again.replayed, true);
    const after = await balance();
    const spent = BigInt(Object.values(before)[0]!) - BigInt(Object.values(after)[0]!);
    assert.equal(spent, BigInt(first.amount), "charged exactly once");

    // Resume: the host drops its link and is held away while the fan chats; once let back in,
    // it gets the missed batches (every message once, no batch twice).
    held.close();
    const seqBefore = hostSocket.lastSeq!;
    hostSocket.reconnect();
    await waitForValue("the host is away", () => Promise.resolve(tokenCalls >= 2 || undefined));
    const missed = ["while away 1", "while away 2", "while away 3"];
    for (const text of missed) await fanSocket.say(text);
    held.open();
    await waitForValue(
      "the host has every missed message",
      () => Promise.resolve(missed.every((t) => texts().includes(t)) || undefined),
    );
    for (const t of missed) assert.equal(texts().filter((x) => x === t).length, 1, t);
    assert.equal(new Set(batchSeqs).size, batchSeqs.length, "no batch handed over twice");
    assert.ok(hostSocket.lastSeq! > seqBefore);
    assert.ok(welcomes.at(-1)! >= 1, `the missed batches came as a replay: ${welcomes}`);
    assert.ok(states.some((s) => s.state === "reconnecting"));

    assert.deepEqual(misfits, []);
    for (const t of ["welcome", "batch", "ack", "gift_ok"]) assert.ok(frameTypes.has(t), t);

    // Backoff: a token source failing twice costs two retries, then the socket joins.
    let failures = 2;
    const flaky = new RoomSocket({
      baseUrl: srv.url,
      room: "sdk-room",
      token: () => {
        if (failures-- > 0) throw new Error("token service down");
        return fan.accessToken;
      },
      backoff: { initialMs: 20, maxMs: 100 },
    });
    sockets.push(flaky);
    const retries: number[] = [];
    flaky.on("state", (s) => s.state === "reconnecting" && s.attempt && retries.push(s.attempt));
    await flaky.connect();
    assert.deepEqual(retries, [1, 2]);
    assert.equal(flaky.state, "open");

    // A static token the server refuses is final: no reconnect loop.
    const refused = new RoomSocket({ baseUrl: srv.url, room: "sdk-room", token: "not.a.token" });
    sockets.push(refused);
    const err = await refused.connect().catch((e) => e);
    assert.equal(err.code, "closed");
    assert.equal(refused.state, "closed");
  } finally {
    for (const s of sockets) s.close();
    await srv.close();
  }
});
