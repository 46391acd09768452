/**
 * The web client's media parts: the player and the VOD page
 * (`edge/web/{player,vod}.js`, `media.css`), and the browser builds of `livekit-client` (WebRTC)
 * and `hls.js` (recordings) served from `node_modules` under `/vendor/` — pinned in
 * deno.json, never from a CDN. Files are read once, on first request.
 */
import { Hono } from "hono";

const WEB_DIR = new URL("../web/", import.meta.url);
const NODE_MODULES = new URL("../../node_modules/", import.meta.url);
const JS = "text/javascript; charset=utf-8";

/** Served path → file. */
const FILES: Record<string, URL> = {
  "/player.js": new URL("player.js", WEB_DIR),
  "/vod.js": new URL("vod.js", WEB_DIR),
  // AI parts of the VOD page: summary and chapters.
  "/vod_chapters.js": new URL("vod_chapters.js", WEB_DIR),
  "/vod_danmaku.js": new URL("vod_danmaku.js", WEB_DIR),
  "/media.css": new URL("media.css", WEB_DIR),
  "/vendor/livekit-client.js": new URL("livekit-client/dist/livekit-client.umd.js", NODE_MODULES),
  "/vendor/hls.js": new URL("hls.js/dist/hls.min.js", NODE_MODULES),
};

export function mediaWebRoutes(): Hono {
  const app = new Hono();
  const cache = new Map<string, Uint8Array>();
  for (const [path, file] of Object.entries(FILES)) {
    app.get(path, async (c) => {
      let body = cache.get(path);
      if (!body) {
        try {
          body = await Deno.readFile(file);
        } catch {
          return c.json({
            error: {
              code: "asset_missing",
              message: `${path} is not installed here: run \`deno install\` (node_modules)`,
            },
          }, 503);
        }
        cache.set(path, body);
      }
      return new Response(body as Uint8Array<ArrayBuffer>, {
        headers: {
          "content-type": path.endsWith(".css") ? "text/css; charset=utf-8" : JS,
          "cache-control": path.startsWith("/vendor/") ? "public, max-age=86400" : "no-cache",
        },
      });
    });
  }
  return app;
}
