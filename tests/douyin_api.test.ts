/**
 * The Douyin document's recording API beside the room-based one, on real ffmpeg, MinIO and
 * Postgres (tests/helpers/media_stack.ts; the loopback test stream is allowed only by the
 * stack's own `DirectUrlResolver({ allowPrivateHosts: true })`): `POST /api/recording/start`
 * with `{live_url, segment_time}` answers `{recording_id, output}`; status and stop by
 * `recording_id`; the SSE carries `segment_ready` per window with its exact bounds; each window
 * is an MP4 named `{platform}/{anchor}/{date}/{anchor}_{YYYYmmdd_HHMMSS}_{seq}.mp4` that
 * downloads and plays.
 */
import assert from "node:assert/strict";
import { probe } from "../media/ffmpeg.ts";
import { startMediaStack } from "./helpers/media_stack.ts";
import { liveHls, openLiveSse } from "./helpers/live_hls.ts";
import { isTimeZone, safeName, windowFolder, windowKey } from "../media/recorder/window_names.ts";
import { LOCAL_OBJECTS_PATH, LocalObjectStore } from "../media/local_object_store.ts";
import { withoutQueries } from "../media/recorder/segmenter.ts";
import { localObjectRoutes } from "../edge/routes/media_objects.ts";
import { urlResolvers } from "../media/platforms/platforms.ts";
import { startPlatformStandIn } from "./helpers/platform_fixtures.ts";

const call = (token: string, body?: unknown) => ({
  method: body === undefined ? "GET" : "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: body === undefined ? undefined : JSON.stringify(body),
});

const WINDOW_S = 10;

/** `YYYYmmdd_HHMMSS` and `YYYY-mm-dd` of an instant in UTC. */
function utcStamp(at: number) {
  const iso = new Date(at).toISOString(); // 2026-12-05T23:40:12.345Z
  const day = iso.slice(0, 10);
  return { day, stamp: `${day.replaceAll("-", "")}_${iso.slice(11, 19).replaceAll(":", "")}` };
}

