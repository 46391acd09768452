/**
 * Configuration is environment variables, read and validated once at start-up. Each part of
 * the system declares its own variables next to its code, as a zod shape (`*_VARIABLES`)
 * with its defaults and meanings; the composition root (edge/wiring/config.ts) joins the
 * parts into one schema, and the README's configuration table lists every variable. This
 * file holds the helpers the parts use and the engine's own variables: the process's
 * identity and data folder, partitions and actors, NATS, the state and SQL stores. Modules
 * take the parsed values (or the part they need) as a parameter; none reads `Deno.env`.
 */
import { z } from "zod";

/** `true`/`false`/`1`/`0`. */
export const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
/** An integer of at least `min`, `def` when unset. */
export const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
/** An optional non-empty string. */
export const opt = z.string().min(1).optional();

/** The parsed values of a part's variables. */
export type Variables<S extends z.ZodRawShape> = z.infer<z.ZodObject<S>>;

export const ENGINE_VARIABLES = {
  /** Folder for embedded-mode data (Deno KV file, PGlite). */
  DATA_DIR: z.string().default("./data"),
  /** Stable id of this instance (defaults to hostname-pid). */
  INSTANCE_ID: opt,
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Partitions per cluster; fixed for the cluster's life. */
  PARTITIONS: int(64, 1),
  /** Idle time before an actor is passivated. */
  ACTOR_IDLE_MS: int(60_000, 100),
  /** NATS servers (comma separated). Unset: in-process transport. */
  NATS_URL: opt,
  /** Deno KV location: a path or a KV Connect URL. Default `${DATA_DIR}/state.kv`. */
  DENO_KV_PATH: opt,
  /** Membership/lease TTL in cluster mode. */
  LEASE_TTL_MS: int(10_000, 1000),
  /**
   * Cluster: longest a batchable message (chat) waits for others to the same actor to travel
   * with it in one request, once that actor is busy (engine/gather.ts; a quiet or moderate
   * one's go at once). 0: each goes alone.
   */
  ACTOR_BATCH_MS: int(20, 0),
  /** Cluster: messages per batch at most (1-1024). */
  ACTOR_BATCH_MAX: z.coerce.number().int().min(1).max(1_024).default(64),
  /** Replicas of the cluster's JetStream KV buckets (actor state, members, leases): 1, 3 or 5. */
  NATS_KV_REPLICAS: z.coerce.number().int().refine((n) => [1, 3, 5].includes(n), "1, 3 or 5")
    .default(1),
  /** Postgres URL. Unset: PGlite under DATA_DIR. */
  DATABASE_URL: opt,
};

export type EngineConfig = Variables<typeof ENGINE_VARIABLES>;

/** Refuses a variable declared by two parts (the later one would silently win). */
export function assertDisjoint(parts: Record<string, z.ZodRawShape>): void {
  const owner = new Map<string, string>();
  for (const [part, shape] of Object.entries(parts)) {
    for (const name of Object.keys(shape)) {
      const first = owner.get(name);
      if (first) throw new Error(`variable ${name} is declared by both ${first} and ${part}`);
      owner.set(name, part);
    }
  }
}

/** Parses variables with `schema`; throws one error naming every bad variable. */
export function parseVariables<T extends z.ZodType>(
  schema: T,
  env: Record<string, string | undefined>,
): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}
