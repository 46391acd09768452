/**
 * The VOD page's search box in a real headless Chromium: a recording (real H.264/AAC HLS from
 * ffmpeg in MinIO, indexed as the recorder indexes one) with a caption cue and an on-screen
 * line (as the analysis stores them) that both hold 特价. Typed and sent with the keyboard,
 * the search lists both hits in time order, each saying whether it was said or on screen; a
 * hit chosen with the keyboard seeks the playing video to its moment; a word that is nowhere
 * says so, in Chinese and in English. Skipped, saying why, when Chromium is absent or cannot
 * play H.264 through MSE.
 */
import assert from "node:assert/strict";
import { AnalysisStore } from "../actors/segment/analysis_store.ts";
import { seriousViolations } from "./helpers/axe.ts";
import { launchChromium } from "./helpers/browser.ts";
import { PHONE, screenshot } from "./helpers/screenshots.ts";
import {
  AUTOPLAY,
  startVodStack,
  vodPlaybackSkipReason,
  writeRecording,
} from "./helpers/vod_fixture.ts";

const skip = await vodPlaybackSkipReason();
if (skip) console.warn(`web_vod_search: skipped: ${skip}`);

Deno.test({
  name: "web vod search: said and on-screen hits, the chosen one seeks the video; zh-CN and en",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server, objects, sql, index } = await startVodStack(cleanups, "vodsearch");
      const roomId = "vodsearchroom";
      const recordingId = "rec_search_browser";
      const startedAt = Date.now() - 120_000;
      await writeRecording({ index, objects, roomId, recordingId, seconds: 20, startedAt });
      const store = new AnalysisStore(sql);
      // Said at 6 s; on screen in two key frames (numbered from 1), 14 s and 16 s: one
      // sighting from 14 s.
      await store.putCaption({
        recordingId,
        roomId,
        startMs: 6_000,
        endMs: 8_000,
        text: "今天特价只要五十九",
        source: "local",
        at: startedAt + 6_000,
      });
      await store.putScreenText(recordingId, 0, [
        {
          frame: 1,
          line: 0,
          roomId,
          at: startedAt + 14_000,
          text: "限时特价 ¥59",
          confidence: 0.9,
        },
        {
          frame: 2,
          line: 0,
          roomId,
          at: startedAt + 16_000,
          text: "限时特价 ¥59",
          confidence: 0.9,
        },
      ]);

      const browser = await launchChromium(AUTOPLAY);
      cleanups.push(() => browser.close());
      const errors: string[] = [];
      const ctx = await browser.newContext({ locale: "zh-CN", viewport: PHONE });
      ctx.setDefaultTimeout(60_000);
      const page = await ctx.newPage();
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${server.url}/vod/${roomId}/${recordingId}`, {
        waitUntil: "domcontentloaded",
        timeout: 120_000,
      });
      // The video has its media (a seek moves a real playhead, not a start position).
      await page.waitForFunction(
        `(document.querySelector("#vod-video")?.readyState ?? 0) >= 1`,
        null,
        { timeout: 60_000 },
      );

      // Keyboard only: the box, the query, Enter.
      await page.focus("#vod-search-q");
      assert.equal(
        await page.getAttribute("#vod-search-q", "aria-label"),
        "搜索本视频",
        "the box is labelled",
      );
      await page.keyboard.type("特价");
      await page.keyboard.press("Enter");
      const hits = page.locator("#vod-search-hits li");
      await hits.nth(1).waitFor();
      assert.equal(await hits.count(), 2);
      assert.deepEqual(
        await hits.evaluateAll((items) => items.map((li) => li.getAttribute("data-offset"))),
        ["6000", "14000"],
        "in time order, at their VOD offsets",
      );
      assert.match(await hits.nth(0).innerText(), /\b0:06.*口播.*今天特价只要五十九/s);
      assert.match(await hits.nth(1).innerText(), /\b0:14.*画面.*限时特价 ¥59/s);
      assert.deepEqual(await seriousViolations(page), [], "axe: VOD search in Chinese");
      await screenshot(page, "vod-search-zh-390");

      // The on-screen hit, chosen with the keyboard, seeks the video to 14 s.
      await hits.nth(1).locator("button").focus();
      await page.keyboard.press("Enter");
      await page.waitForFunction(
        `Math.abs((document.querySelector("#vod-video")?.currentTime ?? 0) - 14) < 1`,
        null,
        { timeout: 20_000 },
      );
      // And the said one back to 6 s.
      await hits.nth(0).locator("button").click();
      await page.waitForFunction(
        `Math.abs((document.querySelector("#vod-video")?.currentTime ?? 0) - 6) < 1`,
        null,
        { timeout: 20_000 },
      );

      // Nowhere in the video: it says so (a status line), and lists nothing.
      await page.fill("#vod-search-q", "不存在的词");
      await page.keyboard.press("Enter");
      await page.locator(".vod-search [role=status]", { hasText: "本视频中没有找到。" }).waitFor();
      assert.equal(await hits.count(), 0);

      // In English.
      await page.selectOption("#lang-select", "en");
      await page.locator("#vod-search-h", { hasText: "Search this video" }).waitFor();
      await page.fill("#vod-search-q", "nothing like this");
      await page.keyboard.press("Enter");
      await page.locator(".vod-search [role=status]", { hasText: "Not found in this video." })
        .waitFor();
      await page.fill("#vod-search-q", "特价");
      await page.keyboard.press("Enter");
      await page.locator("#vod-search-hits li", { hasText: "on screen" }).waitFor();
      assert.match(await hits.nth(0).innerText(), /said/);
      await ctx.close();
      assert.deepEqual(errors, []);
    } finally {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    }
  },
});
