/**
 * The home page (edge/web/client/src/pages/home.tsx) in Chromium: room cards with title,
 * streamer, category and viewers; search by title or streamer; the category filter; followed
 * streamers first when signed in; the empty, no-match and offline states; Chinese and English
 * (the browser's language picks, the switch overrides and is remembered); nothing wider than
 * a 390-px phone; an axe scan with no serious violations; screenshots at 390×844 and
 * 1440×900 in both languages (tests/helpers/screenshots.ts).
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { seriousViolations } from "./helpers/axe.ts";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { callJson } from "./helpers/http.ts";
import { DESKTOP, PHONE, screenshot } from "./helpers/screenshots.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

const enabled = await hasChromium("web_home");

async function register(srv: TestServer, username: string, displayName: string) {
  const { status, body } = await callJson(srv.url, "/api/auth/register", {
    json: { username, displayName, password: "correct horse battery" },
  });
  assert.equal(status, 201, JSON.stringify(body));
  return { id: body.user.id as string, token: body.accessToken as string };
}

async function createRoom(
  srv: TestServer,
  token: string,
  room: { id: string; title: string; category: string },
) {
  const { status, body } = await callJson(srv.url, "/api/rooms", { token, json: room });
  assert.equal(status, 201, JSON.stringify(body));
}

async function homePage(browser: Browser, srv: TestServer, locale: string, errors: string[]) {
  const context = await browser.newContext({ viewport: DESKTOP, locale });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${srv.url}/`);
  return page;
}

const cards = (page: Page) => page.locator("#room-list .room-card");

Deno.test({
  name: "web home: cards, search, categories, following first, states, both languages, a11y",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startTestServer({ accounts: true });
    const browser = await launchChromium();
    const viewers: TestViewer[] = [];
    const errors: string[] = [];
    try {
      const fish = await register(srv, "xiaoyu", "小鱼");
      const owl = await register(srv, "nightowl", "Night Owl");
      const fan = await register(srv, "fan_one", "Fan One");
      await createRoom(srv, fish.token, {
        id: "fishing",
        title: "钓鱼直播 🎣",
        category: "outdoors",
      });
      await createRoom(srv, owl.token, { id: "owl", title: "Late night coding", category: "tech" });
      const follow = await callJson(srv.url, `/api/users/${owl.id}/follow`, {
        token: fan.token,
        json: {},
      });
      assert.equal(follow.status < 300, true, JSON.stringify(follow.body));
      const live = await callJson(srv.url, "/api/rooms/owl/stream/start", {
        token: owl.token,
        json: {},
      });
      assert.equal(live.status, 200, JSON.stringify(live.body));
      // A viewer in each room puts it in the live directory (two in "fishing").
      for (const room of ["fishing", "fishing", "owl", "browser"]) {
        const { token } = await srv.guest("watcher");
        viewers.push((await TestViewer.join(srv.wsUrl(room), room, token)).viewer);
      }

      // English (the browser's language).
      const page = await homePage(browser, srv, "en-US", errors);
      await page.locator('#room-list .room-card[data-room="owl"]').waitFor({ timeout: 10_000 });
      await page.waitForFunction(
        `document.querySelectorAll("#room-list .room-card").length === 3 &&
         document.querySelector('.room-card[data-room="fishing"]').textContent.includes("2 watching")`,
        null,
        { timeout: 10_000 },
      );
      assert.equal(await page.getAttribute("html", "lang"), "en");
      const fishCard = page.locator('.room-card[data-room="fishing"]');
      assert.match(await fishCard.innerText(), /钓鱼直播 🎣[\s\S]*小鱼[\s\S]*outdoors/);
      assert.equal(await fishCard.locator("a").getAttribute("href"), "/r/fishing");
      // A room opened without registering shows its id and a placeholder cover.
      assert.match(await page.locator('.room-card[data-room="browser"]').innerText(), /browser/);
      assert.equal(await page.locator("h2#live-h").innerText(), "Live now");

      // Search by title, by streamer; no match says so.
      await page.fill("#room-search", "coding");
      await page.waitForFunction(`document.querySelectorAll("#room-list .room-card").length === 1`);
      assert.equal(await cards(page).getAttribute("data-room"), "owl");
      await page.fill("#room-search", "小鱼");
      await page.waitForFunction(
        `document.querySelector("#room-list .room-card")?.dataset.room === "fishing" &&
         document.querySelectorAll("#room-list .room-card").length === 1`,
      );
      await page.fill("#room-search", "nothing like this");
      await page.locator("#rooms-empty", { hasText: "No room matches" }).waitFor();
      await page.fill("#room-search", "");

      // The category filter.
      await page.getByRole("button", { name: "tech" }).click();
      await page.waitForFunction(`document.querySelectorAll("#room-list .room-card").length === 1`);
      assert.equal(await cards(page).getAttribute("data-room"), "owl");
      assert.equal(
        await page.getByRole("button", { name: "tech" }).getAttribute("aria-pressed"),
        "true",
      );
      await page.getByRole("button", { name: "All" }).click();
      await page.waitForFunction(`document.querySelectorAll("#room-list .room-card").length === 3`);

      assert.deepEqual(await seriousViolations(page), [], "axe: home in English");
      await screenshot(page, "home-en-1440");
      await page.setViewportSize(PHONE);
      assert.equal(
        await page.evaluate("document.documentElement.scrollWidth <= innerWidth"),
        true,
        "nothing wider than a 390-px phone",
      );
      await screenshot(page, "home-en-390");

      // The switch: Chinese, remembered after a reload.
      await page.selectOption("#lang-select", "zh-CN");
      await page.locator("h2#live-h", { hasText: "正在直播" }).waitFor();
      await page.reload();
      await page.locator("h2#live-h", { hasText: "正在直播" }).waitFor();
      assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
      await page.locator('.room-card[data-room="fishing"]', { hasText: "2 人在看" }).waitFor({
        timeout: 10_000,
      });
      assert.deepEqual(await seriousViolations(page), [], "axe: home in Chinese");
      await screenshot(page, "home-zh-390");
      await page.setViewportSize(DESKTOP);
      await screenshot(page, "home-zh-1440");
      // The header and the sign-in dialog speak Chinese too; the dialog's fields are labelled.
      assert.equal(await page.locator("#golive-link").innerText(), "开播");
      await page.locator("#login-btn", { hasText: "登录" }).click();
      await page.getByLabel("用户名").first().waitFor();
      assert.equal(await page.getByLabel("密码").count(), 2, "both forms label their password");
      assert.deepEqual(await seriousViolations(page), [], "axe: sign-in dialog in Chinese");
      await screenshot(page, "signin-zh-1440");
      await page.setViewportSize(PHONE);
      await screenshot(page, "signin-zh-390");
      await page.keyboard.press("Escape");
      await page.setViewportSize(DESKTOP);

      // Offline: the list says so and offers a retry, then recovers.
      await page.route("**/api/directory*", (route) => route.abort());
      await page.locator(".state.offline", { hasText: "连不上服务器" }).waitFor({
        timeout: 10_000,
      });
      await page.unroute("**/api/directory*");
      await page.getByRole("button", { name: "立即重试" }).click();
      await page.locator("#room-list .room-card").first().waitFor();

      // A browser asking for Chinese gets Chinese with no switch touched.
      const zh = await homePage(browser, srv, "zh-CN", errors);
      await zh.locator("h2#live-h", { hasText: "正在直播" }).waitFor({ timeout: 10_000 });
      assert.equal(await zh.inputValue("#lang-select"), "zh-CN");

      // Signed in: followed streamers live now, and their rooms first.
      const signedIn = await homePage(browser, srv, "en-US", errors);
      await signedIn.click("#login-btn");
      await signedIn.fill("#login-form [name=username]", "fan_one");
      await signedIn.fill("#login-form [name=password]", "correct horse battery");
      await signedIn.click("#login-submit");
      await signedIn.locator("#following-h", { hasText: "Live from people you follow" })
        .waitFor({ timeout: 10_000 });
      assert.match(await signedIn.locator(".following-row").innerText(), /Night Owl/);
      await signedIn.waitForFunction(
        `document.querySelector("#room-list .room-card")?.dataset.room === "owl"`,
        null,
        { timeout: 10_000 },
      );
      assert.deepEqual(await seriousViolations(signedIn), [], "axe: signed in");

      // No rooms at all: the empty state says what to do.
      for (const v of viewers.splice(0)) await v.close();
      const empty = await homePage(browser, srv, "en-US", errors);
      await empty.route(
        "**/api/directory*",
        (route) => route.fulfill({ json: { rooms: [], categories: [] } }),
      );
      await empty.reload();
      await empty.locator("#rooms-empty", { hasText: "Go live" }).waitFor({ timeout: 10_000 });
      assert.deepEqual(errors, []);
    } finally {
      for (const v of viewers) await v.close();
      await browser.close();
      await srv.close();
    }
  },
});
