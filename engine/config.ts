/**
 * The one place that reads the environment. Every variable is listed here with its
 * default and meaning (the README's configuration table mirrors this file). Modules take
 * the parsed `Config` (or the part they need) as a parameter; none reads `Deno.env` itself.
 */
import { z } from "zod";

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const opt = z.string().min(1).optional();

export const ConfigSchema = z.object({
  // --- process
  /** HTTP port of the edge. */
  PORT: int(8080, 0),
  /** Interface to listen on. */
  HOST: z.string().default("0.0.0.0"),
  /** Folder for embedded-mode data (Deno KV file, PGlite). */
  DATA_DIR: z.string().default("./data"),
  /** Stable id of this instance (defaults to hostname-pid). */
  INSTANCE_ID: opt,
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Secret that signs session tokens (HS256). Required outside embedded dev mode. */
  AUTH_SECRET: opt,

  // --- edge: per-client-IP limits (edge/ip_limits.ts); 0 turns a limit off
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

  // --- engine
  /** Partitions per cluster; fixed for the cluster's life. */
  PARTITIONS: int(64, 1),
  /** Idle time before an actor is passivated. */
  ACTOR_IDLE_MS: int(60_000, 100),
  /** Room tick: the shortest gap between two batches of a room (quiet and small rooms). */
  ROOM_TICK_MS: int(20, 5),
  /** The longest gap between two batches (busy rooms with large audiences). */
  ROOM_TICK_MAX_MS: int(250, 5),
  /** Frames per second a room may cost its edges (viewers × batches/s) before it coalesces. */
  ROOM_FRAMES_PER_SEC: int(50_000, 100),
  /** How often a room computes and broadcasts its hot topics (and persists them). */
  ROOM_TOPICS_EVERY_MS: int(15_000, 1000),
  /** NATS servers (comma separated). Unset: in-process transport. */
  NATS_URL: opt,
  /** Deno KV location: a path or a KV Connect URL. Default `${DATA_DIR}/state.kv`. */
  DENO_KV_PATH: opt,
  /** Membership/lease TTL in cluster mode. */
  LEASE_TTL_MS: int(10_000, 1000),
  /** Replicas of the cluster's JetStream KV buckets (actor state, members, leases): 1, 3 or 5. */
  NATS_KV_REPLICAS: z.coerce.number().int().refine((n) => [1, 3, 5].includes(n), "1, 3 or 5")
    .default(1),

  // --- relational (accounts, economy, media index)
  /** Postgres URL. Unset: PGlite under DATA_DIR. */
  DATABASE_URL: opt,
  /** Usernames (comma separated) made platform admins at start-up while no active admin exists. */
  BOOTSTRAP_ADMINS: z.string().default("").transform((s) =>
    s.split(",").map((n) => n.trim()).filter(Boolean)
  ).pipe(z.array(z.string().regex(/^[A-Za-z0-9_]{3,24}$/, "usernames of 3-24 A-Z a-z 0-9 _"))),
  /** Platform commission on gifts, basis points (1/100 of a percent). */
  GIFT_COMMISSION_BPS: int(3000, 0).pipe(z.number().max(10_000)),
  /** Allow the dev payment provider (instant top-ups) for everyone. */
  DEV_TOPUP: bool.default(true),
  /** The smallest withdrawal a streamer may request (integer units). */
  WITHDRAWAL_MIN_AMOUNT: int(100, 1).pipe(z.number().max(1_000_000_000)),
  /** Pending withdrawal requests one streamer may have at once (0: no limit). */
  WITHDRAWAL_MAX_PENDING: int(3, 0),
  OAUTH_GITHUB_CLIENT_ID: opt,
  OAUTH_GITHUB_CLIENT_SECRET: opt,
  OAUTH_GOOGLE_CLIENT_ID: opt,
  OAUTH_GOOGLE_CLIENT_SECRET: opt,
  /** Public base URL of this deployment (OAuth redirects, links). */
  PUBLIC_URL: z.string().url().default("http://localhost:8080"),

  // --- media
  /**
   * `auto`: in embedded mode, whatever is not configured runs here (livekit-server, Redis and
   * the ingress as supervised child processes; recordings on the local disk under DATA_DIR);
   * `external`: only what LIVEKIT_* / S3_* configure; `off`: no media at all.
   */
  MEDIA: z.enum(["auto", "external", "off"]).default("auto"),
  /** RTMP port of the embedded ingress, where OBS pushes (0: any free port). */
  MEDIA_RTMP_PORT: int(1935, 0).pipe(z.number().max(65_535)),
  /** The ingress transcodes OBS's stream into three simulcast layers (more CPU) instead of one. */
  INGRESS_SIMULCAST: bool.default(false),
  /** Where the Go media servers are built once (default ~/.cache/synapse-live/tools). */
  SYNAPSE_TOOLS_DIR: opt,
  LIVEKIT_URL: opt,
  LIVEKIT_API_KEY: opt,
  LIVEKIT_API_SECRET: opt,
  S3_ENDPOINT: opt,
  S3_REGION: z.string().default("us-east-1"),
  S3_BUCKET: z.string().default("synapse"),
  S3_ACCESS_KEY: opt,
  S3_SECRET_KEY: opt,
  /** Seconds per recorded HLS segment (recorder agent and egress). */
  RECORDING_SEGMENT_SECONDS: int(6, 1),
  /** Recordings one process runs at once (recorder agent); more are refused. */
  RECORDING_MAX_CONCURRENT: int(4, 1),
  /** Recordings pause while free disk under DATA_DIR is below this many MiB. */
  RECORDING_MIN_FREE_DISK_MB: int(512, 0),
  /** Recordings pause while the bucket's `recordings/` holds more MiB than this (0: no quota). */
  RECORDING_BUCKET_QUOTA_MB: int(0, 0),
  /** Record through LiveKit egress (cluster) instead of the in-process recorder agent. */
  RECORDING_VIA_EGRESS: bool.default(false),
  /** How often (ms) live rooms and recordings are reconciled with LiveKit after a restart (0: off). */
  RECORDING_RECONCILE_MS: int(30_000, 0),

  // --- AI
  LLM_BASE_URL: opt,
  LLM_API_KEY: opt,
  LLM_MODEL: opt,
  EMBEDDING_MODEL: opt,
  ASR_BASE_URL: opt,
  ASR_API_KEY: opt,
  ASR_MODEL: opt,
  /** Timeout of one LLM request (each retry gets its own). */
  LLM_TIMEOUT_MS: int(20_000, 100),
  /** LLM price of one million prompt / completion tokens, integer micro-units (cost metrics). */
  LLM_PRICE_INPUT_MICROS_PER_MTOK: int(0, 0),
  LLM_PRICE_OUTPUT_MICROS_PER_MTOK: int(0, 0),
  /** Speech recogniser: `auto` (remote if ASR_BASE_URL set, else local pocketsphinx if
   * installed), `remote`, `local`, or `off`. */
  ASR_ENGINE: z.enum(["auto", "remote", "local", "off"]).default("auto"),
  /** Live captions: longest utterance (ms) before it is cut without a pause and recognised. */
  CAPTION_MAX_UTTERANCE_MS: int(4_000, 1_000).pipe(z.number().max(30_000)),
  /** Length of a recording's analysis window (coaching tips once per window), seconds. */
  ANALYSIS_WINDOW_S: int(300, 10),

  // --- bridges (outside live rooms) and the AI co-host (actors/bridges, actors/cohost)
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
  /** Co-host voice: `auto` (remote if TTS_BASE_URL, else local espeak-ng), `remote`, `local`, `off`. */
  COHOST_TTS: z.enum(["auto", "remote", "local", "off"]).default("auto"),
  /** OpenAI-compatible `/audio/speech` endpoint for the co-host's voice. */
  TTS_BASE_URL: opt,
  TTS_API_KEY: opt,
  TTS_MODEL: z.string().default("tts-1"),
  TTS_VOICE: z.string().default("alloy"),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Parse a set of variables; throws one error naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

/** The process's configuration from its environment. */
export function loadConfig(): Config {
  return parseConfig(Deno.env.toObject());
}
