/**
 * Platform live URLs → stream URLs (media/platforms/), against saved pages and API answers
 * served on loopback (tests/fixtures/platforms/): the Douyin live page's embedded room data
 * (streamed chunks; the older RENDER_DATA form for an ended stream) and Bilibili's room API.
 * Names stand for platform hosts through an injected lookup; 127.0.0.1 plays "public".
 * Private results are refused like the URL recorder's own: a private stream host in the page,
 * a page host resolving inward, a redirect inward.
 */
import assert from "node:assert/strict";
import { MediaError } from "../media/errors.ts";
import { parseDouyinPage } from "../media/platforms/douyin.ts";
import { urlResolvers } from "../media/platforms/platforms.ts";
import { chooseStream, safeName } from "../media/platforms/platform.ts";
import { startPlatformStandIn } from "./helpers/platform_fixtures.ts";

const HOSTS: Record<string, string> = {
  "douyin.test": "127.0.0.1",
  "bili.test": "127.0.0.1",
  "cdn.test": "127.0.0.1",
  "intranet.test": "10.0.0.5",
};
const lookup = (host: string) => Promise.resolve(HOSTS[host] ? [HOSTS[host]] : []);
const allowAddress = (a: string) => a === "127.0.0.1";

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MediaError) return err.code;
    throw err;
  }
  return "ok";
}

Deno.test("platforms: Douyin page and Bilibili API resolve to FLV/HLS with anchor and title", async () => {
  const standIn = await startPlatformStandIn({ streamBase: "http://cdn.test:9" });
  const { platforms, chain } = urlResolvers({
    DOUYIN_BASE_URL: `http://douyin.test:${standIn.port}`,
    DOUYIN_COOKIE: "ttwid=secret-cookie",
    BILIBILI_LIVE_API: `http://bili.test:${standIn.port}`,
  }, { lookup, allowAddress });
  try {
    const room = await platforms.room("https://live.douyin.com/880011223344");
    assert.equal(room.platform, "douyin");
    assert.equal(room.anchor, "小鱼家服饰");
    assert.equal(room.title, "秋冬新款毛衣 限时福利");
    assert.equal(room.live, true);
    assert.deepEqual(
      room.streams.map((s) => `${s.format}:${s.quality}`).sort(),
      ["flv:HD", "flv:LD", "flv:OD", "flv:SD", "flv:UHD", "hls:HD", "hls:OD", "hls:SD", "hls:UHD"],
    );
    // the cookie went to the platform (and only there)
    assert.deepEqual(standIn.requests.map((r) => [r.path, r.cookie]), [
      ["/880011223344", "ttwid=secret-cookie"],
    ]);

    const od = await chain.resolve("https://live.douyin.com/880011223344", { quality: "OD" });
    assert.equal(od.format, "flv");
    assert.equal(od.url, "http://cdn.test:9/stage/origin.flv?expire=1&sign=abc");
    assert.equal(od.headers?.referer, "https://live.douyin.com/");
    assert.equal(od.room?.anchor, "小鱼家服饰");
    assert.ok(od.egress, "pulled through the egress guard");
    const hd = await chain.resolve("https://live.douyin.com/880011223344/", { quality: "HD" });
    assert.equal(hd.url, "http://cdn.test:9/stage/hd.flv");

    const bili = await chain.resolve("https://live.bilibili.com/520");
    assert.equal(bili.room?.platform, "bilibili");
    assert.equal(bili.room?.anchor, "晚风主播");
    assert.equal(bili.room?.title, "深夜电台 聊聊天");
    assert.equal(bili.format, "flv");
    assert.equal(
      bili.url,
      "http://cdn.test:9/live-bvc/123/live_2002.flv?expires=1733400000&qn=10000&sign=ff",
      "H.264 stream (HEVC skipped), host + base_url + extra",
    );
    // the play info is asked for the real room id, not the short one
    assert.ok(standIn.requests.some((r) => r.path.endsWith("getRoomPlayInfo")));

    assert.equal(
      await code(chain.resolve("https://live.douyin.com/990000000001")),
      "stream_offline",
    );
    assert.equal(await code(chain.resolve("https://live.douyin.com/123")), "platform_unreachable");
    assert.equal(await code(chain.resolve("https://www.example.com/live/1")), "url_unsupported");
    // a direct stream URL still goes to the direct resolver
    assert.equal((await chain.resolve("http://cdn.test:9/live/x.m3u8")).format, "hls");
  } finally {
    await standIn.close();
  }
});

Deno.test("platforms: private results are refused as the URL recorder refuses them", async () => {
  const standIn = await startPlatformStandIn({
    douyinPages: { "880011223344": "douyin_private.html" },
  });
  const config = {
    DOUYIN_BASE_URL: `http://douyin.test:${standIn.port}`,
    BILIBILI_LIVE_API: `http://bili.test:${standIn.port}`,
  };
  try {
    const { chain } = urlResolvers(config, { lookup, allowAddress });
    // the page names a stream on 192.168.10.20
    assert.equal(
      await code(chain.resolve("https://live.douyin.com/880011223344")),
      "url_forbidden",
    );

    // the page host itself resolves inward: refused before any request
    const before = standIn.requests.length;
    const inward = urlResolvers({
      ...config,
      DOUYIN_BASE_URL: `http://intranet.test:${standIn.port}`,
    }, {
      lookup,
      allowAddress,
    });
    assert.equal(
      await code(inward.chain.resolve("https://live.douyin.com/880011223344")),
      "url_forbidden",
    );
    // with the default rules loopback is private too
    const strict = urlResolvers(config, { lookup });
    assert.equal(
      await code(strict.chain.resolve("https://live.douyin.com/880011223344")),
      "url_forbidden",
    );
    assert.equal(standIn.requests.length, before, "no request reached the stand-in");
  } finally {
    await standIn.close();
  }
  // a redirect to a private address: the guard proxy refuses to follow it
  let innerHits = 0;
  const inner = Deno.serve({ hostname: "127.0.0.2", port: 0, onListen: () => {} }, () => {
    innerHits++;
    return new Response("internal");
  });
  const redirecting = await startPlatformStandIn({
    redirectTo: `http://127.0.0.2:${inner.addr.port}/admin`,
  });
  try {
    const { chain } = urlResolvers({
      DOUYIN_BASE_URL: `http://douyin.test:${redirecting.port}`,
      BILIBILI_LIVE_API: `http://bili.test:${redirecting.port}`,
    }, { lookup, allowAddress });
    assert.equal(
      await code(chain.resolve("https://live.douyin.com/880011223344")),
      "url_forbidden",
    );
    assert.equal(innerHits, 0);
  } finally {
    await redirecting.close();
    await inner.shutdown();
  }
});

Deno.test("platforms: page parsing and stream choice", () => {
  assert.throws(
    () => parseDouyinPage("<html><body>验证码</body></html>", "1"),
    (err) => err instanceof MediaError && err.code === "platform_unreadable",
  );
  const streams = [
    { format: "hls" as const, quality: "OD" as const, url: "h-od" },
    { format: "flv" as const, quality: "HD" as const, url: "f-hd" },
    { format: "flv" as const, quality: "LD" as const, url: "f-ld" },
  ];
  assert.equal(chooseStream(streams, "OD")?.url, "f-hd", "FLV first, nearest lower quality");
  assert.equal(chooseStream(streams, "SD")?.url, "f-ld");
  assert.equal(chooseStream(streams, "SD", "hls")?.url, "h-od", "higher when nothing lower");
  assert.equal(safeName("a/b\\..c:主播", "x"), "ab..c主播");
  assert.equal(safeName("../..", "anchor"), "anchor");
});
