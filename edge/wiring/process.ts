/**
 * A Synapse Live process for its role. `main.ts` runs `startServer`; tests start it
 * in-process. Each role has its composition root, which says what it builds, in what order,
 * and how it stops:
 * - `all` (all.ts): the whole system; embedded by default, a cluster member with NATS_URL;
 * - `engine` (engine.ts): actors and placement, HTTP for metrics and probes only;
 * - `edge` (edge.ts): sockets, REST and the web client, actors reached over NATS.
 * The steps they share are in features.ts (the application's parts) and edge_http.ts (the
 * edge's HTTP half); close steps run through shutdown.ts.
 */
import type { Config } from "./config.ts";
import { createLogger } from "../../engine/log.ts";
import type { RunningServer, StartServerOptions } from "./options.ts";
import { Shutdown } from "./shutdown.ts";

export type { Role, RunningServer, StartServerOptions } from "./options.ts";

/**
 * Each root is imported only when its role starts, so an edge never loads the actors' code
 * (and the packages only they use) that the engine and `all` roots import.
 */
const ROOTS = {
  all: async () => (await import("./all.ts")).startAll,
  engine: async () => (await import("./engine.ts")).startEngine,
  edge: async () => (await import("./edge.ts")).startEdge,
} as const;

export async function startServer(
  config: Config,
  opts: StartServerOptions = {},
): Promise<RunningServer> {
  const role = opts.role ?? "all";
  const edgeId = opts.edgeId ?? defaultInstanceId(config);
  const log = opts.log ?? createLogger({ service: "synapse-live", role, edgeId }, config.LOG_LEVEL);
  const start = await ROOTS[role]();
  return start({ role, config, options: opts, id: edgeId, log, shutdown: new Shutdown(log) });
}

/** INSTANCE_ID, else hostname-pid with a random suffix (a restart is a new instance). */
function defaultInstanceId(config: Config): string {
  if (config.INSTANCE_ID) return config.INSTANCE_ID;
  const suffix = crypto.getRandomValues(new Uint8Array(3)).toHex();
  return `${Deno.hostname()}-${Deno.pid}-${suffix}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
}
