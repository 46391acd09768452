/**
 * Chat replay on the VOD page in a real headless Chromium: danmaku sent to the room while it
 * was recorded fly over the playing video (`#vod-danmaku-layer`, the live room's flying
 * code), loaded from `GET /api/vod/:recordingId/danmaku` around the playhead; the toggle
 * hides them; after a seek back to the start they fly again. The recording is real H.264/AAC
 * from ffmpeg in MinIO, indexed as the recorder indexes one. Skipped, saying why, when
 * Chromium is absent or cannot play H.264 through MSE.
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
if (skip) console.warn(`vod_danmaku_browser: skipped: ${skip}`);

Deno.test({
  name: "vod danmaku: the VOD page flies the recorded chat over the playing video",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server, objects, sql, index } = await startVodStack(cleanups, "vodchat");
      const roomId = "vodchatroom";
      const recordingId = "rec_chat_browser";
      // The chat, sent to the room now; the recording is laid out so it starts 1.5 s before.
      const actor = { userId: "u1", name: "fan", kind: "user", roles: [] };
      const said = await server.server.actors.ask<{ id: string }>("rooms", roomId, {
        kind: "say",
        actor,
        text: "replayed danmaku 666",
      });
      const row = await (async () => {
        for (let i = 0; i < 100; i++) {
          const r = await sql.query<{ at: string }>(
            "SELECT at::text FROM danmaku_archive WHERE id = $1",
            [said.id],
          );
          if (r[0]) return r[0];
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error("the message was not archived");
      })();
      await writeRecording({
        index,
        objects,
        roomId,
        recordingId,
        seconds: 8,
        startedAt: Number(row.at) - 1_500,
      });

      const browser = await launchChromium(AUTOPLAY);
      cleanups.push(() => browser.close());
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(String(e)));
      await page.goto(`${server.url}/#/vod?room=${roomId}&rec=${recordingId}`);
      const flying = `[...document.querySelectorAll("#vod-danmaku-layer .danmaku")]
        .some((d) => d.textContent === "replayed danmaku 666")`;
      // Not before its moment (1.5 s in), then over the video while it plays.
      await page.waitForFunction(flying, null, { timeout: 20_000 });
      const when = await page.evaluate(`document.querySelector("#vod-video")?.currentTime`);
      assert.ok(Number(when) >= 1.4, `shown at ${when} s`);
      assert.equal(await page.locator("#vod-danmaku-layer").isVisible(), true);

      // The toggle hides the layer; on again, a seek back to the start replays the message.
      await page.locator("#vod-danmaku-toggle").click();
      assert.equal(await page.locator("#vod-danmaku-layer").isVisible(), false);
      assert.equal(await page.locator("#vod-danmaku-layer .danmaku").count(), 0);
      await page.locator("#vod-danmaku-toggle").click();
      await page.evaluate(
        `(() => { const v = document.querySelector("#vod-video"); v.currentTime = 0; v.play(); })()`,
      );
      await page.waitForFunction(flying, null, { timeout: 20_000 });
      assert.deepEqual(pageErrors, []);
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});
