/**
 * Outbound webhooks end to end on a started server and real Postgres: gifts sent over the
 * room socket reach a streamer's endpoint and the platform's, signed as Standard Webhooks
 * sign (checked with the `standardwebhooks` reference library); an endpoint answering 500
 * gets the same event again (same id) and then 200; a dead endpoint that never answers holds
 * only its own lane while a live one gets every event; the delivery log and manual
 * redelivery work through the API; another streamer's endpoint hears nothing of this room;
 * private addresses are refused. The outbox de-duplicates by the stable event id on both
 * database backends.
 */
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { setRoles } from "../edge/accounts/users.ts";
import { signedHeaders } from "../edge/webhooks/signature.ts";
import { eventId } from "../actors/webhooks/events.ts";
import { newSecret, WebhookStore } from "../actors/webhooks/store.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { dbTest } from "./helpers/db.ts";
import { makeStreamerWithRoom } from "./helpers/economy_fixtures.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { callJson } from "./helpers/http.ts";
import { startPostgresTestServer } from "./helpers/postgres_server.ts";
import { waitForValue } from "./helpers/wait.ts";

interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
}

/** A local receiver; `answer(n)` picks the status of the n-th request (from 0), or holds it. */
function receiver(answer: (n: number) => number | "hold") {
  const got: Received[] = [];
  const held: (() => void)[] = [];
  let open = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.text();
    const n = got.length;
    got.push({
      id: req.headers.get("webhook-id") ?? "",
      timestamp: req.headers.get("webhook-timestamp") ?? "",
      signature: req.headers.get("webhook-signature") ?? "",
      body,
    });
    const status = answer(n);
    if (status === "hold") {
      open++;
      await new Promise<void>((r) => held.push(r));
      open--;
      return new Response("late", { status: 200 });
    }
    return new Response(status < 300 ? "ok" : "no", { status });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    got,
    get open() {
      return open;
    },
    uniqueIds: () => new Set(got.map((g) => g.id)).size,
    async close() {
      for (const r of held.splice(0)) r();
      await server.shutdown();
    },
  };
}

