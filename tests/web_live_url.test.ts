/**
 * The dashboard's "Record a live URL" panel (/studio, studio/live_url.tsx) in Chromium, in zh-CN
 * and en, against a whole server on MinIO and Postgres: the streamer pastes a live URL (a
 * stream ffmpeg makes here on loopback, recordable only through the test allowance
 * `DirectUrlResolver({ allowPrivateHosts: true })` handed to the server in-process), chooses a
 * 10 s window, starts; the page shows the recording, its windows as they land (SSE) with the
 * document's file names, the coaching lines of its windows, and stops it.
 */
import assert from "node:assert/strict";
import { DirectUrlResolver } from "../media/recorder/url_source.ts";
import { hasChromium, launchChromium, signedInPage, waitText } from "./helpers/browser.ts";
import { callJson } from "./helpers/http.ts";
import { liveHls } from "./helpers/live_hls.ts";
import { startMediaServer } from "./helpers/media_server.ts";

const enabled = await hasChromium("web_live_url");

const LOCALES = [
  { locale: "zh-CN", title: "录制外部直播", recording: "录制中", stopped: "已停止" },
  { locale: "en-US", title: "Record a live URL", recording: "recording", stopped: "stopped" },
] as const;

Deno.test({
  name:
    "web live URL: start a windowed recording from /studio, see windows and tips, stop (zh-CN, en)",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server } = await startMediaServer(cleanups, {
        bucket: "liveurl",
        livekit: false,
        urlResolver: new DirectUrlResolver({ allowPrivateHosts: true }),
        env: { RECORDING_SEGMENT_SECONDS: "2", ASR_ENGINE: "off", ANALYSIS_OCR: "false" },
      });
      const source = await liveHls();
      cleanups.push(() => source.close());
      const reg = await callJson(server.url, "/api/auth/register", {
        json: { username: "url_host", password: "correct horse battery" },
      });
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      const browser = await launchChromium();
      cleanups.push(() => browser.close());
      const errors: string[] = [];
      for (const l of LOCALES) {
        const page = await signedInPage(browser, reg.body, errors, { locale: l.locale });
        await page.goto(`${server.url}/studio`);
        await waitText(page, "#live-url-h", l.title, 60_000);
        await page.fill("#live-url-form [name=live_url]", `${source.url}?token=abc`);
        await page.fill("#live-url-form [name=segment_time]", "10");
        await page.selectOption("#live-url-form [name=quality]", "HD");
        await page.click("#live-url-form [type=submit]");
        await waitText(page, "#live-url-status", l.recording, 60_000);
        // The first window lands as an MP4 named by the document's scheme.
        const first = page.locator("#live-url-windows li[data-seq='0'] button");
        await first.waitFor({ timeout: 120_000 });
        assert.match(await first.innerText(), /^localhost_\d{8}_\d{6}_000\.mp4$/);
        // Its coaching lines follow its analysis.
        await page.locator("#live-url-tips li").first().waitFor({ timeout: 180_000 });
        const tips = await page.locator("#live-url-tips li").count();
        assert.ok(tips >= 3 && tips <= 5, `${tips} coaching lines`);
        await page.click("#live-url-stop");
        await waitText(page, "#live-url-status", l.stopped, 60_000);
        assert.equal(await page.locator("#live-url-form").count(), 1, "the form is back");
        await page.context().close();
      }
      assert.deepEqual(errors, []);
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});
