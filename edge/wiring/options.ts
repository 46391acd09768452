/** What a process is started with and what a started one offers (every role alike). */
import type { ActorAsker } from "../../actors/room/client.ts";
import type { RoomActorOptions } from "../../actors/room/room_actor.ts";
import type { Logger } from "../../engine/log.ts";
import type { Transport } from "../../engine/transport.ts";
import type { EdgeLimits } from "../limits.ts";
import type { Config } from "./config.ts";
import type { StreamUrlResolver } from "../../media/recorder/url_source.ts";
import type { Shutdown } from "./shutdown.ts";

export type Role = "all" | "engine" | "edge";

export interface StartServerOptions {
  role?: Role;
  /** Simulated viewers chatting in `lobby`. */
  demo?: boolean;
  log?: Logger;
  /** Overrides of the gateway limits (tests shrink them). */
  limits?: Partial<EdgeLimits>;
  /** Overrides of the room actor options (e.g. a gift ledger, test rate limits). */
  roomOptions?: Partial<RoomActorOptions>;
  /** Edge id for presence reports (default INSTANCE_ID or hostname-pid-random). */
  edgeId?: string;
  /**
   * Registered accounts, wallets and gifts on the relational store (Postgres with
   * DATABASE_URL, else PGlite under DATA_DIR). Default true; without it only guests chat
   * and gifts are refused with `gifts_unavailable`.
   */
  accounts?: boolean;
  /**
   * Tests only: what URL recordings resolve with instead of the platforms' and the SSRF-checked
   * direct resolver (e.g. `new DirectUrlResolver({ allowPrivateHosts: true })` for a loopback
   * test stream). No variable sets this: a deployed server always checks.
   */
  urlResolver?: StreamUrlResolver;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  edgeId: string;
  transport: Transport;
  /** Any actor, anywhere (tests ask rooms directly). */
  actors: ActorAsker;
  /** The HTTP routes served, from Hono's router (for tests that must cover every route). */
  routes?: readonly { method: string; path: string }[];
  /** Graceful stop: sockets closed with 1001, actors passivated, store closed. */
  close(): Promise<void>;
}

/** What every step of a root is given: the process's settings, identity, log and close steps. */
export interface Root {
  role: Role;
  config: Config;
  options: StartServerOptions;
  /** This process's id (edge id for presence, instance id in the cluster). */
  id: string;
  log: Logger;
  shutdown: Shutdown;
}
