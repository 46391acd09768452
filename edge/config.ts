/**
 * The edge's variables: its listener, session signing, public URL, per-client-IP limits
 * (edge/ip_limits.ts; 0 turns a limit off) and the display budget.
 * Validated at start-up with every other part's (edge/wiring/config.ts) and listed in the
 * README's configuration table.
 */
import { z } from "zod";
import { int, opt, type Variables } from "../engine/config.ts";
import { isOrigin, parseOrigins } from "./cors.ts";

export const EDGE_VARIABLES = {
  /** HTTP port of the edge. */
  PORT: int(8080, 0),
  /** Interface to listen on. */
  HOST: z.string().default("0.0.0.0"),
  /** Secret that signs session tokens (HS256). Required outside embedded dev mode. */
  AUTH_SECRET: opt,
  /** Public base URL of this deployment (OAuth redirects, links). */
  PUBLIC_URL: z.string().url().default("http://localhost:8080"),
  /** Concurrent viewer WebSockets per client IP (IPv6: per /64). */
  EDGE_WS_PER_IP: int(100, 0),
  /** Guest sessions per client IP: bucket size ... */
  EDGE_GUEST_BURST: int(20, 0),
  /** ... and refill per minute. */
  EDGE_GUEST_PER_MIN: int(6, 1),
  /** Login and register attempts per client IP: bucket size ... */
  EDGE_AUTH_BURST: int(20, 0),
  /** ... and refill per minute. */
  EDGE_AUTH_PER_MIN: int(10, 1),
  /** Reverse proxies in front of the edge that append X-Forwarded-For (0: header ignored). */
  EDGE_TRUSTED_PROXIES: int(0, 0),
  /** Display budget: danmaku per second each viewer is shown in a hot room (0: every one). */
  EDGE_DISPLAY_BUDGET: int(40, 0),
  /**
   * Pages of other origins that may call the recording and analysis API (`/api/recording/*`,
   * `/api/analysis/*`) from a browser: comma-separated `https://host[:port]`. Any other
   * origin is refused there (403 `origin_forbidden`); requests without `Origin` still need
   * their bearer token.
   */
  CORS_ORIGINS: z.string().default("").transform(parseOrigins).pipe(
    z.array(z.string().refine(isOrigin, "each origin is scheme://host[:port], no path")),
  ),
};

export type EdgeConfig = Variables<typeof EDGE_VARIABLES>;
