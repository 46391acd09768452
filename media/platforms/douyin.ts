/**
 * Douyin live (`https://live.douyin.com/<web_rid>`): the live page embeds its room store —
 * the room's status (2 = live), title, owner and `stream_url` with `flv_pull_url` and
 * `hls_pull_url_map` per quality (FULL_HD1, HD1, SD1, SD2), plus the origin quality in
 * `live_core_sdk_data.pull_data.stream_data` (a JSON string). The page streams it in
 * `self.__pace_f.push([1,"…"])` chunks (older pages: `<script id="RENDER_DATA">`, URL-encoded).
 */
import { MediaError } from "../errors.ts";
import { dig, flightText, jsonObjectAfterKey, scriptById, str } from "./embedded_json.ts";
import type {
  LivePlatform,
  LiveRoomInfo,
  LiveStreamUrl,
  PlatformFetch,
  Quality,
} from "./platform.ts";

const LIVE = 2;
const KEY_QUALITY: Record<string, Quality> = {
  FULL_HD1: "UHD",
  HD1: "HD",
  SD1: "SD",
  SD2: "LD",
};
const ORIGIN_QUALITY: Record<string, Quality> = {
  origin: "OD",
  uhd: "UHD",
  hd: "HD",
  sd: "SD",
  ld: "LD",
};

export class DouyinPlatform implements LivePlatform {
  readonly key = "douyin";

  constructor(private readonly opts: { baseUrl?: string; cookie?: string } = {}) {}

  matches(url: URL): boolean {
    return url.hostname === "live.douyin.com" && /^\/\d{1,20}\/?$/.test(url.pathname);
  }

  async info(url: URL, fetch: PlatformFetch): Promise<LiveRoomInfo> {
    const webRid = url.pathname.replace(/\//g, "");
    const base = (this.opts.baseUrl ?? "https://live.douyin.com").replace(/\/+$/, "");
    const html = await fetch.text(`${base}/${webRid}`, {
      "user-agent":
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
      "accept-language": "zh-CN,zh;q=0.9",
      referer: "https://live.douyin.com/",
      ...(this.opts.cookie ? { cookie: this.opts.cookie } : {}),
    });
    return parseDouyinPage(html, webRid);
  }
}

/** The room of a Douyin live page's HTML; `platform_unreadable` when the page has none. */
export function parseDouyinPage(html: string, webRid: string): LiveRoomInfo {
  const store = roomStore(html);
  const room = dig(store, "roomInfo", "room");
  if (!room || typeof room !== "object") {
    throw new MediaError(
      "platform_unreadable",
      "the Douyin page carries no room data (blocked, or the page changed)",
      502,
    );
  }
  const anchor = str(dig(store, "roomInfo", "anchor", "nickname")) ||
    str(dig(room, "owner", "nickname"));
  const live = dig(room, "status") === LIVE;
  const streams: LiveStreamUrl[] = [];
  if (live) {
    streams.push(...originStreams(dig(room, "stream_url", "live_core_sdk_data", "pull_data")));
    const flv = dig(room, "stream_url", "flv_pull_url");
    const hls = dig(room, "stream_url", "hls_pull_url_map");
    for (const [format, map] of [["flv", flv], ["hls", hls]] as const) {
      if (!map || typeof map !== "object") continue;
      for (const [key, value] of Object.entries(map)) {
        const quality = KEY_QUALITY[key];
        if (quality && typeof value === "string" && value) {
          streams.push({ format, quality, url: value });
        }
      }
    }
  }
  return {
    platform: "douyin",
    roomId: webRid,
    anchor,
    title: str(dig(room, "title")),
    live,
    streams: dedupe(streams),
    headers: { referer: "https://live.douyin.com/" },
  };
}

/** The page's `roomStore` object, from the streamed chunks or the older RENDER_DATA script. */
function roomStore(html: string): Record<string, unknown> | undefined {
  const flight = flightText(html);
  const fromFlight = flight ? jsonObjectAfterKey(flight, "roomStore") : undefined;
  if (fromFlight) return fromFlight;
  const render = scriptById(html, "RENDER_DATA");
  if (!render) return undefined;
  try {
    const data = JSON.parse(decodeURIComponent(render.trim()));
    for (const v of Object.values(data as Record<string, unknown>)) {
      const store = dig(v, "initialState", "roomStore");
      if (store && typeof store === "object") return store as Record<string, unknown>;
    }
  } catch { /* not the expected shape */ }
  return undefined;
}

/** `pull_data.stream_data` (a JSON string): `{data: {origin: {main: {flv, hls}}, hd: …}}`. */
function originStreams(pullData: unknown): LiveStreamUrl[] {
  const raw = dig(pullData, "stream_data");
  if (typeof raw !== "string" || !raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  const out: LiveStreamUrl[] = [];
  const data = dig(parsed, "data");
  if (!data || typeof data !== "object") return out;
  for (const [key, entry] of Object.entries(data)) {
    const quality = ORIGIN_QUALITY[key];
    if (!quality) continue;
    const flv = str(dig(entry, "main", "flv"));
    const hls = str(dig(entry, "main", "hls"));
    if (flv) out.push({ format: "flv", quality, url: flv });
    if (hls) out.push({ format: "hls", quality, url: hls });
  }
  return out;
}

function dedupe(streams: LiveStreamUrl[]): LiveStreamUrl[] {
  const seen = new Set<string>();
  return streams.filter((s) => {
    const k = `${s.format} ${s.quality}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
