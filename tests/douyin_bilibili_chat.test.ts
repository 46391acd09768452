/**
 * A windowed recording of a Bilibili live room hears that room's own chat: the room made for the
 * stream is linked to it by a bridge, so a Bilibili viewer's danmaku is in the window's chat
 * (`GET /api/recording/danmaku`). Whole server on MinIO and Postgres; the Bilibili danmaku
 * protocol is the bridge tests' local server (tests/helpers/bilibili_server.ts). The stream
 * itself is a loopback test stream the test's resolver names as that Bilibili room (resolving
 * Bilibili's play URLs is tests/media_platforms.test.ts's part).
 */
import assert from "node:assert/strict";
import type { StreamUrlResolver } from "../media/recorder/url_source.ts";
import { commandPacket, danmuMsg, startBilibiliServer } from "./helpers/bilibili_server.ts";
import { liveHls, openLiveSse } from "./helpers/live_hls.ts";
import { startMediaServer } from "./helpers/media_server.ts";
import { waitForValue } from "./helpers/wait.ts";

Deno.test({
  name: "douyin API: a Bilibili live room's own chat lands in the windows of its recording",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const bili = startBilibiliServer();
      cleanups.push(() => bili.close());
      const source = await liveHls();
      cleanups.push(() => source.close());
      const resolver: StreamUrlResolver = {
        resolve: () =>
          Promise.resolve({
            url: source.url,
            format: "hls",
            room: {
              platform: "bilibili",
              roomId: String(bili.realId),
              anchor: "晚风主播",
              title: "深夜电台",
            },
          }),
      };
      const { server } = await startMediaServer(cleanups, {
        bucket: "bilichat",
        livekit: false,
        urlResolver: resolver,
        env: {
          RECORDING_SEGMENT_SECONDS: "2",
          ASR_ENGINE: "off",
          ANALYSIS_OCR: "false",
          BILIBILI_LIVE_API: bili.baseUrl,
          BILIBILI_API: bili.baseUrl,
          BILIBILI_WS_SCHEME: "ws",
          BILIBILI_HEARTBEAT_MS: "500",
        },
      });
      const reg = await fetch(`${server.url}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "bili_fan", password: "correct horse battery" }),
      }).then((r) => r.json());
      const bearer = {
        authorization: `Bearer ${reg.accessToken}`,
        "content-type": "application/json",
      };
      const sse = await openLiveSse(`${server.url}/api/recording/events`, reg.accessToken);
      cleanups.push(() => sse.close());
      await sse.waitFor(() => sse.events.some((e) => e.type === "ready"), "ready");
      const started = await fetch(`${server.url}/api/recording/start`, {
        method: "POST",
        headers: bearer,
        body: JSON.stringify({ live_url: "https://live.bilibili.com/520", segment_time: 10 }),
      });
      assert.equal(started.status, 201, await started.clone().text());
      const body = await started.json();
      assert.equal(body.platform, "bilibili");
      assert.equal(body.chat, "linked");
      await waitForValue(
        "the bridge connected",
        () => Promise.resolve(bili.sockets.length || undefined),
        {
          timeoutMs: 60_000,
        },
      );
      bili.send(commandPacket(danmuMsg(11, "远方观众", "来自B站的问候")));
      await sse.waitFor(() => sse.of("segment_ready").length >= 2, "two windows", 180_000);
      const found = await waitForValue("the Bilibili greeting in a window", async () => {
        for (const w of sse.of("segment_ready")) {
          const page = await (await fetch(
            `${server.url}/api/recording/danmaku?recording_id=${body.recording_id}&seq=${w.seq}`,
            { headers: bearer },
          )).json();
          const hit = page.comments.find((m: { content: string }) => m.content === "来自B站的问候");
          if (hit) return { hit, window: page };
        }
        return undefined;
      }, { timeoutMs: 60_000, stepMs: 1_000 });
      assert.equal(found.hit.user, "远方观众");
      assert.ok(found.hit.ts >= found.window.start_ts && found.hit.ts < found.window.end_ts);
      // Recording the same stream again reuses its room and its link.
      await fetch(`${server.url}/api/recording/stop`, {
        method: "POST",
        headers: bearer,
        body: JSON.stringify({ recording_id: body.recording_id }),
      }).then((r) => r.body?.cancel());
      const again = await fetch(`${server.url}/api/recording/start`, {
        method: "POST",
        headers: bearer,
        body: JSON.stringify({ live_url: "https://live.bilibili.com/520", segment_time: 10 }),
      });
      assert.equal(again.status, 201);
      const second = await again.json();
      assert.equal(second.room_id, body.room_id);
      assert.equal(second.chat, "already_linked");
      await fetch(`${server.url}/api/recording/stop`, {
        method: "POST",
        headers: bearer,
        body: JSON.stringify({ recording_id: second.recording_id }),
      }).then((r) => r.body?.cancel());
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => {});
    }
  },
});