Deno.test("webhooks: signed, retried after 500, a dead endpoint delays nobody, log and redelivery", async () => {
  const pg = await startPostgresTestServer({
    env: {
      WEBHOOK_ALLOW_ADDRESSES: "127.0.0.1",
      WEBHOOK_RETRY_SCHEDULE: "0.3,0.3,0.3,0.3",
      WEBHOOK_TIMEOUT_MS: "120000",
      WEBHOOK_ENDPOINT_CONCURRENCY: "1",
    },
  });
  const { srv, store } = pg;
  const live = receiver(() => 200);
  const flaky = receiver((n) => (n === 0 ? 500 : 200));
  const dead = receiver(() => "hold");
  const other = receiver(() => 200);
  let fanSocket: TestViewer | undefined;
  try {
    const api = (path: string, json?: unknown, token?: string) =>
      callJson(srv.url, `/api${path}`, { json, token });
    const streamer = await signUp(srv, "wh_streamer");
    const rival = await signUp(srv, "wh_rival");
    const fan = await signUp(srv, "wh_fan");
    const admin = await signUp(srv, "wh_admin");
    await setRoles(store, admin.id, ["admin"]);

    // Only streamers (and admins) register endpoints.
    const early = await api("/webhooks/endpoints", { url: live.url }, streamer.token);
    assert.equal(early.status, 403);
    assert.equal(early.body.error.code, "forbidden");
    assert.equal(
      (await api("/rooms", { id: "whroom", title: "Hooks" }, streamer.token)).status,
      201,
    );
    assert.equal((await api("/rooms", { id: "whrival", title: "Other" }, rival.token)).status, 201);

    // The recorder's SSRF rules: private addresses are refused (only 127.0.0.1 is allowed here).
    for (
      const url of ["http://127.0.0.2:9/x", "http://169.254.169.254/latest", "http://10.1.2.3/"]
    ) {
      const r = await api("/webhooks/endpoints", { url }, streamer.token);
      assert.equal(r.status, 403, url);
      assert.equal(r.body.error.code, "url_forbidden", url);
    }
    const ftp = await api("/webhooks/endpoints", { url: "ftp://example.com/x" }, streamer.token);
    assert.equal(ftp.body.error.code, "invalid_request");
    const platformByStreamer = await api(
      "/webhooks/endpoints",
      { url: live.url, scope: "platform" },
      streamer.token,
    );
    assert.equal(platformByStreamer.status, 403);

    const mine = await api(
      "/webhooks/endpoints",
      { url: live.url, eventTypes: ["gift.received"], description: "my shop" },
      streamer.token,
    );
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    const secret: string = mine.body.endpoint.secret;
    assert.match(secret, /^whsec_/);
    const rivals = await api("/webhooks/endpoints", { url: other.url }, rival.token);
    assert.equal(rivals.status, 201);
    const platform = async (url: string) => {
      const r = await api("/webhooks/endpoints", { url, scope: "platform" }, admin.token);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.endpoint as { id: string; secret: string };
    };
    const flakyEp = await platform(flaky.url);
    await platform(dead.url);
    // Someone else's endpoint is not found.
    assert.equal(
      (await api(`/webhooks/endpoints/${mine.body.endpoint.id}`, undefined, fan.token)).body.error
        .code,
      "unknown_endpoint",
    );

    // Three gifts in the room: three events.
    const topup = await api(
      "/wallet/topup",
      { amount: "5000", idempotencyKey: "wh-topup-1" },
      fan.token,
    );
    assert.equal(topup.status, 201);
    const socket = (await TestViewer.join(srv.wsUrl("whroom"), "whroom", fan.token)).viewer;
    fanSocket = socket;
    for (let i = 0; i < 3; i++) {
      socket.send({
        type: "gift",
        giftId: "rocket",
        count: 1,
        idempotencyKey: `wh-gift-${i}-0000`,
        clientId: `g${i}`,
      });
      const ok = await socket.next((f) => f.clientId === `g${i}`, 15_000);
      assert.equal(ok.type, "gift_ok");
    }

    // The live endpoint gets all three while the dead one still holds its first request.
    await waitForValue(
      "three events at the live endpoint",
      () => Promise.resolve(live.uniqueIds() === 3 ? true : undefined),
    );
    // The dead one never answers: whenever its first request arrived, it is still open, and
    // its lane (one request in flight here) sent it nothing more.
    await waitForValue(
      "the dead endpoint holds its first request",
      () => Promise.resolve(dead.open === 1 ? true : undefined),
    );
    assert.equal(dead.got.length, 1);
    assert.equal(live.uniqueIds(), 3);
    const wh = new Webhook(secret);
    for (const g of live.got) {
      const event = wh.verify(g.body, {
        "webhook-id": g.id,
        "webhook-timestamp": g.timestamp,
        "webhook-signature": g.signature,
      }) as { id: string; type: string; data: { roomId: string; gift: { amount: string } } };
      assert.equal(event.id, g.id);
      assert.equal(event.type, "gift.received");
      assert.equal(event.data.roomId, "whroom");
      assert.equal(event.data.gift.amount, "1000");
    }
    assert.throws(() =>
      wh.verify(live.got[0].body.replace("1000", "9000"), {
        "webhook-id": live.got[0].id,
        "webhook-timestamp": live.got[0].timestamp,
        "webhook-signature": live.got[0].signature,
      })
    );

    // The flaky endpoint: its first request got 500, the same event came again and got 200.
    await waitForValue(
      "the flaky endpoint has all three",
      () => Promise.resolve(flaky.uniqueIds() === 3 && flaky.got.length === 4 ? true : undefined),
    );
    // (Other events may go between: the retry waits its turn on the schedule.)
    assert.equal(flaky.got.filter((g) => g.id === flaky.got[0].id).length, 2);
    const log = await waitForValue("the log shows the retry", async () => {
      const r = await api(`/webhooks/endpoints/${flakyEp.id}/deliveries`, undefined, admin.token);
      const retried = r.body.deliveries?.find((d: { attempts: number }) => d.attempts === 2);
      return retried?.status === "delivered" ? retried : undefined;
    });
    assert.deepEqual(
      log.attemptLog.map((a: { status: number | null }) => a.status),
      [500, 200],
    );
    assert.equal(log.eventId, flaky.got[0].id);

    // Manual redelivery: the same event id again (receivers de-duplicate on it).
    const again = await api(`/webhooks/deliveries/${log.id}/redeliver`, {}, admin.token);
    assert.equal(again.status, 202, JSON.stringify(again.body));
    await waitForValue(
      "the redelivery arrives",
      () => Promise.resolve(flaky.got.length === 5 ? true : undefined),
    );
    assert.equal(flaky.got[4].id, log.eventId);
    assert.equal(flaky.uniqueIds(), 3);
    const after = await waitForValue("the manual attempt is logged", async () => {
      const r = await api(`/webhooks/endpoints/${flakyEp.id}/deliveries`, undefined, admin.token);
      const d = r.body.deliveries.find((x: { id: string }) => x.id === log.id);
      return d?.attempts === 3 ? d : undefined;
    });
    assert.equal(after.attemptLog[2].manual, true);
    assert.equal(
      (await api(`/webhooks/deliveries/${log.id}/redeliver`, {}, fan.token)).body.error.code,
      "unknown_delivery",
    );

    // The rival's endpoint heard nothing of this room (deliveries are made with the events).
    const theirs = await api(
      `/webhooks/endpoints/${rivals.body.endpoint.id}/deliveries`,
      undefined,
      rival.token,
    );
    assert.deepEqual(theirs.body.deliveries, []);
    assert.equal(other.got.length, 0);

    // A test event goes to the one endpoint asked.
    const test = await api(`/webhooks/endpoints/${mine.body.endpoint.id}/test`, {}, streamer.token);
    assert.equal(test.status, 202);
    await waitForValue(
      "the test event",
      () => Promise.resolve(live.got.some((g) => g.id === test.body.eventId) ? true : undefined),
    );
    assert.equal(other.got.length, 0);
  } finally {
    await fanSocket?.close();
    await pg.close();
    for (const r of [live, flaky, dead, other]) await r.close();
  }
});