Deno.test({
  name:
    "douyin API: live_url start, windows as named MP4s over SSE, status and stop by recording_id",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const stack = await startMediaStack({ streamers: { dave: ["roomX"] } });
    const source = await liveHls();
    const base = stack.baseUrl;
    const sse = await openLiveSse(`${base}/api/recording/events`, "dave");
    const others = await openLiveSse(`${base}/api/recording/events`, "erin");
    try {
      // Refusals: the schema's, before anything starts.
      for (
        const body of [
          { live_url: "not a url" },
          { live_url: source.url, segment_time: 5 },
          { live_url: source.url, save_format: "flv" },
          { live_url: source.url, roomId: "roomX" },
        ]
      ) {
        const res = await fetch(`${base}/api/recording/start`, call("dave", body));
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal((await res.json()).error.code, "invalid_request");
      }
      const anon = await fetch(`${base}/api/recording/start`, {
        method: "POST",
        body: JSON.stringify({ live_url: source.url }),
      });
      assert.equal(anon.status, 401);
      await anon.body?.cancel();
      // Someone else's room cannot be named.
      const foreign = await fetch(
        `${base}/api/recording/start`,
        call("erin", { live_url: source.url, room_id: "roomX" }),
      );
      assert.equal(foreign.status, 403);
      await foreign.body?.cancel();

      await sse.waitFor(() => sse.events.some((e) => e.type === "ready"), "ready");
      const started = await fetch(
        `${base}/api/recording/start`,
        call("dave", {
          live_url: `${source.url}?auth_key=SECRET123&expire=99`,
          segment_time: WINDOW_S,
          quality: "OD",
          save_format: "mp4",
        }),
      );
      assert.equal(started.status, 201, await started.clone().text());
      const body = await started.json();
      const id: string = body.recording_id;
      assert.match(id, /^rec_/);
      assert.match(body.output, /^records\/url\/localhost\/\d{4}-\d\d-\d\d\/$/);
      assert.equal(body.segment_time, WINDOW_S);
      assert.match(body.room_id, /^out-url-[0-9a-f]{12}$/, "a room made for the stream");
      assert.ok(!JSON.stringify(body).includes("SECRET123"), "no token in the answer");

      // Status by recording_id: its owner yes, anyone else no.
      const status = await (await fetch(
        `${base}/api/recording/status?recording_id=${id}`,
        call("dave"),
      )).json();
      assert.equal(status.recording_id, id);
      assert.equal(status.state, "recording");
      assert.equal(status.segment_time, WINDOW_S);
      const nosy = await fetch(`${base}/api/recording/status?recording_id=${id}`, call("erin"));
      assert.equal(nosy.status, 403);
      await nosy.body?.cancel();

      // Two full windows over SSE, each with the window's exact bounds.
      const windows = () => sse.of("segment_ready");
      await sse.waitFor(() => windows().length >= 2, "two segment_ready");
      const rec = (await stack.index.recording(id))!;
      for (const w of windows().slice(0, 2)) {
        const seq = w.seq as number;
        assert.equal(w.recording_id, id);
        assert.equal(w.start_ts, rec.startedAt + seq * WINDOW_S * 1000, `window ${seq} start`);
        assert.equal(w.end_ts, (w.start_ts as number) + WINDOW_S * 1000, `window ${seq} end`);
        const { day, stamp } = utcStamp(w.start_ts as number);
        assert.equal(
          w.path,
          `records/url/localhost/${day}/localhost_${stamp}_${String(seq).padStart(3, "0")}.mp4`,
        );
      }
      assert.deepEqual(windows().slice(0, 2).map((w) => w.seq), [0, 1]);

      // Each window downloads as an MP4 with video and audio, about a window long.
      const dl = await fetch(`${base}${windows()[0].url}`, { ...call("dave"), redirect: "manual" });
      assert.equal(dl.status, 302);
      const mp4 = await probe(dl.headers.get("location")!);
      assert.match(mp4.formatName, /mp4/);
      assert.ok(mp4.video && mp4.audio, "video and audio");
      assert.ok(
        mp4.durationSec > WINDOW_S - 4 && mp4.durationSec < WINDOW_S + 4,
        `window 0 lasts ${mp4.durationSec} s`,
      );
      const denied = await fetch(`${base}${windows()[0].url}`, {
        ...call("erin"),
        redirect: "manual",
      });
      assert.equal(denied.status, 403);
      await denied.body?.cancel();

      // Stop by recording_id: the last (partial) window is stored and announced too.
      const stopped = await fetch(`${base}/api/recording/stop`, call("dave", { recording_id: id }));
      assert.equal(stopped.status, 200, await stopped.clone().text());
      const after = await stopped.json();
      assert.equal(after.state, "stopped");
      await sse.waitFor(
        () => sse.events.some((e) => e.type === "recording_stopped"),
        "recording_stopped",
      );
      const all = windows();
      const last = all.at(-1)!;
      assert.deepEqual(all.map((w) => w.seq), all.map((_, i) => i), "windows in order, no gap");
      assert.ok((last.end_ts as number) <= (last.start_ts as number) + WINDOW_S * 1000);
      assert.ok((last.end_ts as number) > (last.start_ts as number));
      const listed = await (await fetch(
        `${base}/api/recording/windows?recording_id=${id}`,
        call("dave"),
      )).json();
      assert.deepEqual(
        listed.windows.map((w: { seq: number; path: string }) => [w.seq, w.path]),
        all.map((w) => [w.seq, w.path]),
      );
      assert.deepEqual(after.windows.map((w: { seq: number }) => w.seq), all.map((w) => w.seq));
      const objects = await stack.objects.list("records/url/localhost/");
      assert.equal(objects.length, all.length, "one MP4 per window in the bucket");
      // Nobody else saw this recording's events.
      assert.equal(others.of("segment_ready").length, 0);

      // The room-based body still works on the same path (and answers its own shape).
      const roomBased = await fetch(
        `${base}/api/recording/start`,
        call("dave", { roomId: "roomX", url: source.url }),
      );
      assert.equal(roomBased.status, 201, await roomBased.clone().text());
      const { recording } = await roomBased.json();
      assert.equal(recording.roomId, "roomX");
      const stop2 = await fetch(
        `${base}/api/recording/stop`,
        call("dave", { recordingId: recording.recordingId }),
      );
      assert.equal(stop2.status, 200);
      assert.equal((await stop2.json()).recording.state, "stopped");
    } finally {
      await sse.close();
      await others.close();
      await source.close();
      await stack.close();
    }
  },
});

Deno.test("douyin API: window names follow the document's scheme, any script kept, nothing escapes", () => {
  const at = Date.UTC(2026, 11, 5, 16, 30, 5); // 2026-12-06 00:30:05 in Shanghai
  assert.equal(
    windowKey({ platform: "douyin", anchor: "小明 的直播间" }, 7, at),
    "records/douyin/小明_的直播间/2026-12-05/小明_的直播间_20261205_163005_007.mp4",
  );
  assert.equal(
    windowKey({ platform: "douyin", anchor: "小明" }, 12, at, "Asia/Shanghai"),
    "records/douyin/小明/2026-12-06/小明_20261206_003005_012.mp4",
  );
  assert.equal(safeName("../../etc/passwd"), "etc_passwd");
  assert.equal(safeName("///"), "anchor");
  assert.equal(windowFolder("", "a/b", at), "records/url/a_b/2026-12-05/");
  assert.ok(isTimeZone("Asia/Shanghai") && isTimeZone("UTC") && !isTimeZone("Mars/Olympus"));
});

