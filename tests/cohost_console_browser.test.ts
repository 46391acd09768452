/**
 * The dashboard's Co-host tab in Chromium (`/studio/{room}#cohost`; the older
 * `/console/cohost?room=…` redirects there): link a Bilibili room and see its health, switch
 * the co-host on in the persona editor, watch it answer bridged chat in the tab's log, unlink.
 */
import assert from "node:assert/strict";
import { commandPacket, danmuMsg, startBilibiliServer } from "./helpers/bilibili_server.ts";
import { hasChromium, launchChromium, newPage, waitText } from "./helpers/browser.ts";
import { startTestServer } from "./helpers/server.ts";
import { waitForValue } from "./helpers/wait.ts";

Deno.test("console: link a Bilibili room, see its health, turn the co-host on, see it answer, unlink", async () => {
  if (!(await hasChromium("cohost console"))) return;
  const bili = startBilibiliServer();
  const srv = await startTestServer({
    env: {
      BILIBILI_LIVE_API: bili.baseUrl,
      BILIBILI_API: bili.baseUrl,
      BILIBILI_WS_SCHEME: "ws",
    },
  });
  const browser = await launchChromium();
  const errors: string[] = [];
  try {
    const token = await srv.mintToken({ sub: "streamer", name: "Streamer", roles: ["admin"] });
    const page = await newPage(browser, errors);
    const session = JSON.stringify({
      accessToken: token,
      refreshToken: "x",
      accessExpiresAt: Date.now() + 3_600_000,
      user: { id: "streamer", username: "streamer", displayName: "Streamer", roles: ["admin"] },
    });
    await page.addInitScript(`localStorage.setItem("synapse.auth", ${JSON.stringify(session)})`);
    await page.goto(`${srv.url}/console/cohost?room=show1`);
    await page.waitForURL(`**/studio/show1#cohost`);
    await waitText(page, "#no-links", "No outside room linked.");

    await page.fill("#link-bili [name=roomId]", String(bili.shortId));
    await page.click("#link-bili button");
    await waitText(page, "#bridge-links", `bilibili ${bili.shortId}`);
    await waitText(page, "#bridge-links td.ok", "yes");

    await page.check("#persona-form [name=enabled]");
    await page.selectOption("#persona-form [name=language]", "en");
    await page.uncheck("#persona-form [name=voice]");
    await page.click("#persona-form button[type=submit]");
    await waitText(page, "#cohost-status", "Persona saved.");

    await waitForValue(
      "bridge connected",
      () => Promise.resolve(bili.sockets.length === 1 || undefined),
    );
    bili.send(commandPacket(danmuMsg(21, "远方", "hello from bilibili")));
    await waitText(page, "#cohost-log", "hello from bilibili");
    await waitText(page, "#cohost-log", "Welcome, 远方!");
    await waitText(page, "#cohost-state", "answered 1");

    // The room page shows the bridged chat with its platform, and what the co-host says.
    const room = await newPage(browser, errors);
    await room.addInitScript(`localStorage.setItem("synapse.auth", ${JSON.stringify(session)})`);
    await room.goto(`${srv.url}/r/show1`);
    await room.waitForSelector("#conn.connected", { timeout: 10_000 });
    bili.send(commandPacket(danmuMsg(22, "远方二号", "hi again")));
    bili.send(commandPacket({
      cmd: "SEND_GIFT",
      data: {
        uid: 22,
        uname: "远方二号",
        giftName: "小花花",
        num: 2,
        coin_type: "gold",
        total_coin: 2000,
      },
    }));
    await waitText(room, "#chat", "[bilibili] 远方二号");
    await waitText(room, "#chat", "sent 2 × 小花花 (CNY 2.00)");
    await waitText(room, "#chat", "AI co-host");

    await page.click("#bridge-links button");
    await waitText(page, "#no-links", "No outside room linked.");
    await waitForValue(
      "bridge gone",
      () => Promise.resolve(bili.sockets.length === 0 || undefined),
    );
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await srv.close();
    await bili.close();
  }
});
