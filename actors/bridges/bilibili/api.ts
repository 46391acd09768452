/**
 * Bilibili's HTTP side of joining a live room: resolve a (possibly short) room id to the real
 * one (`/room/v1/Room/get_info`), then fetch the danmaku servers and their token
 * (`/xlive/web-room/v1/index/getDanmuInfo`). With a login cookie, the logged-in user id comes
 * from `/x/web-interface/nav`, which also gives the day's WBI keys that sign getDanmuInfo
 * (`wbi.ts`). Base URLs are configurable so tests (and mirrors) can stand in.
 * The cookie is sent as a header and never logged or put in an error message.
 */
import { keyOfUrl, mixinKey, signParams } from "./wbi.ts";

export interface BilibiliApiConfig {
  /** Live API base (default `https://api.live.bilibili.com`). */
  liveApiBase: string;
  /** Main site API base, for the logged-in user id (default `https://api.bilibili.com`). */
  apiBase: string;
  /** `SESSDATA=...; buvid3=...` or empty. A secret. */
  cookie?: string;
  fetch?: typeof fetch;
  /** Per request (default 10 s). */
  timeoutMs?: number;
}

export interface DanmakuHost {
  host: string;
  port: number;
  wssPort: number;
  wsPort: number;
}

export interface RoomEntry {
  /** The real (long) room id the auth packet must carry. */
  roomId: number;
  ownerUid: number;
  uid: number;
  token: string | null;
  hosts: DanmakuHost[];
}

export const DEFAULT_HOSTS: DanmakuHost[] = [
  { host: "broadcastlv.chat.bilibili.com", port: 2243, wssPort: 443, wsPort: 2244 },
];

export class BilibiliApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

async function getJson(
  cfg: BilibiliApiConfig,
  base: string,
  path: string,
  params: Record<string, string | number>,
): Promise<Record<string, unknown>> {
  const url = new URL(path, base.endsWith("/") ? base : base + "/");
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { "user-agent": USER_AGENT };
  if (cfg.cookie) headers.cookie = cfg.cookie;
  const res = await (cfg.fetch ?? fetch)(url, {
    headers,
    signal: AbortSignal.timeout(cfg.timeoutMs ?? 10_000),
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw new BilibiliApiError("http_status", `${url.pathname} answered ${res.status}`);
  }
  const body = await res.json().catch(() => null);
  if (typeof body !== "object" || body === null) {
    throw new BilibiliApiError("bad_json", `${url.pathname} did not answer JSON`);
  }
  const code = (body as Record<string, unknown>).code;
  if (code !== 0) {
    throw new BilibiliApiError("api_code", `${url.pathname} answered code ${String(code)}`);
  }
  const data = (body as Record<string, unknown>).data;
  if (typeof data !== "object" || data === null) {
    throw new BilibiliApiError("bad_json", `${url.pathname} answered no data`);
  }
  return data as Record<string, unknown>;
}

const posInt = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : undefined;

interface NavInfo {
  /** The logged-in user's id, 0 when not logged in. */
  uid: number;
  /** The WBI mixin key, or null when the answer carried no keys. */
  mixin: string | null;
}

/** `/x/web-interface/nav`: the user id of the cookie and the day's WBI keys (also logged out). */
async function navInfo(cfg: BilibiliApiConfig): Promise<NavInfo> {
  const url = new URL(
    "x/web-interface/nav",
    cfg.apiBase.endsWith("/") ? cfg.apiBase : cfg.apiBase + "/",
  );
  const headers: Record<string, string> = { "user-agent": USER_AGENT };
  if (cfg.cookie) headers.cookie = cfg.cookie;
  try {
    const res = await (cfg.fetch ?? fetch)(url, {
      headers,
      signal: AbortSignal.timeout(cfg.timeoutMs ?? 10_000),
    });
    const body = await res.json().catch(() => null) as
      | {
        code?: unknown;
        data?: { isLogin?: unknown; mid?: unknown; wbi_img?: Record<string, unknown> };
      }
      | null;
    const data = body?.data;
    const img = data?.wbi_img?.img_url;
    const sub = data?.wbi_img?.sub_url;
    return {
      uid: body?.code === 0 && data?.isLogin === true ? posInt(data.mid) ?? 0 : 0,
      mixin: typeof img === "string" && typeof sub === "string"
        ? mixinKey(keyOfUrl(img), keyOfUrl(sub))
        : null,
    };
  } catch {
    return { uid: 0, mixin: null };
  }
}

export async function resolveRoom(cfg: BilibiliApiConfig, roomId: number): Promise<RoomEntry> {
  const info = await getJson(cfg, cfg.liveApiBase, "room/v1/Room/get_info", { room_id: roomId });
  const realId = posInt(info.room_id);
  if (realId === undefined) {
    throw new BilibiliApiError("bad_json", "get_info answered no room_id");
  }
  const nav = await navInfo(cfg);
  const params = { id: realId, type: 0 };
  const conf = await getJson(
    cfg,
    cfg.liveApiBase,
    "xlive/web-room/v1/index/getDanmuInfo",
    nav.mixin ? signParams(params, nav.mixin, Math.round(Date.now() / 1000)) : params,
  );
  const hosts = parseHosts(conf.host_list);
  return {
    roomId: realId,
    ownerUid: posInt(info.uid) ?? 0,
    uid: cfg.cookie ? nav.uid : 0,
    token: typeof conf.token === "string" && conf.token !== "" ? conf.token : null,
    hosts: hosts.length > 0 ? hosts : DEFAULT_HOSTS,
  };
}

function parseHosts(list: unknown): DanmakuHost[] {
  if (!Array.isArray(list)) return [];
  const hosts: DanmakuHost[] = [];
  for (const h of list) {
    if (typeof h !== "object" || h === null || typeof h.host !== "string") continue;
    const wssPort = posInt(h.wss_port);
    const wsPort = posInt(h.ws_port);
    if (wssPort === undefined || wsPort === undefined) continue;
    hosts.push({ host: h.host, port: posInt(h.port) ?? 0, wssPort, wsPort });
  }
  return hosts;
}
