/**
 * The room page's danmaku in Chromium (overlay from edge/web/client/src/danmaku/): a busy
 * chat flies in lanes whose element boxes never overlap; the toggle and the settings are
 * remembered; prefers-reduced-motion keeps them still (the chat list still has every text);
 * a forced reconnect shows how many messages were missed; Chinese and English; the chat is a
 * polite live region and the overlay hidden from screen readers; screenshots at 390×844 and
 * 1440×900 with nothing wider than the phone.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { seriousViolations } from "./helpers/axe.ts";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { DESKTOP, PHONE, screenshot } from "./helpers/screenshots.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

const enabled = await hasChromium("web_room_danmaku");

type Box = { text: string; x: number; y: number; w: number; h: number };

/** The boxes of every flying danmaku right now (one snapshot, in the page). */
const boxes = (page: Page) =>
  page.evaluate(`[...document.querySelectorAll("#danmaku-layer .danmaku")].map((e) => {
    const r = e.getBoundingClientRect();
    return { text: e.textContent, x: r.x, y: r.y, w: r.width, h: r.height };
  })`) as Promise<Box[]>;

function overlaps(list: Box[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i], b = list[j];
      const vertical = a.y < b.y + b.h && b.y < a.y + a.h;
      const horizontal = a.x < b.x + b.w && b.x < a.x + a.w;
      if (vertical && horizontal) found.push(`"${a.text}" × "${b.text}"`);
    }
  }
  return found;
}

