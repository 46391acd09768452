/**
 * The streamer's effects reach viewers (issue 13): on the dashboard's Go live of a server on
 * embedded defaults (its own livekit-server), the streamer goes live from Chromium's fake 720p
 * camera (a person over a checkerboard) and a viewer on the room page receives it over WebRTC
 * from the real livekit-server; the streamer switches the virtual background on in the effects
 * panel and the viewer's frames get the studio background; switched off, the checkerboard is
 * back — the same published track all along, processed differently.
 * Skipped, saying why, without Chromium.
 */
import assert from "node:assert/strict";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { makeEffectsCamera, REGIONS } from "./helpers/effects_camera.ts";
import { startEmbeddedMedia, streamerWithRoom } from "./helpers/embedded_media.ts";
import { waitForValue } from "./helpers/wait.ts";

const enabled = await hasChromium("media_effects_live");

/** Mean |difference| from the studio background in the viewer's video, background region. */
const VIEWER_STUDIO_DIFF = `(async () => {
  const v = document.querySelector("#live-video");
  if (!v || !v.videoWidth) return undefined;
  const m = await synapseClient.effects();
  const c = document.createElement("canvas"); c.width = 1280; c.height = 720;
  const x = c.getContext("2d", { willReadFrequently: true });
  x.drawImage(v, 0, 0, 1280, 720);
  const r = ${JSON.stringify(REGIONS.background)};
  const d = x.getImageData(r.x, r.y, r.w, r.h).data;
  const s = m.studioBackground(1280, 720).getContext("2d").getImageData(r.x, r.y, r.w, r.h).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) {
    sum += (Math.abs(d[i] - s[i]) + Math.abs(d[i + 1] - s[i + 1]) + Math.abs(d[i + 2] - s[i + 2])) / 3;
  }
  return sum / (d.length / 4);
})()`;

Deno.test({
  name:
    "media effects: a virtual background switched on the dashboard's Go live reaches the viewer",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const cam = await makeEffectsCamera();
      cleanups.push(() => cam.cleanup());
      const { server } = await startEmbeddedMedia(cleanups);
      const base = server.url;
      const room = "effects-live";
      const { session } = await streamerWithRoom(base, "effects_streamer", room);
      const browser = await launchChromium(cam.args);
      cleanups.push(() => browser.close());
      const errors: string[] = [];

      const streamerCtx = await browser.newContext();
      await streamerCtx.addInitScript(
        `localStorage.setItem("synapse.auth", ${JSON.stringify(JSON.stringify(session))})`,
      );
      const streamer = await streamerCtx.newPage();
      streamer.on("pageerror", (e) => errors.push(`streamer: ${e}`));
      await streamer.goto(`${base}/studio/${room}`);
      await streamer.waitForSelector("#effects-panel");
      // this machine may be slow: keep the effect on whatever its frame rate
      await streamer.uncheck("#effect-autoOff");
      await streamer.click("#go-live-btn");
      await streamer.locator('#golive-status[data-state="live"]').waitFor({ timeout: 60_000 });

      const viewer = await (await browser.newContext()).newPage();
      viewer.on("pageerror", (e) => errors.push(`viewer: ${e}`));
      await viewer.goto(`${base}/r/${room}`, { waitUntil: "domcontentloaded", timeout: 60_000 });
      await viewer.waitForSelector("#conn.connected", { timeout: 60_000 });
      const studioDiff = () => viewer.evaluate(VIEWER_STUDIO_DIFF) as Promise<number | undefined>;
      const plain = await waitForValue("the viewer sees the checkerboard", async () => {
        const d = await studioDiff();
        return d !== undefined && d > 60 ? d : undefined;
      }, { timeoutMs: 120_000, stepMs: 500 });
      await streamer.check("#effect-background");
      const near = await waitForValue("the viewer sees the virtual background", async () => {
        const d = await studioDiff();
        return d !== undefined && d < 25 ? d : undefined;
      }, { timeoutMs: 120_000, stepMs: 500 });
      assert.equal(await viewer.locator("#video").getAttribute("data-transport"), "webrtc");
      // the panel shows the running figures
      await streamer.waitForSelector("#effects-stats", { timeout: 30_000 });
      assert.match(await streamer.locator("#effects-stats").innerText(), /fps|帧/);

      // Off while live: the same track now carries the camera's own background.
      await streamer.uncheck("#effect-background");
      const far = await waitForValue("the viewer sees the checkerboard again", async () => {
        const d = await studioDiff();
        return d !== undefined && d > 60 ? d : undefined;
      }, { timeoutMs: 60_000, stepMs: 500 });
      assert.ok(far > near && plain > near);
      assert.deepEqual(errors, []);
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});
