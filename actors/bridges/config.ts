/**
 * The bridges' own configuration (read at start-up by the composition root and validated
 * here): where Bilibili's APIs are, and the key that encrypts stored login cookies and relay
 * tokens. Without `BRIDGE_SECRET_KEY` secrets are not stored at all: a link that carries one
 * is refused with `secret_storage_off`.
 */
import { z } from "zod";

const url = z.string().url();
const int = (def: number, min: number) => z.coerce.number().int().min(min).default(def);

export const BridgeConfigSchema = z.object({
  /** Bilibili live API (room info, getDanmuInfo). */
  BILIBILI_LIVE_API: url.default("https://api.live.bilibili.com"),
  /** Bilibili main API (the logged-in user id of a cookie). */
  BILIBILI_API: url.default("https://api.bilibili.com"),
  /** `wss` against Bilibili; `ws` for a local stand-in. */
  BILIBILI_WS_SCHEME: z.enum(["ws", "wss"]).default("wss"),
  /** Heartbeat period on the danmaku socket. */
  BILIBILI_HEARTBEAT_MS: int(30_000, 50),
  /** 32 bytes, base64: AES-GCM key for stored cookies and relay tokens. */
  BRIDGE_SECRET_KEY: z.string().optional().refine(
    (v) => v === undefined || v === "" || atob(v).length === 32,
    "BRIDGE_SECRET_KEY must be 32 bytes in base64",
  ),
  /** Links per room. */
  BRIDGE_MAX_LINKS: int(8, 1),
  /** How often a bridge refreshes its revival alarm (a restarted process revives it then). */
  BRIDGE_REVIVE_MS: int(15_000, 100),
});
export type BridgeConfig = z.infer<typeof BridgeConfigSchema>;

export function parseBridgeConfig(env: Record<string, string | undefined>): BridgeConfig {
  return BridgeConfigSchema.parse(env);
}
