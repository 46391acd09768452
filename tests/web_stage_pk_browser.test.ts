/**
 * The stage and PK panels in a real headless Chromium (fake camera), with livekit-server and a
 * started server: two rooms are live (rtc-node streamers); a signed-in viewer raises a hand on
 * the room page; the streamer sees it on the dashboard (/studio/{room}) and accepts; the
 * guest's page publishes its fake camera and a third viewer's page shows the guest's video
 * tile. Then the streamer invites the other room to a PK and its streamer accepts: the third
 * viewer's PK panel shows the other room's stream beside this one's, and a gift moves this
 * side's live score.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { TestViewer } from "./helpers/edge_client.ts";
import { hasChromium, launchChromium } from "./helpers/browser.ts";
import { callJson as call } from "./helpers/http.ts";
import { startSyntheticStreamer } from "./helpers/livekit.ts";
import { startMediaServer } from "./helpers/media_server.ts";

const enabled = await hasChromium("web_stage_pk_browser");
const ROOM = "stage-web";
const OTHER = "stage-web-b";

interface Account {
  token: string;
  id: string;
  session: Record<string, unknown>;
}

/** A page in its own context, signed in as `who` (or a guest), whose errors go to `errors`. */
async function pageAs(browser: Browser, errors: string[], label: string, who?: Account) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  if (who) {
    await ctx.addInitScript(
      `localStorage.setItem("synapse.auth", ${JSON.stringify(JSON.stringify(who.session))})`,
    );
  }
  const page = await ctx.newPage();
  page.on("pageerror", (e) => errors.push(`${label}: ${e}`));
  return page;
}

/** Waits for a JS predicate (null-safe: the page renders lazily) with a generous timeout. */
const until = (page: Page, predicate: string, timeout = 90_000) =>
  page.waitForFunction(predicate, null, { timeout, polling: 500 });

/** A playing <video> (frames decoded) matching `selector`. */
const playing = (selector: string) =>
  `(() => { const v = document.querySelector(${JSON.stringify(selector)});
    return !!v && v.videoWidth > 0 && v.currentTime > 0.2; })()`;

Deno.test({
  name: "web stage + PK: raise → accept on the dashboard → a viewer sees the guest; PK panel",
  ignore: !enabled,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const { server, lk } = await startMediaServer(cleanups, {
        bucket: "stageweb",
        livekit: true,
        // The rooms are recorded while live: keep the analysis of the recordings out of the
        // way (no captions, no OCR, one segment per minute).
        env: {
          ASR_ENGINE: "off",
          ANALYSIS_OCR: "false",
          AUDIO_DENOISE_DB: "0",
          RECORDING_SEGMENT_SECONDS: "60",
        },
      });
      const base = server.url;
      const register = async (username: string): Promise<Account> => {
        const r = await call(base, "/api/auth/register", {
          json: { username, password: "correct horse battery" },
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        const session = {
          accessToken: r.body.accessToken,
          refreshToken: r.body.refreshToken,
          accessExpiresAt: Date.now() + 3_600_000,
          user: r.body.user,
        };
        return { token: r.body.accessToken, id: r.body.user.id, session };
      };
      const host = await register("sw_host");
      const other = await register("sw_other");
      const gina = await register("sw_gina");
      const vic = await register("sw_vic");
      for (const [who, id] of [[host, ROOM], [other, OTHER]] as const) {
        const made = await call(base, "/api/rooms", { token: who.token, json: { id, title: id } });
        assert.equal(made.status, 201, JSON.stringify(made.body));
        const pub = await call(base, `/api/media/token?roomId=${id}&role=streamer`, {
          token: who.token,
        });
        const streamer = await startSyntheticStreamer(lk!.wsUrl, pub.body.token, { fps: 10 });
        cleanups.push(() => streamer.stop());
      }
      const browser = await launchChromium([
        "--autoplay-policy=no-user-gesture-required",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
      ]);
      cleanups.push(() => browser.close());
      const errors: string[] = [];
      const open = async (page: Page, path: string) => {
        await page.goto(`${base}${path}`, { waitUntil: "domcontentloaded", timeout: 90_000 });
      };

      // The third viewer watches the live room.
      const viewer = await pageAs(browser, errors, "viewer", vic);
      await open(viewer, `/r/${ROOM}`);
      await until(viewer, playing("#live-video"));

      // Gina raises a hand on the room page.
      const guest = await pageAs(browser, errors, "guest", gina);
      await open(guest, `/r/${ROOM}`);
      await until(guest, `!!document.querySelector("#conn.connected")`);
      const raise = guest.locator("#stage-panel button", { hasText: "Raise hand" });
      await raise.waitFor({ timeout: 60_000 });
      await raise.click();

      // The streamer accepts on the dashboard.
      const dash = await pageAs(browser, errors, "dashboard", host);
      await open(dash, `/studio/${ROOM}`);
      const queued = dash.locator("#stage-panel .stage-queue li", { hasText: "sw_gina" });
      await queued.waitFor({ timeout: 90_000 });
      await queued.locator("button", { hasText: "Accept" }).click();
      await dash.locator("#stage-panel .stage-guests li", { hasText: "sw_gina" }).waitFor({
        timeout: 60_000,
      });

      // Gina's page publishes its camera; the third viewer sees her tile play.
      const tile = `#stage-tiles [data-identity="${gina.id}"] video`;
      await until(viewer, playing(tile));
      assert.equal(
        await viewer.locator(`#stage-tiles [data-identity="${gina.id}"] .stage-tile-name`)
          .innerText(),
        "sw_gina",
      );

      // PK: the streamer invites the other room, its streamer accepts.
      const invite = await call(base, "/api/pk", {
        token: host.token,
        json: { from: ROOM, to: OTHER, durationSec: 600 },
      });
      assert.equal(invite.status, 201, JSON.stringify(invite.body));
      const accepted = await call(base, `/api/pk/${invite.body.pkId}/accept`, {
        token: other.token,
        json: {},
      });
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
      // The viewer's PK panel: running, the other room's stream beside this one's, 0 : 0.
      await until(viewer, `!!document.querySelector('.pk-board[data-status="running"]')`);
      await until(viewer, playing("video.pk-other"));
      await until(viewer, playing("#live-video"), 10_000);
      assert.equal(await viewer.locator(".pk-bar").getAttribute("aria-label"), "0 : 0");

      // A gift in this room moves this side's score live.
      const topup = await call(base, "/api/wallet/topup", {
        token: vic.token,
        json: { amount: "100000", idempotencyKey: `topup-${vic.id}` },
      });
      assert.equal(topup.status, 201, JSON.stringify(topup.body));
      const { viewer: ws } = await TestViewer.join(server.wsUrl(ROOM), ROOM, vic.token);
      cleanups.push(() => Promise.resolve(ws.socket.close()));
      ws.send({
        type: "gift",
        giftId: "star",
        count: 2,
        idempotencyKey: "sw-gift-1",
        clientId: "g1",
      });
      const ok = await ws.next((f) => f.clientId === "g1", 30_000);
      assert.equal(ok.type, "gift_ok", JSON.stringify(ok));
      const amount = String(ok.result.amount);
      await until(
        viewer,
        `document.querySelector(".pk-bar")?.getAttribute("aria-label") === "${amount} : 0"`,
        60_000,
      );
      assert.equal(await viewer.locator(".pk-bar .pk-a").innerText(), amount);
      assert.deepEqual(errors, []);
    } finally {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    }
  },
});
