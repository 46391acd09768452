/**
 * The room's AI panel in a real headless Chromium (playwright-core, Debian's chromium): a room
 * admin fills the knowledge base from the panel, a viewer's question is answered with its
 * citation in the panel, a viewer's severe message shows up in the admin's moderation log and
 * the admin's Undo brings it back into the chat; a guest muted by the AI who reloads is told
 * for how long and by whom, and the admin ends that mute from the panel's mute list. Local heuristics only (no model configured).
 * Skipped, saying so, when Chromium is absent.
 */
import assert from "node:assert/strict";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { startTestServer } from "./helpers/server.ts";

const enabled = await hasChromium("ai_e2e_web");
const ROOM = "aiweb";

Deno.test({
  name: "ai e2e web: panel — knowledge base editor, cited answer, moderation log with undo",
  ignore: !enabled,
  // Playwright keeps pipes and timers of its own beyond close().
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startTestServer({ roomOptions: { ai: { answerGapMs: 0 } } });
    const browser = await launchChromium();
    let viewer: TestViewer | undefined;
    try {
      const token = await srv.mintToken({ sub: "streamer", name: "Streamer", roles: ["admin"] });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(String(e)));
      // signed in as the streamer (a platform admin): the session the web client keeps
      const session = JSON.stringify({
        accessToken: token,
        refreshToken: "unused",
        accessExpiresAt: Date.now() + 3_600_000,
        user: { id: "streamer", displayName: "Streamer", roles: ["admin"] },
      });
      await page.addInitScript(`localStorage.setItem("synapse.auth", ${JSON.stringify(session)})`);
      await page.goto(`${srv.url}/r/${ROOM}`);
      await page.waitForSelector("#conn.connected", { timeout: 10_000 });
      await page.locator("#ai-source", { hasText: "local heuristics" }).waitFor({
        timeout: 10_000,
      });

      await page.fill("#kb-form [name=title]", "Keyboard");
      await page.fill(
        "#kb-form [name=body]",
        "The keyboard costs 169 dollars. It is a Keychron Q1 with brown switches.",
      );
      await page.click("#kb-form button[type=submit]");
      await page.locator("#kb-list li", { hasText: "Keyboard" }).waitFor({ timeout: 10_000 });

      const { token: guest } = await srv.guest("viewer");
      viewer = (await TestViewer.join(srv.wsUrl(ROOM), ROOM, guest)).viewer;
      viewer.send({ type: "say", text: "how much does the keyboard cost?", clientId: "q" });
      const answer = page.locator(".ai-answers li", { hasText: "169 dollars" });
      await answer.waitFor({ timeout: 10_000 });
      assert.match(await answer.innerText(), /source: Keyboard \[kb1#0\] · local/);

      viewer.send({ type: "say", text: "kys loser", clientId: "m" });
      const refused = await viewer.next((f) => f.clientId === "m");
      assert.equal(refused.code, "muted");
      const entry = page.locator("#mod-log li", { hasText: "kys loser" });
      await entry.waitFor({ timeout: 15_000 });
      assert.equal(await page.locator("#chat li", { hasText: "kys loser" }).count(), 0);
      await entry.locator("button", { hasText: "Undo" }).click();
      await page.locator("#chat li", { hasText: "kys loser" }).waitFor({ timeout: 10_000 });
      await page.locator("#mod-log li.undone", { hasText: "kys loser" }).waitFor({
        timeout: 15_000,
      });

      // a guest muted by the AI who comes back is told so, for how long and by whom; the
      // admin sees the mute with its time left and ends it from the panel
      const guestPage = await browser.newPage();
      guestPage.on("pageerror", (e) => pageErrors.push(String(e)));
      await guestPage.goto(`${srv.url}/r/${ROOM}`);
      await guestPage.waitForSelector("#conn.connected", { timeout: 10_000 });
      await guestPage.fill("#chat-input", "kys idiot");
      await guestPage.press("#chat-input", "Enter");
      await guestPage.locator("#notice", { hasText: "muted" }).waitFor({ timeout: 10_000 });
      await guestPage.reload();
      const told = guestPage.locator("#notice", { hasText: "the room's AI moderator" });
      await told.waitFor({ timeout: 10_000 });
      assert.match(await told.innerText(), /you are muted here for \d+ s more/);
      const row = page.locator(".ai-mutes li", { hasText: "ai:local" });
      await row.waitFor({ timeout: 15_000 });
      assert.match(await row.innerText(), /\d+ s left \(ai:local\)/);
      await row.locator("button", { hasText: "Unmute" }).click();
      await page.locator(".ai-mutes li", { hasText: "nobody" }).waitFor({ timeout: 10_000 });
      await guestPage.fill("#chat-input", "sorry, I calm down");
      await guestPage.press("#chat-input", "Enter");
      await page.locator("#chat li", { hasText: "sorry, I calm down" }).waitFor({
        timeout: 10_000,
      });
      assert.deepEqual(pageErrors, []);
    } finally {
      await viewer?.close();
      await browser.close();
      await srv.close();
    }
  },
});
