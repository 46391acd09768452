/**
 * The bridges' variables (outside live rooms relayed into ours).
 * Validated at start-up with every other part's (edge/wiring/config.ts) and listed in the
 * README's configuration table.
 */
import { z } from "zod";
import { int, type Variables } from "../../engine/config.ts";

export const BRIDGE_VARIABLES = {
  /** Bilibili live API (room info, getDanmuInfo). */
  BILIBILI_LIVE_API: z.string().url().default("https://api.live.bilibili.com"),
  /** Bilibili main API (the logged-in user id of a login cookie). */
  BILIBILI_API: z.string().url().default("https://api.bilibili.com"),
  /** `wss` against Bilibili; `ws` for a local stand-in. */
  BILIBILI_WS_SCHEME: z.enum(["ws", "wss"]).default("wss"),
  /** Heartbeat period on Bilibili's danmaku socket. */
  BILIBILI_HEARTBEAT_MS: int(30_000, 50),
  /** 32 bytes in base64: AES-GCM key for stored login cookies and relay tokens (unset: refused). */
  BRIDGE_SECRET_KEY: z.string().min(1).optional().refine(
    (v) => v === undefined || (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && atob(v).length === 32),
    "32 bytes in base64",
  ),
  /** Bridged outside rooms per room. */
  BRIDGE_MAX_LINKS: int(8, 1),
  /** A bridge refreshes its revival alarm this often; a restarted process revives it by then x2. */
  BRIDGE_REVIVE_MS: int(15_000, 100),
};

export type BridgeConfig = Variables<typeof BRIDGE_VARIABLES>;
