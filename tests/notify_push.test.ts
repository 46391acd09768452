/**
 * Web Push end to end: a follower's "browser" subscribes through the API with the server's
 * VAPID key; the streamer's room goes live; the local push service (tests/helpers/
 * push_service.ts, written from RFC 8030/8291/8292) checks the VAPID JWT and decrypts the
 * aes128gcm message with the subscription's private key: it is the live notification, with the
 * event id as its Topic. A subscription the push service answers 410 for is dropped. Endpoints
 * on private networks are refused; the VAPID key is made once and kept across a restart.
 */
import assert from "node:assert/strict";
import { RoomClient } from "../actors/room/client.ts";
import { createRoom } from "../edge/accounts/rooms.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { callJson } from "./helpers/http.ts";
import { startPostgresTestServer } from "./helpers/postgres_server.ts";
import { startPushService } from "./helpers/push_service.ts";
import { goLiveAgain } from "./helpers/stream_events.ts";
import { waitForValue } from "./helpers/wait.ts";

Deno.test("notifications push: VAPID-signed, aes128gcm-encrypted live notification reaches the follower's browser", async () => {
  const push = startPushService();
  const { srv, store, close } = await startPostgresTestServer({
    env: { NOTIFY_PUSH_ALLOW_ADDRESSES: "127.0.0.1", NOTIFY_LIVE_COOLDOWN_S: "0" },
  });
  try {
    const streamer = await signUp(srv, `ps_${Date.now().toString(36)}`);
    const room = await createRoom(store, streamer.id, {
      title: "Night drive",
      category: "music",
      coverUrl: null,
      guestChat: true,
    });
    const fan = await signUp(srv, `pf_${Date.now().toString(36)}`);
    await callJson(srv.url, `/api/users/${streamer.id}/follow`, { token: fan.token, json: {} });

    const { body: keyBody } = await callJson(srv.url, "/api/notifications/push/key");
    const serverKey = keyBody.publicKey as string;
    assert.match(serverKey, /^[\w-]{87}$/, "an uncompressed P-256 point, base64url");
    const browser = await push.subscribe(serverKey);
    const old = await push.subscribe(serverKey);
    for (const sub of [browser, old]) {
      const r = await callJson(srv.url, "/api/notifications/push/subscriptions", {
        token: fan.token,
        json: { endpoint: sub.endpoint, keys: sub.keys, expirationTime: null },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    push.forget(old.id); // that browser unsubscribed behind our back: 410 Gone
    const privateNet = await callJson(srv.url, "/api/notifications/push/subscriptions", {
      token: fan.token,
      json: { endpoint: "https://192.168.1.20/push/x", keys: browser.keys },
    });
    assert.deepEqual([privateNet.status, privateNet.body.error?.code], [403, "url_forbidden"]);
    const prefs = await callJson(srv.url, "/api/notifications/preferences", { token: fan.token });
    assert.equal(prefs.body.push.subscriptions, 2);
    assert.equal(prefs.body.push.publicKey, serverKey);

    const rooms = new RoomClient(srv.server.actors);
    const at = Date.now();
    await rooms.stream(room.id, { state: "live", eventId: `live:${at}`, at, source: "room" });
    const got = await waitForValue("the push message", async () => {
      await Promise.resolve();
      return push.received[0];
    }, { timeoutMs: 60_000 });
    assert.deepEqual(push.refusals, []);
    assert.equal(got.subscription, browser.id);
    const message = JSON.parse(got.plaintext);
    assert.equal(message.kind, "live");
    assert.match(message.title, /is live/);
    assert.equal(message.body, "Night drive");
    assert.equal(message.path, `/r/${room.id}`);
    assert.match(message.tag, /^evt_[0-9a-f]{26}$/);
    assert.equal(got.topic, message.tag, "RFC 8030 Topic: the event id");
    assert.ok(Number(got.ttl) > 0);
    assert.equal(got.claims.aud, push.origin);

    // The 410 dropped the old subscription; the working one stays.
    await waitForValue("the gone subscription dropped", async () => {
      const p = await callJson(srv.url, "/api/notifications/preferences", { token: fan.token });
      return p.body.push.subscriptions === 1 ? true : undefined;
    });
    const [sendRow] = await store.query<{ status: string }>(
      "SELECT status FROM notification_sends WHERE channel = 'push'",
    );
    assert.equal(sendRow.status, "sent");

    // Push off for live: the next live reaches the inbox, not the browser.
    const res = await fetch(`${srv.url}/api/notifications/preferences`, {
      method: "PUT",
      headers: { authorization: `Bearer ${fan.token}`, "content-type": "application/json" },
      body: JSON.stringify({ changes: [{ kind: "live", channel: "push", enabled: false }] }),
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    const notJson = await fetch(`${srv.url}/api/notifications/preferences`, {
      method: "PUT",
      headers: { authorization: `Bearer ${fan.token}`, "content-type": "text/plain" },
      body: "live=off",
    });
    assert.deepEqual([notJson.status, (await notJson.json()).error?.code], [
      400,
      "invalid_request",
    ]);
    await goLiveAgain(rooms, room.id, at);
    await waitForValue("the second inbox row", async () => {
      const r = await callJson(srv.url, "/api/notifications", { token: fan.token });
      return r.body.notifications?.length === 2 ? true : undefined;
    });
    const [{ n }] = await store.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM notification_sends WHERE channel = 'push'",
    );
    assert.equal(Number(n), 1, "no push send for the second live");
    assert.equal(push.received.length, 1);

    const del = await fetch(
      `${srv.url}/api/notifications/push/subscriptions?endpoint=${
        encodeURIComponent(browser.endpoint)
      }`,
      { method: "DELETE", headers: { authorization: `Bearer ${fan.token}` } },
    );
    assert.equal(del.status, 200);
    await del.body?.cancel();
  } finally {
    await close();
    await push.close();
  }
});
