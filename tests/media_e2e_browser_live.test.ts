/**
 * Going live from the browser and watching over WebRTC, in real headless Chromium against a
 * real livekit-server, MinIO and the whole server: the streamer (signed in) opens the
 * dashboard (/studio/{room}) and publishes Chromium's fake camera and microphone; a guest
 * viewer (livekit-client served from /vendor) on the room page sees the badge turn
 * LIVE without reloading and receives the video over WebRTC, a viewer whose WebRTC cannot
 * start plays the stream's HLS recording instead; "End stream" turns it offline.
 * Skipped, saying why, when Chromium is absent.
 */
import { startMediaServer } from "./helpers/media_server.ts";
import assert from "node:assert/strict";
import { hasChromium, launchChromium } from "./helpers/browser.ts";

const enabled = await hasChromium("media_e2e_browser_live");

Deno.test({
  name: "media e2e: go live from Chromium, a viewer in Chromium watches over WebRTC",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server } = await startMediaServer(cleanups, {
        bucket: "live",
        livekit: true,
        env: { RECORDING_SEGMENT_SECONDS: "2" },
      });
      const base = server.url;
      const reg = await fetch(`${base}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "browser_streamer", password: "correct horse battery" }),
      }).then((r) => r.json());
      const made = await fetch(`${base}/api/rooms`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${reg.accessToken}`,
        },
        body: JSON.stringify({ id: "browser-live", title: "Browser live" }),
      });
      assert.equal(made.status, 201);

      const browser = await launchChromium([
        "--autoplay-policy=no-user-gesture-required",
        // the dashboard publishes Chromium's fake camera and microphone
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
      ]);
      cleanups.push(() => browser.close());
      const errors: string[] = [];

      // The viewer (a guest) is watching the offline room.
      const viewerCtx = await browser.newContext();
      const viewer = await viewerCtx.newPage();
      viewer.on("pageerror", (e) => errors.push(`viewer: ${e}`));
      await viewer.goto(`${base}/r/browser-live`);
      await viewer.waitForSelector("#conn.connected", { timeout: 10_000 });
      assert.equal(await viewer.locator("#stream-badge").innerText(), "offline");

      // The streamer, signed in, goes live from the browser.
      const streamerCtx = await browser.newContext();
      const session = {
        accessToken: reg.accessToken,
        refreshToken: reg.refreshToken,
        accessExpiresAt: Date.now() + 600_000,
        user: reg.user,
      };
      await streamerCtx.addInitScript(
        `localStorage.setItem("synapse.auth", ${JSON.stringify(JSON.stringify(session))})`,
      );
      const streamer = await streamerCtx.newPage();
      streamer.on("pageerror", (e) => errors.push(`streamer: ${e}`));
      await streamer.goto(`${base}/studio/browser-live`);
      await streamer.click("#go-live-btn");
      await streamer.waitForFunction(
        `/Live from this browser/.test(document.querySelector("#golive-status")?.textContent)`,
        null,
        { timeout: 20_000 },
      );
      const status = await streamer.locator("#golive-status").innerText();

      // The viewer's badge turns live without a reload, and the video arrives over WebRTC.
      await viewer.waitForFunction(
        `document.querySelector("#stream-badge")?.textContent.includes("LIVE")`,
        null,
        { timeout: 20_000 },
      );
      await viewer.waitForFunction(
        `(() => { const v = document.querySelector("#live-video");
          return v?.videoWidth > 0 && v.currentTime > 0.5; })()`,
        null,
        { timeout: 20_000 },
      );
      assert.equal(await viewer.locator("#video").getAttribute("data-transport"), "webrtc");
      const width = await viewer.evaluate(`document.querySelector("#live-video")?.videoWidth`);
      assert.ok(Number(width) > 0, `video width ${width}`);

      // A viewer whose WebRTC cannot start falls back to the stream's HLS recording.
      const hlsCtx = await browser.newContext();
      await hlsCtx.route("**/vendor/livekit-client.js", (route) => route.abort());
      const hlsViewer = await hlsCtx.newPage();
      hlsViewer.on("pageerror", (e) => errors.push(`hls viewer: ${e}`));
      await hlsViewer.goto(`${base}/r/browser-live`);
      await hlsViewer.waitForFunction(
        `(() => { const v = document.querySelector("#live-video");
          return document.querySelector("#video")?.dataset.transport === "hls" &&
            v?.currentTime > 0.5; })()`,
        null,
        { timeout: 40_000 },
      );

      // Ending the stream turns the room offline for the viewer.
      await streamer.locator("button", { hasText: "End stream" }).click();
      await viewer.waitForFunction(
        `document.querySelector("#stream-badge")?.textContent === "offline"`,
        null,
        { timeout: 20_000 },
      );
      assert.match(status, /test pattern|camera/);
      assert.deepEqual(errors, []);
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});
