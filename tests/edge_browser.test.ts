/**
 * The web client in a real headless Chromium (playwright-core, Debian's chromium): open a
 * room, send a message, see it fly across the video area, and see it arrive at another
 * viewer; the room list shows the live room. Skipped, saying so, when Chromium is absent.
 */
import assert from "node:assert/strict";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { startTestServer } from "./helpers/server.ts";

const enabled = await hasChromium("edge_browser");

Deno.test({
  name: "edge: web client in Chromium — join, send, danmaku flies",
  ignore: !enabled,
  // Playwright keeps pipes and timers of its own beyond close().
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startTestServer();
    const browser = await launchChromium();
    let other: TestViewer | undefined;
    try {
      const { token } = await srv.guest("watcher");
      other = (await TestViewer.join(srv.wsUrl("browser"), "browser", token)).viewer;

      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(String(e)));
      await page.goto(`${srv.url}/r/browser`);
      await page.waitForSelector("#conn.connected", { timeout: 10_000 });

      await page.fill("#chat-input", "hello from chromium");
      await page.click("#send");
      const flying = page.locator(".danmaku", { hasText: "hello from chromium" });
      await flying.waitFor({ timeout: 10_000 });
      const x0 = (await flying.boundingBox())!.x;
      await page.waitForTimeout(400);
      const x1 = (await flying.boundingBox())!.x;
      assert.ok(x1 < x0, `danmaku moves left (${x0} → ${x1})`);
      // Runs in the page (a string, so Deno's type checker does not need DOM types).
      const animation = await page.evaluate(
        `getComputedStyle([...document.querySelectorAll(".danmaku")].find((e) =>
          e.textContent === "hello from chromium")).animationName`,
      );
      assert.equal(animation, "fly");
      assert.ok(await page.locator("#chat li", { hasText: "hello from chromium" }).count() >= 1);

      await other.next((f) =>
        f.type === "batch" &&
        f.events.some((e: { d?: { text: string } }) => e.d?.text === "hello from chromium")
      );
      // Both viewers counted (presence is reported by the edge, then polled by the page).
      await page.waitForFunction(`document.querySelector("#viewers")?.textContent === "2"`, null, {
        timeout: 10_000,
      });

      await page.goto(`${srv.url}/`);
      await page.locator("#room-list a", { hasText: "browser" }).waitFor({ timeout: 10_000 });
      assert.deepEqual(pageErrors, []);
    } finally {
      await other?.close();
      await browser.close();
      await srv.close();
    }
  },
});