async function roomPage(
  browser: Browser,
  srv: TestServer,
  room: string,
  opts: { locale?: string; reducedMotion?: "reduce" | "no-preference"; viewport?: typeof DESKTOP },
  errors: string[],
) {
  const context = await browser.newContext({
    viewport: opts.viewport ?? DESKTOP,
    locale: opts.locale ?? "en-US",
    reducedMotion: opts.reducedMotion ?? "no-preference",
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${srv.url}/r/${room}`);
  await page.waitForSelector("#conn.connected", { timeout: 10_000 });
  return page;
}

/** Guests saying `texts` (spread over several senders: each has its own rate limit). */
async function chatter(srv: TestServer, room: string, count: number) {
  const viewers: TestViewer[] = [];
  for (let i = 0; i < count; i++) {
    const { token } = await srv.guest(`chatter${i}`);
    viewers.push((await TestViewer.join(srv.wsUrl(room), room, token)).viewer);
  }
  return viewers;
}

const WORDS = ["666", "哈哈哈哈", "好耶", "what a play", "🎉🎉", "这波操作太秀了吧兄弟们", "gg"];

Deno.test({
  name: "web room: danmaku lanes never overlap, settings, reduced motion, missed messages",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startTestServer({
      roomOptions: { rateLimit: { burst: 50, refillPerSec: 50 }, flood: { floodCap: 1000 } },
    });
    const browser = await launchChromium();
    const errors: string[] = [];
    const senders = await chatter(srv, "lanes", 4);
    try {
      const page = await roomPage(browser, srv, "lanes", {}, errors);
      assert.equal(await page.getAttribute("#danmaku-layer", "aria-hidden"), "true");
      assert.equal(await page.getAttribute("#chat", "aria-live"), "polite");
      assert.equal(await page.locator("#conn").innerText(), "connected");

      // A burst of 60 messages of every length, while we sample the boxes.
      let n = 0;
      const burst = (async () => {
        for (let i = 0; i < 60; i++) {
          const text = `${WORDS[i % WORDS.length]} #${i}`;
          senders[i % senders.length].send({ type: "say", text, clientId: `b${i}` });
          n++;
          await new Promise((r) => setTimeout(r, 40));
        }
      })();
      await page.locator("#danmaku-layer .danmaku").first().waitFor({ timeout: 10_000 });
      let snapshots = 0;
      let most = 0;
      while (n < 60 || snapshots < 30) {
        const list = await boxes(page);
        most = Math.max(most, list.length);
        assert.deepEqual(overlaps(list), [], `overlapping danmaku in snapshot ${snapshots}`);
        snapshots++;
      }
      await burst;
      assert.ok(most >= 8, `a busy screen was sampled (${most} at once)`);
      await page.locator("#chat li", { hasText: "#59" }).waitFor({ timeout: 10_000 });

      // Longer texts cross faster (same time over a longer way).
      const speeds = await page.evaluate(`[...document.querySelectorAll("#danmaku-layer .danmaku")]
        .map((e) => ({ w: e.offsetWidth, d: parseFloat(e.style.getPropertyValue("--distance")) }))`) as {
        w: number;
        d: number;
      }[];
      assert.ok(speeds.every((s) => Math.abs(s.d) > s.w), "each travels past its own width");

      // Hidden: nothing new flies, the chat still has it; remembered after a reload.
      await page.click("#danmaku-toggle");
      assert.equal(await page.getAttribute("#danmaku-toggle", "aria-pressed"), "false");
      senders[0].send({ type: "say", text: "while hidden", clientId: "h1" });
      await page.locator("#chat li", { hasText: "while hidden" }).waitFor();
      assert.equal(await page.locator(".danmaku", { hasText: "while hidden" }).count(), 0);
      await page.reload();
      await page.waitForSelector("#conn.connected");
      assert.equal(await page.getAttribute("#danmaku-toggle", "aria-pressed"), "false");
      await page.click("#danmaku-toggle");
      // Settings: half the video, dense; remembered too.
      await page.click(".danmaku-settings summary");
      await page.selectOption("#danmaku-area", "0.5");
      await page.selectOption("#danmaku-density", "high");
      await page.reload();
      await page.waitForSelector("#conn.connected");
      assert.equal(await page.inputValue("#danmaku-area"), "0.5");
      senders[1].send({ type: "say", text: "upper half", clientId: "u1" });
      const upper = page.locator(".danmaku", { hasText: "upper half" });
      await upper.waitFor();
      const layer = (await page.locator("#danmaku-layer").boundingBox())!;
      const box = (await upper.boundingBox())!;
      assert.ok(box.y + box.height <= layer.y + layer.height / 2 + 1, "flies in the upper half");

      // A forced reconnect: while the page is away three messages are said; back, the page
      // catches up and says how many it missed.
      let cut = false;
      let sockets = 0;
      const away = Promise.withResolvers<void>();
      await page.routeWebSocket(/\/ws\/rooms\//, (ws) => {
        sockets++;
        if (cut) return void ws.close({ code: 1013, reason: "test: away" });
        const server = ws.connectToServer();
        if (sockets > 1) return; // the reconnect stays up
        away.promise.then(() => {
          cut = true;
          ws.close({ code: 1001, reason: "test: cut" });
          server.close();
        });
      });
      await page.reload();
      await page.waitForSelector("#conn.connected");
      away.resolve();
      await page.locator("#conn.down").waitFor();
      for (let i = 1; i <= 3; i++) {
        senders[2].send({ type: "say", text: `while away ${i}`, clientId: `a${i}` });
      }
      await senders[2].next((f) => f.type === "ack" && f.clientId === "a3");
      cut = false;
      await page.locator(".chat-divider", { hasText: "3 messages you missed" }).waitFor({
        timeout: 15_000,
      });
      await page.locator("#chat li", { hasText: "while away 3" }).waitFor();
      assert.ok(sockets >= 2, "the page reconnected");
      await page.unrouteAll();

      // Gifts by tier (the room's gift animation with a gift as the room sends it).
      const gift = (amount: string) =>
        `synapseClient.giftBurst(document.querySelector("#gift-layer"),
          { giftId: "rocket", amount: "${amount}" }, "🚀", "fan sent ${amount}")`;
      await page.evaluate(gift("5"));
      await page.evaluate(gift("200"));
      await page.evaluate(gift("1000"));
      assert.equal(await page.locator(".gift-burst.tier-1", { hasText: "sent 5" }).count(), 1);
      assert.equal(await page.locator(".gift-burst.tier-2", { hasText: "sent 200" }).count(), 1);
      assert.equal(await page.locator(".gift-burst.tier-3", { hasText: "sent 1000" }).count(), 1);
      assert.equal(await page.locator(".gift-banner", { hasText: "sent 1000" }).count(), 1);
      assert.ok(await page.locator(".gift-shower span").count() > 0, "a tier-3 gift showers");
      await screenshot(page, "room-gift-en-1440");
      assert.deepEqual(await seriousViolations(page), [], "axe: room in English");
      await screenshot(page, "room-en-1440");

      // Chinese, on a phone: nothing wider than the screen.
      const zh = await roomPage(
        browser,
        srv,
        "lanes",
        { locale: "zh-CN", viewport: PHONE },
        errors,
      );
      assert.equal(await zh.locator("#conn").innerText(), "已连接");
      assert.equal(await zh.locator("#danmaku-toggle").innerText(), "弹幕");
      // A refusal reads as a sentence in the page's language (the lazily loaded catalogue).
      for (let i = 0; i < 2; i++) {
        await zh.fill("#chat-input", "同一句话");
        await zh.click("#send");
      }
      await zh.locator("#notice", { hasText: "你刚刚发过同样的内容" }).waitFor();
      senders[3].send({ type: "say", text: "手机上的弹幕", clientId: "z1" });
      await zh.locator(".danmaku", { hasText: "手机上的弹幕" }).waitFor();
      assert.equal(
        await zh.evaluate("document.documentElement.scrollWidth <= innerWidth"),
        true,
        "nothing wider than a 390-px phone",
      );
      assert.deepEqual(await seriousViolations(zh), [], "axe: room in Chinese");
      await screenshot(zh, "room-zh-390");
      await zh.setViewportSize(DESKTOP);
      await screenshot(zh, "room-zh-1440");
      await page.setViewportSize(PHONE);
      await screenshot(page, "room-en-390");

      // Reduced motion: nothing flies, the chat has it, the settings say why.
      const still = await roomPage(browser, srv, "lanes", { reducedMotion: "reduce" }, errors);
      senders[0].send({ type: "say", text: "no motion please", clientId: "r1" });
      await still.locator("#chat li", { hasText: "no motion please" }).waitFor();
      assert.equal(await still.locator("#danmaku-layer .danmaku").count(), 0);
      await still.click(".danmaku-settings summary");
      await still.locator("#danmaku-reduced-motion").waitFor();
      // ...and a grand gift only fades: its banner, no shower.
      await still.evaluate(
        `synapseClient.giftBurst(document.querySelector("#gift-layer"),
          { giftId: "castle", amount: "10000" }, "🏰", "fan sent a castle")`,
      );
      await still.locator(".gift-banner", { hasText: "fan sent a castle" }).waitFor();
      assert.equal(await still.locator(".gift-shower").count(), 0);
      assert.deepEqual(errors, []);
    } finally {
      for (const v of senders) await v.close();
      await browser.close();
      await srv.close();
    }
  },
});
