/**
 * Bilibili live (`https://live.bilibili.com/<room>`): the web player's room API — the room's
 * info (`getInfoByRoom`: title, live_status 1 = live, the anchor's uname; short ids map to
 * the real room id) and its play info (`getRoomPlayInfo`: per protocol and format, the codec's
 * `base_url` joined to each `url_info` host and `extra` query).
 */
import { MediaError } from "../errors.ts";
import { dig, str } from "./embedded_json.ts";
import type {
  LivePlatform,
  LiveRoomInfo,
  LiveStreamUrl,
  PlatformFetch,
  Quality,
} from "./platform.ts";

/** Bilibili's `qn` codes: 10000 原画, 400 蓝光, 250 超清, 150 高清, 80 流畅. */
function qualityOf(qn: number): Quality {
  return qn >= 10000 ? "OD" : qn >= 400 ? "UHD" : qn >= 250 ? "HD" : qn >= 150 ? "SD" : "LD";
}

export class BilibiliPlatform implements LivePlatform {
  readonly key = "bilibili";

  constructor(private readonly opts: { apiBaseUrl?: string } = {}) {}

  matches(url: URL): boolean {
    return url.hostname === "live.bilibili.com" && /^\/\d{1,16}\/?$/.test(url.pathname);
  }

  async info(url: URL, fetch: PlatformFetch): Promise<LiveRoomInfo> {
    const id = url.pathname.replace(/\//g, "");
    const api = (this.opts.apiBaseUrl ?? "https://api.live.bilibili.com").replace(/\/+$/, "");
    const headers = { referer: "https://live.bilibili.com/" };
    const info = apiData(
      await fetch.text(`${api}/xlive/web-room/v1/index/getInfoByRoom?room_id=${id}`, headers),
    );
    const realId = Number(dig(info, "room_info", "room_id")) || Number(id);
    const live = dig(info, "room_info", "live_status") === 1;
    const streams: LiveStreamUrl[] = [];
    if (live) {
      const play = apiData(
        await fetch.text(
          `${api}/xlive/web-room/v2/index/getRoomPlayInfo?room_id=${realId}` +
            "&protocol=0,1&format=0,1,2&codec=0&qn=10000&platform=web",
          headers,
        ),
      );
      streams.push(...playStreams(play));
    }
    return {
      platform: "bilibili",
      roomId: id,
      anchor: str(dig(info, "anchor_info", "base_info", "uname")),
      title: str(dig(info, "room_info", "title")),
      live,
      streams,
      headers,
    };
  }
}

/** `{code: 0, data}` → data; anything else is the platform refusing. */
function apiData(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MediaError(
      "platform_unreadable",
      "Bilibili answered something that is not JSON",
      502,
    );
  }
  const data = dig(body, "data");
  if (dig(body, "code") !== 0 || !data || typeof data !== "object") {
    throw new MediaError(
      "platform_unreadable",
      `Bilibili refused the room request: ${str(dig(body, "message")) || "no data"}`,
      502,
    );
  }
  return data as Record<string, unknown>;
}

function playStreams(play: Record<string, unknown>): LiveStreamUrl[] {
  const out: LiveStreamUrl[] = [];
  const streams = dig(play, "playurl_info", "playurl", "stream");
  for (const stream of Array.isArray(streams) ? streams : []) {
    const formats = dig(stream, "format");
    for (const format of Array.isArray(formats) ? formats : []) {
      const name = str(dig(format, "format_name"));
      const kind = name === "flv" ? "flv" : name === "ts" || name === "fmp4" ? "hls" : undefined;
      if (!kind) continue;
      const codecs = dig(format, "codec");
      for (const codec of Array.isArray(codecs) ? codecs : []) {
        if (str(dig(codec, "codec_name")) !== "avc") continue; // H.264: what ffmpeg copies anywhere
        const baseUrl = str(dig(codec, "base_url"));
        const hosts = dig(codec, "url_info");
        const first = Array.isArray(hosts) ? hosts[0] : undefined;
        if (!baseUrl || !first) continue;
        out.push({
          format: kind,
          quality: qualityOf(Number(dig(codec, "current_qn")) || 0),
          url: `${str(dig(first, "host"))}${baseUrl}${str(dig(first, "extra"))}`,
        });
      }
    }
  }
  return out;
}
