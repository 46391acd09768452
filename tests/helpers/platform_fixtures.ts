/**
 * A stand-in for the live platforms (these machines cannot reach them): one loopback HTTP
 * server that answers the saved fixtures (tests/fixtures/platforms/) where the platforms'
 * pages and room APIs would — Douyin's live page at `/<web_rid>`, Bilibili's room API — with
 * `__STREAM_BASE__` in them replaced by this server's own origin (or the name given), and
 * serves a real live HTTP-FLV stream at `/stage/*.flv` (ffmpeg encoding a test pattern in
 * real time for each request), as the platforms' CDNs would.
 */
import { h264AacArgs, synthAvInputArgs } from "../../media/ffmpeg.ts";

const DIR = new URL("../fixtures/platforms/", import.meta.url);

export interface PlatformStandIn {
  /** `http://127.0.0.1:port` */
  origin: string;
  port: number;
  /** Requests seen, by path (with the cookie header each carried). */
  requests: { path: string; cookie: string | null }[];
  /** Streams being served now. */
  readonly streaming: number;
  close(): Promise<void>;
}

export function startPlatformStandIn(opts: {
  /** What replaces `__STREAM_BASE__` (default this server's origin). */
  streamBase?: string;
  /** Douyin web_rid → fixture file (default `880011223344` live, `990000000001` offline). */
  douyinPages?: Record<string, string>;
  /** Answer every page request with this redirect instead. */
  redirectTo?: string;
  /** Seconds each FLV stream runs (default 120). */
  streamSeconds?: number;
} = {}): PlatformStandIn {
  const pages: Record<string, string> = opts.douyinPages ?? {
    "880011223344": "douyin_live.html",
    "990000000001": "douyin_offline.html",
  };
  const requests: PlatformStandIn["requests"] = [];
  const children = new Set<Deno.ChildProcess>();
  let base = "";
  const fixture = async (name: string) =>
    (await Deno.readTextFile(new URL(name, DIR))).replaceAll(
      "__STREAM_BASE__",
      opts.streamBase ?? base,
    );
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    requests.push({ path: url.pathname, cookie: req.headers.get("cookie") });
    if (opts.redirectTo) return Response.redirect(opts.redirectTo, 302);
    if (url.pathname.startsWith("/stage/") && url.pathname.endsWith(".flv")) {
      return flvStream(children, opts.streamSeconds ?? 120, req.signal);
    }
    if (url.pathname === "/xlive/web-room/v1/index/getInfoByRoom") {
      return json(await fixture("bilibili_info.json"));
    }
    if (url.pathname === "/xlive/web-room/v2/index/getRoomPlayInfo") {
      return json(await fixture("bilibili_play.json"));
    }
    const page = pages[url.pathname.slice(1)];
    if (page) {
      return new Response(await fixture(page), {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    }
    return new Response("not found", { status: 404 });
  });
  base = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin: base,
    port: server.addr.port,
    requests,
    get streaming() {
      return children.size;
    },
    async close() {
      for (const c of children) {
        try {
          c.kill("SIGKILL");
        } catch { /* gone */ }
      }
      await server.shutdown();
    },
  };
}

function json(text: string): Response {
  return new Response(text, { headers: { "content-type": "application/json; charset=utf-8" } });
}

/** A live HTTP-FLV response: ffmpeg encodes a test pattern in real time to the body. */
function flvStream(
  children: Set<Deno.ChildProcess>,
  seconds: number,
  signal: AbortSignal,
): Response {
  const child = new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      ...synthAvInputArgs(seconds, { realtime: true }),
      ...h264AacArgs(1),
      "-f",
      "flv",
      "pipe:1",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  children.add(child);
  const stop = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  };
  signal.addEventListener("abort", stop);
  void child.status.finally(() => children.delete(child));
  return new Response(child.stdout, { headers: { "content-type": "video/x-flv" } });
}
