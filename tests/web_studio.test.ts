/**
 * The streamer dashboard (/studio) in Chromium against the whole server with a real
 * livekit-server: the streamer publishes Chromium's fake camera and microphone from the
 * dashboard (--use-fake-device-for-media-stream, --use-fake-ui-for-media-stream); a viewer in
 * a second context sees the video's frames advance and sends danmaku that the dashboard's chat
 * shows; the charts (uPlot) hold the room's viewers and chat rate from GET /api/rooms/:id/stats;
 * the whole in zh-CN and in en. An axe scan of every dashboard tab finds no serious
 * violations; screenshots at 390×844 and 1440×900 in both languages (tests/artifacts/).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { seriousViolations } from "./helpers/axe.ts";
import { hasChromium, launchChromium, signedInPage } from "./helpers/browser.ts";
import { callJson } from "./helpers/http.ts";
import { startMediaServer } from "./helpers/media_server.ts";
import { DESKTOP, PHONE, screenshot } from "./helpers/screenshots.ts";

const enabled = await hasChromium("web_studio");

const LOCALES = [
  { locale: "zh-CN", liveTab: "直播", aiTab: "直播间 AI" },
  { locale: "en", liveTab: "Live", aiTab: "Room AI" },
] as const;

/** The values of a chart's series 1 (uPlot's own data, from the element's instance). */
function chartValues(page: Page, id: string): Promise<number[]> {
  return page.evaluate(
    `(document.getElementById(${JSON.stringify(id)})?.uplot?.data?.[1] ?? [])
      .filter((v) => typeof v === "number")`,
  ) as Promise<number[]>;
}

async function scanTabs(page: Page, where: string, problems: string[]) {
  for (const tab of ["live", "ai", "stream", "cohost"]) {
    await page.click(`#tab-${tab}`);
    await page.locator(`#panel-${tab}`).waitFor();
    for (const v of await seriousViolations(page)) problems.push(`${where} #${tab}: ${v}`);
  }
  await page.click("#tab-live");
}

Deno.test({
  name:
    "web studio: go live with the fake camera, a viewer watches and chats, charts, zh-CN and en",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server } = await startMediaServer(cleanups, { bucket: "studio", livekit: true });
      const base = server.url;
      const reg = await callJson(base, "/api/auth/register", {
        json: {
          username: "studio_host",
          displayName: "主播小鱼",
          password: "correct horse battery",
        },
      });
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      const session = {
        accessToken: reg.body.accessToken,
        refreshToken: reg.body.refreshToken,
        accessExpiresAt: Date.now() + 3600_000,
        user: reg.body.user,
      };

      const browser = await launchChromium([
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        "--autoplay-policy=no-user-gesture-required",
      ]);
      cleanups.push(() => browser.close());
      const errors: string[] = [];
      const a11y: string[] = [];

      for (const { locale, liveTab, aiTab } of LOCALES) {
        const roomId = `studio-${locale.toLowerCase()}`;
        const made = await callJson(base, "/api/rooms", {
          token: reg.body.accessToken,
          json: { id: roomId, title: locale === "en" ? "Evening stream" : "晚间直播" },
        });
        assert.equal(made.status, 201, JSON.stringify(made.body));

        // The room list links the dashboard.
        const streamer = await signedInPage(browser, session, errors, {
          locale,
          viewport: DESKTOP,
        });
        await streamer.goto(`${base}/studio`);
        await streamer.locator(`a[href="/studio/${roomId}"]`).click();
        await streamer.waitForURL(`**/studio/${roomId}`);
        assert.equal(await streamer.getAttribute("html", "lang"), locale);
        assert.equal(await streamer.locator("#tab-live").innerText(), liveTab);
        assert.equal(await streamer.locator("#tab-ai").innerText(), aiTab);
        await streamer.locator("#socket-state").waitFor();
        await streamer.waitForFunction(
          `document.querySelector("#studio-chat") !== null`,
          null,
          { timeout: 20_000 },
        );

        // Go live with Chromium's fake camera and microphone; the preview plays it.
        await streamer.click("#go-live-btn");
        await streamer.locator('#golive-status[data-state="live"]').waitFor({ timeout: 30_000 });
        const tracks = await streamer.evaluate(
          `document.querySelector("#golive-preview")?.srcObject.getTracks().map((t) => t.kind).sort()`,
        );
        assert.deepEqual(tracks, ["audio", "video"]);

        // A guest viewer sees the stream's frames advance.
        const viewerCtx = await browser.newContext({ locale });
        const viewer = await viewerCtx.newPage();
        viewer.on("pageerror", (e) => errors.push(`viewer ${locale}: ${e}`));
        await viewer.goto(`${base}/r/${roomId}`, {
          waitUntil: "domcontentloaded",
          timeout: 60_000,
        });
        await viewer.waitForFunction(
          `(() => { const v = document.querySelector("#live-video");
            return v && v.videoWidth > 0 && v.currentTime > 0.2; })()`,
          null,
          { timeout: 45_000 },
        );
        const t1 = Number(
          await viewer.evaluate(`document.querySelector("#live-video")?.currentTime`),
        );
        await viewer.waitForFunction(
          `document.querySelector("#live-video")?.currentTime > ${t1 + 0.5}`,
          null,
          { timeout: 20_000 },
        );

        // The viewer's danmaku reaches the dashboard's chat.
        const said = locale === "en" ? "hello streamer 👋" : "主播好 👋";
        await viewer.locator("#conn.connected").waitFor({ timeout: 20_000 });
        await viewer.fill("#chat-input", said);
        await viewer.press("#chat-input", "Enter");
        await streamer.locator("#studio-chat li", { hasText: said }).waitFor({ timeout: 20_000 });
        // The stream state turned live in the header.
        await streamer.locator("#stream-state.live-badge").waitFor({ timeout: 20_000 });

        // The charts draw the room's series: viewers present, and the chat's messages.
        await streamer.waitForFunction(
          `(() => {
            const d = (id) => document.getElementById(id)?.uplot?.data?.[1] ?? [];
            return d("chart-viewers").some((v) => v >= 1) && d("chart-danmaku").some((v) => v > 0);
          })()`,
          null,
          { timeout: 30_000 },
        );
        assert.ok((await chartValues(streamer, "chart-gifts")).length >= 1, "a gifts series");
        const xs = await streamer.evaluate(
          `document.getElementById("chart-viewers").uplot.data[0].length`,
        );
        assert.ok(Number(xs) >= 1);
        assert.equal(await streamer.locator("#chart-viewers canvas").count(), 1);

        await scanTabs(streamer, `studio ${locale}`, a11y);
        for (const size of [PHONE, DESKTOP]) {
          await streamer.setViewportSize(size);
          await streamer.waitForTimeout(300); // let the charts take the new width (layout only)
          const overflow = await streamer.evaluate(
            `document.documentElement.scrollWidth - document.documentElement.clientWidth`,
          );
          assert.ok(
            Number(overflow) <= 0,
            `studio ${locale} ${size.width}px overflows by ${overflow}`,
          );
          await screenshot(streamer, `studio-${locale}-${size.width}x${size.height}`);
        }

        await streamer.click("#end-stream-btn");
        await streamer.locator('#golive-status[data-state="idle"]').waitFor({
          state: "attached",
          timeout: 20_000,
        });
        await viewerCtx.close();
        await streamer.context().close();
      }
      assert.deepEqual(a11y, []);
      assert.deepEqual(errors, []);
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});
