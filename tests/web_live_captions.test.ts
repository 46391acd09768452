/**
 * Live captions in the room page, in a real headless Chromium: a `caption` the room
 * broadcasts (as the recorder's live captioner sends it) appears over the video; the CC
 * button hides captions, and the choice survives a reload. Skipped, saying so, when Chromium
 * is absent.
 */
import { RoomClient } from "../actors/room/client.ts";
import assert from "node:assert/strict";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { startTestServer } from "./helpers/server.ts";

const enabled = await hasChromium("web_live_captions");
const ROOM = "ccroom";

Deno.test({
  name: "web: live captions show over the video; CC turns them off and stays off",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startTestServer();
    const browser = await launchChromium();
    try {
      const caption = (text: string, startMs: number, speaker?: { id: string; name: string }) =>
        new RoomClient(srv.server.actors).caption(ROOM, {
          kind: "caption",
          recordingId: "rec-cc",
          startMs,
          endMs: startMs + 1_500,
          at: Date.now(),
          text,
          source: "local",
          speaker,
        });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${srv.url}/r/${ROOM}`);
      await page.waitForSelector("#conn.connected", { timeout: 10_000 });

      await caption("welcome to the stream everyone", 0);
      const line = page.locator("#caption-line");
      await line.filter({ hasText: "welcome to the stream everyone" }).waitFor({
        state: "visible",
        timeout: 10_000,
      });
      assert.equal(await page.getAttribute("#cc-btn", "aria-pressed"), "true");

      assert.equal(await page.locator("#caption-line .caption-speaker").count(), 0);

      // A newer caption replaces the line; a guest's caption says who spoke.
      await caption("today we test the new camera", 2_000, { id: "u_gina", name: "Gina" });
      await line.filter({ hasText: "today we test the new camera" }).waitFor({ timeout: 10_000 });
      assert.equal(await page.textContent("#caption-line .caption-speaker"), "Gina");

      // CC off: the line hides, and later captions stay hidden (also after a reload).
      await page.click("#cc-btn");
      assert.equal(await page.getAttribute("#cc-btn", "aria-pressed"), "false");
      assert.equal(await line.isVisible(), false);
      await page.reload();
      await page.waitForSelector("#conn.connected", { timeout: 10_000 });
      assert.equal(await page.getAttribute("#cc-btn", "aria-pressed"), "false");
      await caption("this one is not shown", 4_000);
      await line.filter({ hasText: "this one is not shown" }).waitFor({
        state: "attached",
        timeout: 10_000,
      });
      assert.equal(await line.isVisible(), false);

      // CC on again: the next caption shows.
      await page.click("#cc-btn");
      await caption("captions are back", 6_000);
      await line.filter({ hasText: "captions are back" }).waitFor({
        state: "visible",
        timeout: 10_000,
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await srv.close();
    }
  },
});
