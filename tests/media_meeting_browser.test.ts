/**
 * The meeting page in headless Chromium against a real livekit-server and the whole server:
 * the host (signed in) opens /m/{room} and joins, publishing Chromium's fake camera; a
 * participant (an rtc-node client) asks to join and appears in the host's waiting room; the
 * host admits from the page; the participant publishes a screen share, which the host's page
 * shows as a playing tile, and chats, which the page shows; the participant's raised hand
 * shows; End shows the attendance and the summary labelled as local. The E2EE worker is served.
 * Skipped, saying why, when Chromium is absent.
 */
import assert from "node:assert/strict";
import {
  LocalVideoTrack,
  Room,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoFrame,
  VideoSource,
} from "@livekit/rtc-node";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { TestViewer } from "./helpers/edge_client.ts";
import { callJson as call, registerUser } from "./helpers/http.ts";
import { startMediaServer } from "./helpers/media_server.ts";

const enabled = await hasChromium("media_meeting_browser");
const ROOM = "meet-web";

Deno.test({
  name: "meeting page: host admits from the waiting room, sees a screen share, chat, the end",
  ignore: !enabled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server, lk } = await startMediaServer(cleanups, { bucket: "meetweb", livekit: true });
      const base = server.url;
      const host = await registerUser(base, "web_host");
      const pat = await registerUser(base, "web_pat");
      const made = await call(base, "/api/rooms", {
        token: host.token,
        json: { id: ROOM, title: "Weekly", kind: "meeting" },
      });
      assert.equal(made.status, 201);
      const worker = await fetch(`${base}/vendor/livekit-client.e2ee.worker.js`);
      assert.equal(worker.status, 200);
      await worker.body?.cancel();

      const browser = await launchChromium([
        "--autoplay-policy=no-user-gesture-required",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
      ]);
      cleanups.push(() => browser.close());
      const errors: string[] = [];
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const session = {
        accessToken: host.token,
        refreshToken: host.refreshToken,
        accessExpiresAt: Date.now() + 600_000,
        user: host.user,
      };
      await ctx.addInitScript(
        `localStorage.setItem("synapse.auth", ${JSON.stringify(JSON.stringify(session))})`,
      );
      const page = await ctx.newPage();
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${base}/m/${ROOM}`, { waitUntil: "domcontentloaded", timeout: 90_000 });
      await page.click("#meeting-join", { timeout: 60_000 });
      await page.waitForSelector("#meeting-grid", { timeout: 60_000 });
      await page.waitForFunction(
        `!!document.querySelector("#meeting-grid video")?.videoWidth`,
        null,
        { timeout: 60_000 },
      );

      // The participant asks to join; the host admits from the page.
      const asked = await call(base, `/api/rooms/${ROOM}/meeting`, {
        token: pat.token,
        json: { op: "join" },
      });
      assert.equal(asked.body.me, "waiting");
      const admit = page.locator(`#meeting-waiting-list li[data-user="${pat.id}"] .admit`);
      await admit.click({ timeout: 30_000 });
      await page.waitForSelector(`#meeting-members li[data-user="${pat.id}"]`, {
        timeout: 30_000,
      });

      // The participant shares a screen; the host's page plays it.
      const tok = await call(base, `/api/media/token?roomId=${ROOM}`, { token: pat.token });
      assert.equal(tok.status, 200, JSON.stringify(tok.body));
      const room = new Room();
      cleanups.push(() => room.disconnect());
      await room.connect(lk.wsUrl, tok.body.token, { autoSubscribe: false, dynacast: false });
      const screen = new VideoSource(320, 180);
      await room.localParticipant!.publishTrack(
        LocalVideoTrack.createVideoTrack("screen", screen),
        new TrackPublishOptions({ source: TrackSource.SOURCE_SCREENSHARE }),
      );
      let n = 0;
      const timer = setInterval(() => {
        const shot = new Uint8Array(320 * 180 * 3 / 2).fill((n++ * 40) & 0xff);
        screen.captureFrame(new VideoFrame(shot, 320, 180, VideoBufferType.I420));
      }, 200);
      cleanups.push(() => Promise.resolve(clearInterval(timer)));
      await page.waitForFunction(
        `!!document.querySelector('[data-tile="${pat.id}:screen"] video')?.videoWidth`,
        null,
        { timeout: 60_000 },
      );

      // Chat and a raised hand reach the page.
      const ws = (await TestViewer.join(server.wsUrl(ROOM), ROOM, pat.token)).viewer;
      cleanups.push(() => Promise.resolve(ws.socket.close()));
      ws.send({ type: "say", text: "we decided to ship it" });
      await page.locator("#meeting-chat", { hasText: "we decided to ship it" }).waitFor({
        timeout: 30_000,
      });
      ws.send({ type: "meeting", cmd: { op: "hand", up: true } });
      await page.locator(`#meeting-members li[data-user="${pat.id}"]`, { hasText: "✋" })
        .waitFor({ timeout: 30_000 });

      // End: attendance and the summary, labelled local (no model configured).
      await page.click("#meeting-end");
      await page.locator(".meeting-summary[data-source=local]").waitFor({ timeout: 60_000 });
      assert.equal(await page.locator("#meeting-attendance tbody tr").count(), 2);
      assert.match(await page.locator(".meeting-summary").innerText(), /ship it/);
      assert.deepEqual(errors, []);
    } finally {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    }
  },
});
