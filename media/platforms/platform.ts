/**
 * Live platforms behind one interface: a live page URL a user pasted (live.douyin.com/<id>,
 * live.bilibili.com/<id>, www.huya.com/<id>) → the room's anchor, title and its FLV/HLS
 * stream URLs, read from what the platform's own web player reads (the page's embedded room
 * data, or the room API's JSON). A platform never fetches by itself: it is handed a fetcher
 * that checks every host it connects to (resolver.ts), so a page cannot point us inward.
 */

/** Stream qualities as the Douyin document names them (StreamCap's): origin down to lowest. */
export const QUALITIES = ["OD", "UHD", "HD", "SD", "LD"] as const;
export type Quality = (typeof QUALITIES)[number];

export interface LiveStreamUrl {
  format: "flv" | "hls";
  quality: Quality;
  url: string;
}

export interface LiveRoomInfo {
  /** `douyin`, `bilibili`, `huya`: the first folder of the document's file names. */
  platform: string;
  /** The platform's room id as in the page URL. */
  roomId: string;
  anchor: string;
  title: string;
  live: boolean;
  /** Best quality first within each format. */
  streams: LiveStreamUrl[];
  /** Request headers the platform's CDN expects (a referer), passed to ffmpeg. */
  headers?: Record<string, string>;
}

/** GET a URL as text (page) or JSON through the host-checking fetcher. */
export interface PlatformFetch {
  text(url: string, headers?: Record<string, string>): Promise<string>;
}

export interface LivePlatform {
  readonly key: string;
  /** Whether this platform reads the page URL (by host and path). */
  matches(url: URL): boolean;
  info(url: URL, fetch: PlatformFetch): Promise<LiveRoomInfo>;
}

/**
 * The stream to record: FLV first (lower latency; the document's `flv_url or record_url`),
 * at the asked quality or the nearest lower one, else the best there is.
 */
export function chooseStream(
  streams: LiveStreamUrl[],
  quality: Quality = "OD",
  prefer: "flv" | "hls" = "flv",
): LiveStreamUrl | undefined {
  const want = QUALITIES.indexOf(quality);
  const rank = (s: LiveStreamUrl) => {
    const q = QUALITIES.indexOf(s.quality);
    // the asked quality, then lower ones nearest first, then higher ones nearest first
    return q >= want ? q - want : 10 + (want - q);
  };
  const ordered = [...streams].sort((a, b) =>
    (a.format === prefer ? 0 : 100) + rank(a) - ((b.format === prefer ? 0 : 100) + rank(b))
  );
  return ordered[0];
}

/** A file-name-safe anchor name: path separators and control characters removed, trimmed. */
export function safeName(name: string, fallback: string): string {
  // deno-lint-ignore no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, "").replace(/^\.+/, "")
    .trim().slice(0, 60);
  return cleaned || fallback;
}
