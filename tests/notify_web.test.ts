/**
 * The web client's notifications in Chromium, against a started server on real Postgres:
 * - nothing asks for notification permission on page load; following a streamer offers push
 *   (the browser's prompt only behind "Turn on");
 * - the streamer goes live: the bell's badge counts it, its panel words it ("… is live"), and
 *   "Mark all read" clears it;
 * - the settings page shows the switches per kind × channel; a switch is saved and still off
 *   after a reload;
 * - the service worker shows a push message as a notification: the message the server encrypted
 *   for a subscription (decrypted by the local push service) is handed to the worker through
 *   Chromium's DevTools protocol (`ServiceWorker.deliverPushMessage`), since headless Chromium
 *   has no push service of its own to subscribe with; the worker shows it
 *   (`registration.getNotifications()`).
 */
import assert from "node:assert/strict";
import { RoomClient } from "../actors/room/client.ts";
import { createRoom } from "../edge/accounts/rooms.ts";
import { signUp } from "./helpers/accounts_app.ts";
import { hasChromium, launchChromium, login, newPage, waitText } from "./helpers/browser.ts";
import { callJson } from "./helpers/http.ts";
import { startPostgresTestServer } from "./helpers/postgres_server.ts";
import { startPushService } from "./helpers/push_service.ts";
import { goLiveAgain } from "./helpers/stream_events.ts";
import { waitForValue } from "./helpers/wait.ts";

const PASSWORD = "a fine password";

Deno.test("notifications web: push offered after a follow, the bell, the settings, the service worker shows a push", async () => {
  if (!(await hasChromium("notifications web"))) return;
  const push = startPushService();
  const { srv, store, close } = await startPostgresTestServer({
    env: { NOTIFY_PUSH_ALLOW_ADDRESSES: "127.0.0.1", NOTIFY_LIVE_COOLDOWN_S: "0" },
  });
  const browser = await launchChromium();
  try {
    const streamer = await signUp(srv, `ws_${Date.now().toString(36)}`);
    await store.query("UPDATE users SET display_name = 'Luna' WHERE id = $1", [streamer.id]);
    const room = await createRoom(store, streamer.id, {
      title: "Late show",
      category: "music",
      coverUrl: null,
      guestChat: true,
    });
    const fanName = `wf_${Date.now().toString(36)}`;
    const fan = await signUp(srv, fanName);

    const errors: string[] = [];
    const page = await newPage(browser, errors);
    await page.goto(`${srv.url}/r/${room.id}`, { waitUntil: "domcontentloaded", timeout: 60_000 });
    await page.evaluate(() => localStorage.setItem("synapse.lang", "en"));
    await login(page, fanName, PASSWORD);
    assert.equal(await page.evaluate("Notification.permission"), "default");
    assert.equal(await page.locator("#push-offer").count(), 0, "no offer before a follow");
    await page.locator("#follow-btn").click({ timeout: 60_000 });
    await waitText(page, "#push-offer", "Luna", 30_000);
    assert.equal(
      await page.evaluate("Notification.permission"),
      "default",
      "the offer itself asks nothing",
    );
    await page.locator("#push-offer button.secondary").click(); // Not now
    await page.locator("#push-offer").waitFor({ state: "detached" });

    // Live: the bell counts it.
    const rooms = new RoomClient(srv.server.actors);
    const at = Date.now();
    await rooms.stream(room.id, { state: "live", eventId: `live:${at}`, at, source: "room" });
    await waitForValue("the inbox row", async () => {
      const r = await callJson(srv.url, "/api/notifications", { token: fan.token });
      return r.body.unread === 1 ? true : undefined;
    });
    await page.goto(`${srv.url}/`, { waitUntil: "domcontentloaded", timeout: 60_000 });
    await waitText(page, "#bell-count", "1", 60_000);
    await page.locator("#bell-btn").click();
    await waitText(page, "#bell-panel", "Luna is live · Late show", 30_000);
    await page.locator("#bell-panel button", { hasText: "Mark all read" }).click();
    await page.locator("#bell-count").waitFor({ state: "detached", timeout: 30_000 });

    // Settings: switch "live" e-mail off, reload, still off.
    await page.goto(`${srv.url}/#/notifications`, {
      waitUntil: "domcontentloaded",
      timeout: 60_000,
    });
    const liveEmail = page.locator('#notify-prefs input[data-kind="live"][data-channel="email"]');
    await liveEmail.waitFor({ timeout: 60_000 });
    assert.equal(await liveEmail.isChecked(), true);
    await liveEmail.uncheck();
    await waitForValue("saved", async () => {
      const r = await callJson(srv.url, "/api/notifications/preferences", { token: fan.token });
      return r.body.preferences?.live?.email === false ? true : undefined;
    });
    await page.reload({ waitUntil: "domcontentloaded", timeout: 60_000 });
    await liveEmail.waitFor({ timeout: 60_000 });
    assert.equal(await liveEmail.isChecked(), false);
    await waitText(page, "#inbox", "Luna is live", 30_000);

    // The service worker shows what the server pushes. A subscription made the way a browser
    // makes it (at the local push service) gets the server's encrypted message for a second
    // live; the decrypted message is handed to this page's worker.
    const { body: key } = await callJson(srv.url, "/api/notifications/push/key");
    const sub = await push.subscribe(key.publicKey);
    const r = await callJson(srv.url, "/api/notifications/push/subscriptions", {
      token: fan.token,
      json: { endpoint: sub.endpoint, keys: sub.keys },
    });
    assert.equal(r.status, 201);
    await goLiveAgain(rooms, room.id, at);
    const pushed = await waitForValue("the server's push", async () => {
      await Promise.resolve();
      return push.received[0];
    }, { timeoutMs: 60_000 });
    assert.deepEqual(push.refusals, []);

    await page.context().grantPermissions(["notifications"], { origin: srv.url });
    const cdp = await page.context().newCDPSession(page);
    const registrations: { registrationId: string; scopeURL: string }[] = [];
    cdp.on("ServiceWorker.workerRegistrationUpdated", (e) => {
      registrations.push(...(e.registrations as typeof registrations));
    });
    await cdp.send("ServiceWorker.enable");
    await page.evaluate(`(async () => {
      await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      await navigator.serviceWorker.ready;
    })()`);
    const reg = await waitForValue("the worker's registration", async () => {
      await Promise.resolve();
      return registrations.find((x) => x.scopeURL === `${srv.url}/`);
    });
    await cdp.send("ServiceWorker.deliverPushMessage", {
      origin: srv.url,
      registrationId: reg.registrationId,
      data: pushed.plaintext,
    });
    const shown = await waitForValue("the notification shown", async () => {
      const list = await page.evaluate(`(async () => {
        const r = await navigator.serviceWorker.getRegistration("/");
        return ((await r?.getNotifications()) ?? [])
          .map((n) => ({ title: n.title, body: n.body, tag: n.tag }));
      })()`) as { title: string; body: string; tag: string }[];
      return list.length ? list : undefined;
    }, { timeoutMs: 30_000, stepMs: 250 });
    const message = JSON.parse(pushed.plaintext);
    assert.deepEqual(shown, [{ title: message.title, body: "Late show", tag: message.tag }]);
    assert.match(message.title, /Luna is live/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await close();
    await push.close();
  }
});
