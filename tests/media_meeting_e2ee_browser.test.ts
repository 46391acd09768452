/**
 * An end-to-end encrypted meeting in headless Chromium against a real livekit-server and the
 * whole server: the host (signed in) switches E2EE on between meetings from the page (the key
 * is made in the browser), starts the meeting and makes an invite link, whose `#fragment`
 * carries the key; a second browser context (a guest session) opens the link, waits, is
 * admitted, and both publish Chromium's fake camera. Each page decodes the other's video
 * (frames keep coming) and livekit-client says that participant's media is encrypted; the
 * server refuses to record (`e2ee_on`). Then the host removes the guest, whose page says so,
 * and after the end the host's page lists the meeting under Past meetings (meeting history).
 * Skipped, saying why, when Chromium is absent.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { callJson as call, registerUser } from "./helpers/http.ts";
import { startMediaServer } from "./helpers/media_server.ts";

const enabled = await hasChromium("media_meeting_e2ee_browser");
const ROOM = "meet-e2ee";

/** Waits until `page` decodes `identity`'s camera (10 more frames) and sees it encrypted. */
async function decodesEncrypted(page: Page, identity: string) {
  const fn = `(() => {
    const tile = document.querySelector('[data-tile="${identity}"]');
    const v = tile?.querySelector("video");
    if (!v || !v.videoWidth || tile.dataset.encrypted !== "true") return false;
    const n = v.getVideoPlaybackQuality().totalVideoFrames;
    const seen = (globalThis.__frames ??= {});
    seen["${identity}"] ??= n;
    return n - seen["${identity}"] >= 10;
  })()`;
  await page.waitForFunction(fn, null, { timeout: 120_000, polling: 500 });
}

Deno.test({
  name: "meeting page: E2EE meeting through an invite link, both decode, no recording",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server } = await startMediaServer(cleanups, { bucket: "meete2ee", livekit: true });
      const base = server.url;
      const host = await registerUser(base, "e2ee_host");
      const made = await call(base, "/api/rooms", {
        token: host.token,
        json: { id: ROOM, title: "Private", kind: "meeting" },
      });
      assert.equal(made.status, 201);

      const browser = await launchChromium([
        "--autoplay-policy=no-user-gesture-required",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
      ]);
      cleanups.push(() => browser.close());
      const errors: string[] = [];
      const hostCtx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
      const session = {
        accessToken: host.token,
        refreshToken: host.refreshToken,
        accessExpiresAt: Date.now() + 600_000,
        user: host.user,
      };
      await hostCtx.addInitScript(
        `localStorage.setItem("synapse.auth", ${JSON.stringify(JSON.stringify(session))})`,
      );
      const hostPage = await hostCtx.newPage();
      hostPage.on("pageerror", (e) => errors.push(`host: ${e}`));
      await hostPage.goto(`${base}/m/${ROOM}`, { waitUntil: "domcontentloaded", timeout: 90_000 });

      // Between meetings the host switches E2EE on (the key is made in this browser).
      await hostPage.click("#meeting-e2ee", { timeout: 60_000 });
      await hostPage.locator(".meeting-e2ee").waitFor({ timeout: 30_000 });
      const state = await call(base, `/api/rooms/${ROOM}/meeting`, { token: host.token });
      assert.equal(state.body.view.e2ee, true);
      await hostPage.click("#meeting-join");
      await hostPage.waitForSelector("#meeting-grid", { timeout: 60_000 });

      // The invite link carries the key in its fragment, which never reaches the server.
      await hostPage.click("#meeting-invite");
      const link = await hostPage.locator(".meeting-link").inputValue({ timeout: 30_000 });
      assert.match(link, /\?invite=[^#]+#key=[A-Za-z0-9_-]{40,}$/);

      // A guest opens the link in another browser context, waits and is admitted.
      const guestCtx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
      const guestPage = await guestCtx.newPage();
      guestPage.on("pageerror", (e) => errors.push(`guest: ${e}`));
      await guestPage.goto(link, { waitUntil: "domcontentloaded", timeout: 90_000 });
      await guestPage.click("#meeting-join", { timeout: 60_000 });
      await guestPage.locator("#meeting-waiting").waitFor({ timeout: 30_000 });
      const waiting = hostPage.locator("#meeting-waiting-list li").first();
      await waiting.waitFor({ timeout: 30_000 });
      const guestId = (await waiting.getAttribute("data-user"))!;
      assert.ok(guestId);
      await waiting.locator(".admit").click();
      await guestPage.waitForSelector("#meeting-grid", { timeout: 60_000 });
      await guestPage.locator(".meeting-e2ee").waitFor({ timeout: 30_000 });

      // Each decodes the other's camera, and livekit-client reports it encrypted.
      await decodesEncrypted(hostPage, guestId);
      await decodesEncrypted(guestPage, host.id);

      // The server cannot record what it cannot decrypt.
      const rec = await call(base, "/api/recording/start", {
        token: host.token,
        json: { roomId: ROOM },
      });
      assert.equal(rec.status, 409, JSON.stringify(rec.body));
      assert.equal(rec.body.error.code, "e2ee_on");

      // The host removes the guest: the guest's page says so (its socket was closed).
      await hostPage.locator(`#meeting-members li[data-user="${guestId}"] button.danger`).click();
      await guestPage.locator(".meeting-removed").waitFor({ timeout: 60_000 });

      // After the end the host's page lists the meeting under Past meetings.
      await hostPage.click("#meeting-end");
      const meetingId = state.body.view.meetingId ??
        (await call(base, `/api/rooms/${ROOM}/meeting`, { token: host.token })).body.view
          .meetingId;
      await hostPage.locator(`#meeting-history li[data-meeting="${meetingId}"]`).waitFor({
        timeout: 90_000,
      });
      assert.deepEqual(errors, []);
    } finally {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    }
  },
});
