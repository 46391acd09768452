/**
 * The bridges' settings, picked from the process configuration (`engine/config.ts`, where
 * every variable is validated at start-up and documented in the README).
 */
import type { Config } from "../../engine/config.ts";

export type BridgeConfig = Pick<
  Config,
  | "BILIBILI_LIVE_API"
  | "BILIBILI_API"
  | "BILIBILI_WS_SCHEME"
  | "BILIBILI_HEARTBEAT_MS"
  | "BRIDGE_SECRET_KEY"
  | "BRIDGE_MAX_LINKS"
  | "BRIDGE_REVIVE_MS"
>;
