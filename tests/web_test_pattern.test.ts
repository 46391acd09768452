/**
 * Going live with no camera: Debian's Chromium without a fake camera or microphone (the
 * permission prompt answered yes) asks the dashboard to go live with the camera; there is
 * none, so the test pattern (edge/web/client/src/studio/test_pattern.ts) is published as the
 * video through the embedded livekit-server, and a viewer's picture on /r/:room advances.
 * Skipped, saying so, without Chromium or where livekit-server cannot run.
 */
import assert from "node:assert/strict";
import { hasChromium, launchChromium, PICTURE_CHANGES, signedInPage } from "./helpers/browser.ts";
import { startEmbeddedMedia, streamerWithRoom } from "./helpers/embedded_media.ts";
import { DESKTOP, screenshot } from "./helpers/screenshots.ts";
import { waitForValue } from "./helpers/wait.ts";

const enabled = await hasChromium("web_test_pattern");

Deno.test({
  name: "web: no camera — the dashboard publishes a test pattern, a viewer sees it move",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server } = await startEmbeddedMedia(cleanups);
      const base = server.url;
      const room = "pattern-room";
      const { session } = await streamerWithRoom(base, "pattern_streamer", room);
      // No --use-fake-device-for-media-stream: this browser has no camera and no microphone.
      const browser = await launchChromium([
        "--autoplay-policy=no-user-gesture-required",
        "--use-fake-ui-for-media-stream",
      ]);
      cleanups.push(() => browser.close());
      const errors: string[] = [];
      const studio = await signedInPage(browser, session, errors, { viewport: DESKTOP });
      await studio.goto(`${base}/studio/${room}`, { waitUntil: "domcontentloaded" });
      assert.equal(
        await studio.evaluate(
          "navigator.mediaDevices.enumerateDevices().then((d) => d.filter((x) => x.kind === 'videoinput').length)",
        ),
        0,
        "no camera in this browser",
      );
      await studio.click("#go-live-btn");
      await studio.locator("#golive-status", { hasText: "a test pattern (no camera)" }).waitFor({
        timeout: 60_000,
      });
      await studio.locator("#notice", { hasText: "No camera found" }).waitFor();
      // The preview plays the pattern.
      await waitForValue("the preview advances", async () => {
        const t = await studio.evaluate(
          `document.getElementById("golive-preview")?.videoWidth ?? 0`,
        );
        return t === 1280 || undefined;
      }, { timeoutMs: 30_000, stepMs: 250 });
      await screenshot(studio, "studio-test-pattern-en-1440");

      const viewer = await browser.newPage({ viewport: DESKTOP });
      viewer.on("pageerror", (e) => errors.push(String(e)));
      await viewer.goto(`${base}/r/${room}`, { waitUntil: "domcontentloaded", timeout: 60_000 });
      await viewer.waitForSelector("#conn.connected", { timeout: 60_000 });
      await waitForValue(
        "the viewer's picture changes",
        async () => (await viewer.evaluate(PICTURE_CHANGES)) === true || undefined,
        { timeoutMs: 90_000, stepMs: 500 },
      );
      assert.equal(await viewer.getAttribute("#video", "data-transport"), "webrtc");

      await studio.click("#end-stream-btn");
      await studio.locator("#go-live-btn").waitFor({ timeout: 30_000 });
      assert.deepEqual(errors, []);
    } finally {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    }
  },
});
