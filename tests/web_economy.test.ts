/**
 * The web client as people use it, in headless Chromium against a started server with
 * accounts and the economy (PGlite): a streamer registers, creates a room in the studio and
 * marks it live; a viewer (second browser context) signs in, follows, tops up and sends a
 * gift; the streamer sees the gift animation and the leaderboard update, and mutes the viewer
 * from a danmaku's menu (a viewer's menu offers Report only); guest chat turned off on the
 * dashboard shows guests the refusal; the older console's address leads to the dashboard.
 * Set WEB_SCREENSHOT=path to keep a screenshot of the streamer's room view.
 * Withdrawals (on Postgres, so the test can make a platform admin): the streamer requests on
 * the dashboard, an admin pays / rejects on the operator page (the older Finance address
 * leads there), the streamer sees each state.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { setRoles } from "../edge/accounts/users.ts";
import { hasChromium, launchChromium, login, newPage, waitText } from "./helpers/browser.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { giftRocket } from "./helpers/economy_fixtures.ts";
import { startPostgresTestServer } from "./helpers/postgres_server.ts";
import { startTestServer } from "./helpers/server.ts";
import { callJson } from "./helpers/http.ts";

/** POST as the web client does; the call must succeed. */
async function postOk(base: string, path: string, json: unknown, token?: string) {
  const { status, body } = await callJson(base, path, { json, token });
  assert.ok(status >= 200 && status < 300, JSON.stringify(body));
  return body;
}

const enabled = await hasChromium("web_economy");

async function register(page: Page, username: string) {
  await page.click("#login-btn");
  await page.fill("#register-form [name=username]", username);
  await page.fill("#register-form [name=displayName]", username.replace("_", " "));
  await page.fill("#register-form [name=password]", "correct horse battery");
  await page.click("#register-submit");
  await waitText(page, "#me", "signed in as");
}

