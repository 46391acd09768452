/**
 * Everything of the engine in one process: an ActorSystem that owns every partition and
 * is reached through the same transport subjects and client as in a cluster (the client
 * asks the actors this process serves directly: `client.ts`, `LocalActors`).
 */
import type { ActorType } from "./actor.ts";
import { ActorClient } from "./client.ts";
import type { ClusterView } from "./cluster_view.ts";
import { ActorHost } from "./host.ts";
import type { CrashBackoff } from "./resilience/backoff.ts";
import type { Logger } from "./log.ts";
import { ActorSystem } from "./runtime.ts";
import type { StateStore } from "./state_store.ts";
import type { Transport } from "./transport.ts";
import { MemoryTransport } from "./transport_memory.ts";

export interface EmbeddedEngineOptions {
  store: StateStore;
  // deno-lint-ignore no-explicit-any
  types: ActorType<any, any, any>[];
  transport?: Transport;
  partitions?: number;
  log?: Logger;
  clock?: () => number;
  idleMs?: number;
  persistIntervalMs?: number;
  mailboxCapacity?: number;
  crashBackoff?: CrashBackoff;
}

export interface EmbeddedEngine {
  system: ActorSystem;
  host: ActorHost;
  client: ActorClient;
  transport: Transport;
  /** Passivates every actor (persisting state); closes the transport if it created it. */
  close(): Promise<void>;
}

export async function startEmbeddedEngine(opts: EmbeddedEngineOptions): Promise<EmbeddedEngine> {
  const partitions = opts.partitions ?? 64;
  const transport = opts.transport ?? new MemoryTransport();
  // Every partition is this process's: its actors are asked without the transport.
  const local = { host: undefined as ActorHost | undefined };
  const client: ActorClient = new ActorClient(transport, {
    partitions,
    local: {
      serves: (type, id) => local.host?.serves(type, id) ?? false,
      ask: (type, id, msg): Promise<unknown> => system.ask(type, id, msg),
    },
  });
  const system = new ActorSystem({
    store: opts.store,
    transport,
    partitions,
    log: opts.log,
    clock: opts.clock,
    idleMs: opts.idleMs,
    persistIntervalMs: opts.persistIntervalMs,
    mailboxCapacity: opts.mailboxCapacity,
    crashBackoff: opts.crashBackoff,
    router: client,
  });
  for (const t of opts.types) system.register(t);
  const host = new ActorHost(system, transport, { partitions });
  local.host = host;
  host.ownAll();
  await system.resumeAlarms();
  return {
    system,
    host,
    client,
    transport,
    async close() {
      await host.releaseAll();
      await system.close();
      if (!opts.transport) await transport.close();
    },
  };
}

/** The view of a single process that owns every partition (embedded mode). */
export function embeddedView(
  opts: {
    instanceId: string;
    partitions: number;
    actors: () => { type: string; id: string; partition: number }[];
  },
): ClusterView {
  const actors = opts.actors();
  const all = Array.from({ length: opts.partitions }, (_, p) => p);
  return {
    partitions: opts.partitions,
    instances: [{
      id: opts.instanceId,
      role: "all",
      hostname: Deno.hostname(),
      pid: Deno.pid,
      startedAt: 0,
      heartbeatAt: Date.now(),
      owned: all,
      actors: actors.length,
      reachable: true,
    }],
    partitionTable: all.map((p) => ({
      partition: p,
      owner: opts.instanceId,
      actors: actors.filter((a) => a.partition === p).map(({ type, id }) => ({ type, id })),
    })),
    unowned: [],
  };
}
