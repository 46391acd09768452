/**
 * `GET /media/objects/<key>?exp=...&sig=...`: recordings kept on the local disk
 * (media/local_object_store.ts), served to players and to ffmpeg/ffprobe by their signed
 * URLs. A bad or expired signature is `403 bad_signature`; a missing object `404 not_found`.
 * One byte range is honoured (`<video>` seeks clips with Range requests).
 */
import { Hono } from "hono";
import type { LocalObjectStore } from "../../media/local_object_store.ts";
import { jsonError } from "../http_errors.ts";
import { declared } from "../openapi/area.ts";
import { mediaApi } from "../openapi/lazy_areas.ts";
import { mount } from "../openapi/router.ts";

const TYPES: Record<string, string> = {
  m3u8: "application/vnd.apple.mpegurl",
  ts: "video/mp2t",
  mp4: "video/mp4",
  m4s: "video/iso.segment",
  vtt: "text/vtt; charset=utf-8",
  json: "application/json",
};

export function localObjectRoutes(store: LocalObjectStore): Hono {
  const app = new Hono();
  // `key` is the rest of the path (`"x-rest-of-path"` in its declaration, named here too); a request without
  // `exp` and `sig` is refused like a bad signature.
  const refused = {
    code: "bad_signature",
    message: "the link is invalid or has expired",
    status: 403 as const,
  };
  mount(app, declared(mediaApi, "get", "/media/objects/{key}", "key"), async (c, input) => {
    const { key } = input.param();
    const { exp, sig } = input.query();
    if (!(await store.verify(key, exp, sig))) {
      return jsonError(c, 403, "bad_signature", "the link is invalid or has expired");
    }
    const bytes = await store.get(key);
    if (!bytes) return jsonError(c, 404, "not_found", "no such object");
    const type = TYPES[key.slice(key.lastIndexOf(".") + 1)] ?? "application/octet-stream";
    const headers: Record<string, string> = {
      "content-type": type,
      "accept-ranges": "bytes",
      "cache-control": "private, max-age=60",
    };
    const range = /^bytes=(\d*)-(\d*)$/.exec(c.req.header("range") ?? "");
    if (range && (range[1] || range[2])) {
      const size = bytes.byteLength;
      const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        return new Response(null, { status: 416, headers: { "content-range": `bytes */${size}` } });
      }
      return new Response(bytes.slice(start, end + 1), {
        status: 206,
        headers: { ...headers, "content-range": `bytes ${start}-${end}/${size}` },
      });
    }
    return new Response(bytes as Uint8Array<ArrayBuffer>, { headers });
  }, { param: refused, query: refused });
  return app;
}