Deno.test({
  name: "web: register, studio, follow, top-up, gift, leaderboard, moderation, guest chat off",
  ignore: !enabled,
  // Playwright keeps pipes and timers of its own beyond close().
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startTestServer({ accounts: true });
    const browser = await launchChromium();
    const errors: string[] = [];
    try {
      // --- the streamer: register, create a room in the studio, mark it live
      const streamer = await newPage(browser, errors);
      await streamer.goto(`${srv.url}/`);
      await register(streamer, "star_streamer");
      // No OAuth provider is configured on this server: no OAuth buttons.
      assert.equal(await streamer.locator("#oauth-buttons").isHidden(), true);
      await streamer.click("#nav-studio");
      await streamer.locator("#create-room-form").waitFor();
      await streamer.fill("#create-room-form [name=id]", "webroom");
      await streamer.fill("#create-room-form [name=title]", "Evening Stream");
      await streamer.click("#create-room-form button[type=submit]");
      // The new room's dashboard; its Room tab marks it live (no media needed).
      await streamer.waitForURL(/\/studio\/webroom/);
      await streamer.click("#tab-room");
      await streamer.click("#stream-toggle");
      await waitText(streamer, "#stream-toggle", "End stream");
      await streamer.goto(`${srv.url}/r/webroom`);
      await streamer.waitForSelector("#conn.connected");
      await waitText(streamer, "#room-title", "Evening Stream");

      // --- a viewer with an account signs in in another context
      const reg = await fetch(`${srv.url}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "big_fan", password: "correct horse battery" }),
      });
      assert.equal(reg.status, 201);
      await reg.body?.cancel();
      const viewer = await newPage(browser, errors);
      const giftKeys: string[] = [];
      viewer.on("websocket", (ws) =>
        ws.on("framesent", (f) => {
          const frame = typeof f.payload === "string" ? JSON.parse(f.payload) : {};
          if (frame.type === "gift") giftKeys.push(frame.idempotencyKey);
        }));
      await viewer.goto(`${srv.url}/`);
      await login(viewer, "big_fan");
      await viewer.goto(`${srv.url}/r/webroom`);
      await viewer.waitForSelector("#conn.connected");

      // Follow the streamer; the home page then lists the live room.
      await waitText(viewer, "#streamer-name", "star streamer");
      await viewer.click("#follow-btn");
      await waitText(viewer, "#follow-btn", "Following");
      await waitText(viewer, "#followers", "1 follower");

      // Top up (dev provider) and chat.
      await viewer.selectOption("#topup-amount", "1000");
      await viewer.click("#topup-btn");
      await waitText(viewer, "#wallet-balance", "1,000");
      await viewer.fill("#chat-input", "hello from the front row");
      await viewer.click("#send");
      await waitText(streamer, "#chat li", "hello from the front row");

      // A gift: one click, one charge; the sender sees it confirmed and the balance drop.
      await viewer.fill("#gift-count", "2");
      await viewer.click('.gift-btn[data-gift="star"]');
      await waitText(viewer, "#gift-status.ok", "sent 2 × Shooting Star");
      await waitText(viewer, "#wallet-balance", "800");

      // The streamer sees the gift animation, the chat line and the leaderboard.
      await waitText(streamer, ".gift-burst", "sent 2 × Shooting Star");
      await waitText(streamer, "#chat li .gift", "sent 2 × Shooting Star");
      await waitText(streamer, "#leaderboard li", /big_fan\s*200/);
      await streamer.click('#leaderboard-tabs button[data-scope="all"]');
      await waitText(streamer, "#leaderboard li", /big_fan\s*200/);
      // Earnings net of the platform commission (30% by default) reach the streamer's wallet.
      await waitText(streamer, "#earnings", "earned 140");

      // Insufficient funds are shown, and nothing is charged.
      await viewer.fill("#gift-count", "1");
      await viewer.click('.gift-btn[data-gift="castle"]');
      await waitText(viewer, "#gift-status.error", "Not enough coins");
      await waitText(viewer, "#wallet-balance", "800");

      // One danmaku more so the screenshot has one in flight next to the gift.
      await viewer.fill("#chat-input", "666 what a stream");
      await viewer.click("#send");
      await streamer.locator(".danmaku", { hasText: "666 what a stream" }).waitFor();
      await viewer.fill("#gift-count", "1");
      await viewer.click('.gift-btn[data-gift="heart"]');
      await waitText(streamer, ".gift-burst", "sent 1 × Heart");
      const shot = Deno.env.get("WEB_SCREENSHOT");
      if (shot) await streamer.screenshot({ path: shot });

      // The streamer mutes the viewer from a danmaku's context menu.
      await streamer.locator("#chat li[data-user]", { hasText: "hello from the front row" })
        .click({ button: "right" });
      await streamer.locator("#mod-menu button", { hasText: "Mute 10 min" }).click();
      assert.equal(await streamer.locator("#mod-menu").count(), 0, "the menu closed");
      await waitText(streamer, "#notice", "mute: done");
      await viewer.fill("#chat-input", "can I still talk?");
      await viewer.click("#send");
      await waitText(viewer, "#notice", "muted");
      // A viewer gets no moderation in the menu of someone else's message: only Report.
      await viewer.locator("#chat li[data-user]", { hasText: "666 what a stream" }).first()
        .click({ button: "right" });
      assert.equal(await viewer.locator("#mod-menu").count(), 0, "no menu for one's own line");
      await streamer.fill("#chat-input", "thanks for watching");
      await streamer.click("#send");
      await viewer.locator("#chat li[data-user]", { hasText: "thanks for watching" })
        .click({ button: "right" });
      await viewer.locator("#mod-menu [role=menuitem]", { hasText: "Report message" }).waitFor();
      assert.equal(await viewer.locator("#mod-menu [role=menuitem]").count(), 1);
      await viewer.keyboard.press("Escape");
      assert.equal(await viewer.locator("#mod-menu").count(), 0);

      // Live now from people I follow, on the viewer's home page.
      await viewer.goto(`${srv.url}/`);
      await waitText(viewer, ".following-row .live-chip", "Evening Stream");

      // --- guest chat off on the dashboard: a guest is told at once
      const guest = await newPage(browser, errors);
      await guest.goto(`${srv.url}/r/webroom`);
      await guest.waitForSelector("#conn.connected");
      await guest.fill("#chat-input", "guest says hi");
      await guest.click("#send");
      await waitText(guest, "#chat li", "guest says hi");

      // The older console's link opens the dashboard.
      await streamer.goto(`${srv.url}/#/console?room=webroom`);
      await streamer.waitForURL(/\/studio\/webroom/);
      await streamer.click("#tab-room");
      const form = streamer.locator('#room-settings[data-room="webroom"]');
      await form.locator("[name=guestChat]").uncheck();
      await form.getByRole("button", { name: "Save" }).click();
      await waitText(streamer, "#settings-status", "Saved · live in the room");

      await waitText(guest, "#chat li .sys", "guest chat off");
      assert.equal(await guest.locator("#guest-hint").isVisible(), true);
      await guest.fill("#chat-input", "guest again");
      await guest.click("#send");
      await waitText(guest, "#notice", "Guest chat is off in this room");
      // Guests keep watching: the socket stays live and sees the room's chat.
      assert.equal(await guest.locator("#conn.connected").count(), 1);

      // Each click carried its own idempotency key.
      assert.equal(giftKeys.length, 3);
      assert.equal(new Set(giftKeys).size, 3);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await srv.close();
    }
  },
});