Deno.test("douyin API: a window named in Chinese is stored and served by the local object store", async () => {
  const root = await Deno.makeTempDir({ prefix: "douyin-local-objects-" });
  try {
    const store = new LocalObjectStore(root, "test-secret");
    const key = windowKey({ platform: "douyin", anchor: "小明" }, 0, Date.UTC(2026, 0, 2, 3, 4, 5));
    await store.put(key, "mp4 bytes");
    assert.equal(await store.getText(key), "mp4 bytes");
    assert.deepEqual((await store.list("records/douyin/")).map((o) => o.key), [key]);
    // Served by the real route from its signed URL (the key's letters percent-encoded).
    const path = await store.presignGet(key, 60, { forPlayer: true });
    assert.ok(path.startsWith(LOCAL_OBJECTS_PATH) && !path.includes("小明"), path);
    const res = await localObjectRoutes(store).request(path);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "mp4 bytes");
    const forged = await localObjectRoutes(store).request(path.replace("000.mp4", "001.mp4"));
    assert.equal(forged.status, 403);
    await forged.body?.cancel();
    await assert.rejects(() => store.put("records/../x.mp4", "no"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("douyin API: ffmpeg's messages lose the query strings of the URLs they quote", () => {
  const stderr =
    "[hls @ 0x1] Opening 'https://pull.example.com/stage/abc.m3u8?auth_key=SECRET&x=1' failed\n" +
    "http://10.0.0.1/live.flv?token=SECRET: Server returned 404 Not Found";
  const clean = withoutQueries(stderr);
  assert.ok(!clean.includes("SECRET"), clean);
  assert.match(clean, /https:\/\/pull\.example\.com\/stage\/abc\.m3u8\?…'/);
  assert.match(clean, /http:\/\/10\.0\.0\.1\/live\.flv\?…: Server returned 404/);
  assert.equal(withoutQueries("no urls here? fine"), "no urls here? fine");
});

Deno.test({
  name:
    "douyin API: a Douyin live page records as douyin/<anchor> in Chinese, at the asked quality",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // The platform stand-in (saved Douyin page, a live HTTP-FLV "CDN") on loopback; names stand
    // for the platform's hosts and 127.0.0.1 plays "public": media_platforms.test.ts's allowance.
    const standIn = startPlatformStandIn();
    const hosts: Record<string, string> = { "douyin.test": "127.0.0.1" };
    const { chain } = urlResolvers({
      DOUYIN_BASE_URL: `http://douyin.test:${standIn.port}`,
      DOUYIN_COOKIE: "ttwid=COOKIE_SECRET",
      BILIBILI_LIVE_API: `http://douyin.test:${standIn.port}`,
    }, {
      lookup: (h) => Promise.resolve(hosts[h] ? [hosts[h]] : []),
      allowAddress: (a) => a === "127.0.0.1",
    });
    const stack = await startMediaStack({ streamers: {}, manager: { resolver: chain } });
    const sse = await openLiveSse(`${stack.baseUrl}/api/recording/events`, "fan");
    try {
      await sse.waitFor(() => sse.events.some((e) => e.type === "ready"), "ready");
      const res = await fetch(
        `${stack.baseUrl}/api/recording/start`,
        call("fan", {
          live_url: "https://live.douyin.com/880011223344",
          segment_time: WINDOW_S,
          quality: "HD",
        }),
      );
      const text = await res.text();
      assert.equal(res.status, 201, text);
      assert.ok(!text.includes("COOKIE_SECRET") && !text.includes("sign="), text);
      const body = JSON.parse(text);
      assert.equal(body.platform, "douyin");
      assert.equal(body.anchor, "小鱼家服饰");
      assert.equal(body.quality, "HD");
      assert.match(body.output, /^records\/douyin\/小鱼家服饰\/\d{4}-\d\d-\d\d\/$/);
      assert.match(body.room_id, /^out-douyin-[0-9a-f]{12}$/);
      await sse.waitFor(() => sse.of("segment_ready").length >= 1, "a window", 120_000);
      const w = sse.of("segment_ready")[0];
      assert.match(
        String(w.path),
        /^records\/douyin\/小鱼家服饰\/[\d-]+\/小鱼家服饰_\d{8}_\d{6}_000\.mp4$/,
      );
      const dl = await fetch(`${stack.baseUrl}${w.url}`, { ...call("fan"), redirect: "manual" });
      assert.equal(dl.status, 302);
      const mp4 = await probe(dl.headers.get("location")!);
      assert.ok(mp4.video && mp4.audio, "the window plays");
      assert.ok(standIn.requests.some((r) => r.path === "/stage/hd.flv"), "the HD stream pulled");
      const stop = await fetch(
        `${stack.baseUrl}/api/recording/stop`,
        call("fan", { recording_id: body.recording_id }),
      );
      assert.equal(stop.status, 200);
      await stop.body?.cancel();
    } finally {
      await sse.close();
      await stack.close();
      await standIn.close();
    }
  },
});
