/**
 * The VOD page in a real headless Chromium (playwright-core, Debian's chromium): a room's
 * recording is listed, its HLS playlist (the edge's playlist of presigned MinIO segments)
 * plays through hls.js served from node_modules — the video's currentTime advances — and
 * the segment timeline and highlight markers are drawn. The recording is written the way
 * the recorder writes one (real H.264/AAC segments from ffmpeg in MinIO, rows in the index).
 * Skipped, saying why, when Chromium is absent or cannot play H.264 through MSE.
 */
import assert from "node:assert/strict";
import { launchChromium } from "./helpers/browser.ts";
import {
  AUTOPLAY,
  startVodStack,
  vodPlaybackSkipReason,
  writeRecording,
} from "./helpers/vod_fixture.ts";

const skip = await vodPlaybackSkipReason();
if (skip) console.warn(`media_e2e_browser: skipped: ${skip}`);

Deno.test({
  name: "media e2e: the VOD page plays a recording over HLS in Chromium",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server, objects, index } = await startVodStack(cleanups, "vod");
      const roomId = "vodroom";
      const recordingId = "rec_browser_1";
      const produced = await writeRecording({
        index,
        objects,
        roomId,
        recordingId,
        seconds: 6,
        startedAt: Date.now() - 60_000,
      });

      const browser = await launchChromium(AUTOPLAY);
      cleanups.push(() => browser.close());
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(String(e)));
      await page.goto(`${server.url}/#/vod?room=${roomId}`);
      await page.locator("#recording-list a").first().waitFor({ timeout: 10_000 });
      assert.equal(await page.locator("#recording-list li").count(), 1);
      // The timeline shows every segment.
      await page.waitForFunction(
        `document.querySelectorAll("#vod-timeline .seg").length === ${produced.segments}`,
        null,
        { timeout: 10_000 },
      );
      // hls.js plays it: the position moves past a second.
      await page.waitForFunction(
        `(() => { const v = document.querySelector("#vod-video"); return v && v.currentTime > 1; })()`,
        null,
        { timeout: 20_000 },
      );
      const state = await page.evaluate(
        `(() => { const v = document.querySelector("#vod-video");
          return { t: v.currentTime, w: v.videoWidth, paused: v.paused }; })()`,
      ) as { t: number; w: number; paused: boolean };
      assert.ok(state.t > 1, `currentTime ${state.t}`);
      assert.equal(state.w, 320);

      // This server records but has no LiveKit: the room's player says media is off.
      await page.goto(`${server.url}/r/${roomId}`);
      await page.waitForFunction(
        `document.querySelector("#stream-badge")?.textContent === "media off"`,
        null,
        { timeout: 10_000 },
      );
      assert.match(await page.locator(".video-placeholder").innerText(), /media is off/);
      assert.deepEqual(pageErrors, []);
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});