Deno.test({
  name: "web: a gift whose answer was lost is resent with the same key and charged once",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startTestServer({ accounts: true });
    const browser = await launchChromium();
    const errors: string[] = [];
    try {
      const post = (path: string, json: unknown, token?: string) =>
        postOk(srv.url, `/api${path}`, json, token);
      const host = await post("/auth/register", {
        username: "retry_host",
        password: "correct horse battery",
      });
      await post("/rooms", { id: "retryroom", title: "Retries" }, host.accessToken);
      const fan = await post("/auth/register", {
        username: "retry_fan",
        password: "correct horse battery",
      });
      await post(
        "/wallet/topup",
        { amount: "100", idempotencyKey: "retry-topup-1" },
        fan.accessToken,
      );

      const page = await newPage(browser, errors);
      // Between the page and the server: the first `gift_ok` is lost with its socket.
      const giftKeys: string[] = [];
      let dropped = false;
      await page.routeWebSocket(/\/ws\/rooms\//, (ws) => {
        const server = ws.connectToServer();
        ws.onMessage((m) => {
          const frame = JSON.parse(String(m));
          if (frame.type === "gift") giftKeys.push(frame.idempotencyKey);
          server.send(m);
        });
        server.onMessage((m) => {
          if (!dropped && JSON.parse(String(m)).type === "gift_ok") {
            dropped = true;
            server.close();
            ws.close({ code: 4000, reason: "lost" });
            return;
          }
          ws.send(m);
        });
      });
      await page.goto(`${srv.url}/`);
      await login(page, "retry_fan");
      await page.goto(`${srv.url}/r/retryroom`);
      await page.waitForSelector("#conn.connected");
      await page.click('.gift-btn[data-gift="heart"]');
      await waitText(page, "#gift-status.ok", "sent 1 × Heart (already sent)");
      assert.equal(dropped, true);
      assert.equal(giftKeys.length, 2, "sent, then resent after the reconnect");
      assert.equal(giftKeys[0], giftKeys[1], "the retry reused the click's key");
      const wallet = await (await fetch(`${srv.url}/api/wallet`, {
        headers: { authorization: `Bearer ${fan.accessToken}` },
      })).json();
      assert.equal(wallet.balances.wallet, "95", "charged once");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await srv.close();
    }
  },
});

/** The table row whose amount cell is exactly `amount`. */
const byAmount = (page: Page, rows: string, amount: string) =>
  page.locator(rows).filter({
    has: page.locator("td.num", { hasText: new RegExp(`^${amount}$`) }),
  });

