/**
 * Reporting one chat message, by keyboard only, in headless Chromium against a started server
 * with accounts: another viewer's danmaku arrives; the signed-in viewer tabs to the line's "⋯"
 * button, opens its menu with Enter (focus moves into it, Escape gives it back), picks
 * "Report message…", chooses a reason with the arrow keys and sends. The request names the
 * message; the second report of the same message finds the first ("already reported"); a
 * viewer's own line has no menu. The menu and the dialog pass axe with no serious violation,
 * in Chinese too. Skipped, saying so, when Chromium is absent.
 */
import assert from "node:assert/strict";
import { seriousViolations } from "./helpers/axe.ts";
import { hasChromium, launchChromium, signedInPage } from "./helpers/browser.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { PHONE, screenshot } from "./helpers/screenshots.ts";
import { startTestServer } from "./helpers/server.ts";

const enabled = await hasChromium("web_message_report");
const ROOM = "reportroom";

async function register(base: string, username: string) {
  const res = await fetch(`${base}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: "correct horse battery" }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body;
}

Deno.test({
  name: "web: report one chat message by keyboard — menu, reason, sent once; zh-CN; a11y",
  ignore: !enabled,
  // Playwright keeps pipes and timers of its own beyond close().
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startTestServer({ accounts: true });
    const browser = await launchChromium();
    const errors: string[] = [];
    let other: TestViewer | undefined;
    try {
      const me = await register(srv.url, "keen_reporter");
      const page = await signedInPage(browser, me, errors, { viewport: PHONE });
      const reports: unknown[] = [];
      page.on("request", (r) => {
        if (r.method() === "POST" && r.url().endsWith(`/api/rooms/${ROOM}/reports`)) {
          reports.push(r.postDataJSON());
        }
      });
      await page.goto(`${srv.url}/r/${ROOM}`, { waitUntil: "domcontentloaded", timeout: 60_000 });
      await page.waitForSelector("#conn.connected", { timeout: 60_000 });

      // Another viewer says something rude; my own line comes too.
      const { token } = await srv.guest("rude_guest");
      other = (await TestViewer.join(srv.wsUrl(ROOM), ROOM, token)).viewer;
      other.send({ type: "say", text: "buy followers at spam dot example", clientId: "s1" });
      const line = page.locator("#chat li[data-msg]", { hasText: "buy followers" });
      await line.waitFor({ timeout: 30_000 });
      const msgId = await line.getAttribute("data-msg");
      await page.fill("#chat-input", "my own words");
      await page.press("#chat-input", "Enter");
      const mine = page.locator("#chat li[data-msg]", { hasText: "my own words" });
      await mine.waitFor({ timeout: 30_000 });
      assert.equal(await mine.locator(".line-actions").count(), 0, "no menu on my own line");

      // Keyboard: from the chat input, Tab until the line's "⋯" button has focus.
      const button = line.locator(".line-actions");
      assert.equal(await button.getAttribute("aria-label"), "More for rude_guest's message");
      await page.focus("#chat-input");
      let reached = false;
      for (let i = 0; i < 60 && !reached; i++) {
        await page.keyboard.press("Tab");
        reached = await button.evaluate((b) => b === b.ownerDocument.activeElement);
      }
      assert.ok(reached, "the ⋯ button is reachable with Tab");
      await page.keyboard.press("Enter");
      const menu = page.locator("#mod-menu[role=menu]");
      await menu.waitFor();
      assert.equal(
        await menu.evaluate((m) => m.ownerDocument.activeElement?.getAttribute("role")),
        "menuitem",
        "focus moved into the menu",
      );
      // A viewer gets Report only (no moderation).
      assert.deepEqual(await menu.locator("[role=menuitem]").allInnerTexts(), [
        "Report message…",
      ]);
      assert.deepEqual(await seriousViolations(page), [], "axe: message menu");
      await page.keyboard.press("Escape");
      await menu.waitFor({ state: "detached" });
      assert.ok(
        await button.evaluate((b) => b === b.ownerDocument.activeElement),
        "focus came back",
      );

      // Report it: Enter opens the menu, Enter picks Report, arrows choose the reason. The
      // menu has focus as soon as it shows (moved in the same task that renders it): a key
      // pressed right away picks the item instead of reopening the menu through the "⋯" button.
      const focusInMenu = () => menu.evaluate((m) => m.contains(m.ownerDocument.activeElement));
      await page.keyboard.press("Enter");
      await menu.waitFor();
      assert.ok(await focusInMenu(), "focus is in the menu once it shows");
      await page.keyboard.press("Enter");
      const dialog = page.locator("#report-dialog");
      await dialog.waitFor();
      assert.equal(await page.locator("#report-h").innerText(), "Report this message");
      assert.match(await page.locator("#report-quote").innerText(), /buy followers/);
      await page.focus('#report-dialog input[value="spam"]');
      await page.keyboard.press("ArrowDown"); // spam → abuse
      assert.equal(await page.isChecked('#report-dialog input[value="abuse"]'), true);
      assert.deepEqual(await seriousViolations(page), [], "axe: report dialog");
      await screenshot(page, "report-message-en-390");
      await page.focus("#report-submit");
      await page.keyboard.press("Enter");
      await page.locator("#notice", { hasText: "the report was sent" }).waitFor();
      assert.deepEqual(reports, [{ reason: "abuse", messageId: msgId }]);

      // The same message again: the server has it already.
      await button.focus();
      await page.keyboard.press("Enter");
      await menu.waitFor();
      assert.ok(await focusInMenu(), "focus is in the menu once it shows, again");
      await page.keyboard.press("Enter");
      await dialog.waitFor();
      await page.click("#report-submit");
      await page.locator("#notice", { hasText: "already reported this message" }).waitFor();
      assert.equal(reports.length, 2);

      // A right-click on my own line opens nothing.
      await mine.click({ button: "right" });
      assert.equal(await page.locator("#mod-menu").count(), 0);

      // In Chinese: the menu and the dialog speak it.
      await page.selectOption("#lang-select", "zh-CN");
      await button.click();
      await menu.locator("[role=menuitem]", { hasText: "举报弹幕" }).click();
      await page.locator("#report-h", { hasText: "举报这条弹幕" }).waitFor();
      assert.deepEqual(await seriousViolations(page), [], "axe: report dialog in Chinese");
      await screenshot(page, "report-message-zh-390");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
      assert.deepEqual(errors, []);
    } finally {
      await other?.close();
      await browser.close();
      await srv.close();
    }
  },
});