dbTest(
  "webhooks outbox: one event per stable id, routed by owner and event type",
  async ({ store }) => {
    const hooks = new WebhookStore(store);
    const { streamerId, roomId } = await makeStreamerWithRoom(store);
    const { streamerId: otherId } = await makeStreamerWithRoom(store);
    const all = await hooks.createEndpoint({
      ownerId: null,
      url: "https://a.example/h",
      description: "",
      eventTypes: [],
    });
    const giftsOnly = await hooks.createEndpoint({
      ownerId: streamerId,
      url: "https://b.example/h",
      description: "",
      eventTypes: ["gift.received"],
    });
    const others = await hooks.createEndpoint({
      ownerId: otherId,
      url: "https://c.example/h",
      description: "",
      eventTypes: [],
    });
    const gift = {
      type: "gift.received" as const,
      key: `${roomId}/g1`,
      roomId,
      at: Date.now(),
      data: { n: 1 },
    };
    const row = { id: await eventId(gift.type, gift.key), event: gift };
    assert.equal(await hooks.insertEvents([row]), 2); // platform + the room owner's
    assert.equal(await hooks.insertEvents([row]), 0); // the same fact again: nothing new
    assert.equal(await hooks.insertEvents([row, row]), 0);
    const mod = {
      type: "moderation.action" as const,
      key: `${roomId}/m1`,
      roomId,
      at: Date.now(),
      data: {},
    };
    assert.equal(
      await hooks.insertEvents([{ id: await eventId(mod.type, mod.key), event: mod }]),
      1,
    );
    const count = async (id: string) => (await hooks.deliveries(id, { limit: 50 })).length;
    assert.deepEqual([await count(all.id), await count(giftsOnly.id), await count(others.id)], [
      2,
      1,
      0,
    ]);
    // A disabled endpoint gets nothing new.
    await hooks.updateEndpoint(all.id, { enabled: false });
    const gift2 = { ...gift, key: `${roomId}/g2` };
    assert.equal(
      await hooks.insertEvents([{ id: await eventId(gift2.type, gift2.key), event: gift2 }]),
      1,
    );
  },
);

Deno.test("webhook signature: what the reference library verifies, and nothing else", async () => {
  const secret = newSecret();
  const body = JSON.stringify({ id: "evt_1", type: "webhook.test", data: { a: "é" } });
  const headers = await signedHeaders(secret, "evt_1", body);
  const wh = new Webhook(secret);
  assert.deepEqual(wh.verify(body, headers), JSON.parse(body));
  assert.throws(() => wh.verify(body + " ", headers));
  assert.throws(() => new Webhook(newSecret()).verify(body, headers));
  // A stale timestamp (over five minutes) is refused by receivers.
  const old = await signedHeaders(secret, "evt_1", body, Date.now() - 10 * 60_000);
  assert.throws(() => wh.verify(body, old));
});