Deno.test({
  name: "web: streamer requests a withdrawal, an admin pays / rejects it, the streamer sees it",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const pg = await startPostgresTestServer();
    const { srv, store } = pg;
    const browser = await launchChromium();
    const errors: string[] = [];
    let socket: TestViewer | undefined;
    try {
      const post = (path: string, json: unknown, token?: string) =>
        postOk(srv.url, `/api${path}`, json, token);
      const signUp = (username: string) =>
        post("/auth/register", { username, password: "correct horse battery" });
      const host = await signUp("payout_host");
      const fan = await signUp("payout_fan");
      const admin = await signUp("payout_admin");
      await setRoles(store, admin.user.id, ["admin"]);
      // A rocket over the room socket: 1000 gross, 700 earned after the 30 % commission.
      socket = await giftRocket(srv, {
        hostToken: host.accessToken,
        fanToken: fan.accessToken,
        roomId: "payoutroom",
        title: "Payday",
        topup: "1000",
        keyPrefix: "web-wd",
      });

      // --- the streamer requests three withdrawals on the dashboard
      const streamer = await newPage(browser, errors);
      await streamer.goto(`${srv.url}/`);
      await login(streamer, "payout_host");
      assert.equal(await streamer.locator("#nav-ops").count(), 0, "not an admin");
      // The older console's address opens the dashboard, which has the earnings.
      await streamer.goto(`${srv.url}/#/console`);
      await streamer.waitForURL(/\/studio$/);
      await waitText(streamer, "#earnings-available", "700");
      // Below the minimum (100 by default): refused with its code, nothing requested.
      await streamer.fill("#withdraw-amount", "99");
      await streamer.click("#withdraw-submit");
      await waitText(streamer, "#withdraw-status", "below the minimum withdrawal");
      for (const amount of ["300", "100", "150"]) {
        await streamer.fill("#withdraw-amount", amount);
        await streamer.click("#withdraw-submit");
        await waitText(streamer, "#withdraw-status", `Requested ${amount}: pending`);
      }
      await waitText(streamer, "#earnings-available", "150");
      await waitText(streamer, "#earnings-held", "550");
      // The streamer takes the last one back.
      await byAmount(streamer, "#my-withdrawals tr", "150").getByRole("button", { name: "Cancel" })
        .click();
      await waitText(streamer, "#withdraw-status", "cancelled");
      await waitText(streamer, "#my-withdrawals tr[data-status=cancelled]", "150");

      // --- the admin pays the first and rejects the second on the operator page (the older
      // Finance address leads there)
      const finance = await newPage(browser, errors);
      await finance.goto(`${srv.url}/`);
      await login(finance, "payout_admin");
      await finance.locator("#nav-ops").waitFor();
      await finance.goto(`${srv.url}/#/finance`);
      await finance.waitForURL(/\/ops#finance$/);
      await waitText(finance, "#finance-total", "2 withdrawals · 400");
      const first = byAmount(finance, "#withdrawals-table tr", "300");
      await first.getByPlaceholder("Bank transfer reference").fill("BANK-WEB-0001");
      await first.getByRole("button", { name: "Pay" }).click();
      await waitText(finance, "#finance-status", "Paid 300 coins to payout_host");
      const second = byAmount(finance, "#withdrawals-table tr", "100");
      await second.getByPlaceholder("Reason").fill("IBAN does not match the account holder");
      await second.getByRole("button", { name: "Reject" }).click();
      await waitText(finance, "#finance-status", "Rejected payout_host’s 100 coins");
      await finance.getByText("No withdrawal in this state.").waitFor();
      await finance.getByRole("button", { name: "Paid", exact: true }).click();
      await waitText(
        finance,
        "#withdrawals-table tr[data-status=paid]",
        "reference BANK-WEB-0001",
      );

      // --- the streamer sees paid (with the reference) and rejected (with the reason)
      await streamer.reload();
      await waitText(streamer, "#my-withdrawals tr[data-status=paid]", "reference BANK-WEB-0001");
      await waitText(
        streamer,
        "#my-withdrawals tr[data-status=rejected]",
        "IBAN does not match the account holder",
      );
      await waitText(streamer, "#earnings-paid", "300");
      await waitText(streamer, "#earnings-available", "400");
      await waitText(streamer, "#earnings-held", "0");
      assert.deepEqual(errors, []);
    } finally {
      await socket?.close();
      await browser.close();
      await pg.close();
    }
  },
});
