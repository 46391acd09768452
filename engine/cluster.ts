/**
 * Cluster mode. `startClusterEngine` runs an engine instance (role `engine`, or the engine
 * half of `all` with `NATS_URL` set): NATS transport, JetStream KV actor state, an actor
 * system whose writes and publishes are fenced by partition leases, a host that serves the
 * partitions placement gives it, and a `_cluster.info.{instance}` responder for the admin
 * view. `connectClusterEdge` is the edge half: a NATS transport and a traced ActorClient.
 * `clusterView` assembles the admin view (served by edge/routes/cluster.ts).
 */
import type { ActorType } from "./actor.ts";
import { ActorClient } from "./client.ts";
import { decodeJson, encodeJson } from "./codec.ts";
import type { EngineConfig } from "./config.ts";
import { errorReply } from "./envelope.ts";
import { ActorHost } from "./host.ts";
import { LeaseTable } from "./lease.ts";
import type { Logger } from "./log.ts";
import { INSTANCE_ID, type MemberInfo, Membership } from "./membership.ts";
import { M, registerActorGauges } from "./metrics.ts";
import { partitionOf } from "./partition.ts";
import { Placement, type PlacementEvent } from "./placement.ts";
import { ActorSystem } from "./runtime.ts";
import { JetStreamStateStore } from "./state_store_jetstream.ts";
import { contextFromHeaders, initTelemetry, inSpan, SpanKind, traceHeaders } from "./telemetry.ts";
import type { Transport } from "./transport.ts";
import { NatsTransport } from "./transport_nats.ts";
import { MeteredTransport, type PublishMeter } from "./metered_transport.ts";
import { ActorError } from "./actor.ts";

const infoSubject = (instanceId: string) => `_cluster.info.${instanceId}`;

/** What one engine instance reports about itself (answer on `_cluster.info.{id}`). */
export interface InstanceReport {
  instanceId: string;
  owned: number[];
  actors: { type: string; id: string; partition: number }[];
  stats: ReturnType<ActorSystem["stats"]>;
}

export interface ClusterEngineOptions {
  config: EngineConfig;
  role: "engine" | "all";
  instanceId: string;
  // deno-lint-ignore no-explicit-any
  types: ActorType<any, any, any>[];
  log: Logger;
  /** URL where this instance's `/metrics` answers (shown in the cluster view). */
  httpUrl?: string;
  /** Sees what the actors publish (the application's batch metrics); none by default. */
  meterPublish?: PublishMeter;
}

export interface ClusterEngine {
  transport: NatsTransport;
  store: JetStreamStateStore;
  system: ActorSystem;
  host: ActorHost;
  client: ActorClient;
  placement: Placement;
  membership: Membership;
  leases: LeaseTable;
  report(): InstanceReport;
  /** Graceful: hand every partition over (persisting), leave, close the connection. */
  close(): Promise<void>;
}

function requireNats(config: EngineConfig): string {
  if (!config.NATS_URL) throw new Error("cluster mode needs NATS_URL");
  return config.NATS_URL;
}

function checkInstanceId(id: string): string {
  if (!INSTANCE_ID.test(id)) throw new Error(`INSTANCE_ID must match ${INSTANCE_ID} (got ${id})`);
  return id;
}

/** An ActorClient whose requests carry trace context and are measured. */
function tracedClient(transport: Transport, config: EngineConfig): ActorClient {
  const client = new ActorClient(transport, {
    partitions: config.PARTITIONS,
    headers: () => traceHeaders(),
  });
  const ask = client.ask.bind(client);
  client.ask = <R>(type: string, id: string, msg: unknown): Promise<R> => {
    const started = performance.now();
    return inSpan(
      `actor.request ${type}`,
      SpanKind.CLIENT,
      undefined,
      { "actor.type": type, "actor.id": id },
      () =>
        ask<R>(type, id, msg).finally(() =>
          M.requestLatency.observe(performance.now() - started, { side: "client", type })
        ),
    );
  };
  return client;
}

export async function startClusterEngine(opts: ClusterEngineOptions): Promise<ClusterEngine> {
  const { config, log } = opts;
  const instanceId = checkInstanceId(opts.instanceId);
  initTelemetry();
  const transport = await NatsTransport.connect({
    servers: requireNats(config),
    name: instanceId,
    log: log.child({ component: "nats" }),
  });
  try {
    const nc = transport.nc;
    const replicas = config.NATS_KV_REPLICAS;
    const store = await JetStreamStateStore.open(nc, { replicas });
    const membership = await Membership.open(nc, { ttlMs: config.LEASE_TTL_MS, replicas });
    const leases = await LeaseTable.open(nc, { ttlMs: config.LEASE_TTL_MS, replicas });
    const P = config.PARTITIONS;
    const client = tracedClient(transport, config);

    // The system's guard needs placement, which needs the host, which needs the system.
    const fence: { placement?: Placement } = {};
    const canServe = (id: string) => fence.placement?.canServe(partitionOf(id, P)) ?? false;
    const system = new ActorSystem({
      store,
      // What actors publish is measured on its way out, by the application's meter.
      transport: opts.meterPublish ? new MeteredTransport(transport, opts.meterPublish) : transport,
      partitions: P,
      log: log.child({ component: "runtime" }),
      idleMs: config.ACTOR_IDLE_MS,
      router: client,
      guard: (_type, id) => canServe(id),
    });
    for (const t of opts.types) system.register(t);

    const host = new ActorHost(system, transport, {
      partitions: P,
      onRequest: async (type, id, msg, run) => {
        if (!canServe(id)) {
          // Lease lapsed (pause, NATS outage): never act; the sender retries the new owner.
          if (msg.expectsReply) {
            msg.respond(
              encodeJson(
                errorReply(new ActorError("stale_activation", `${type}/${id} moved; retry`)),
              ),
            );
          }
          return;
        }
        const started = performance.now();
        await inSpan(
          `actor.handle ${type}`,
          SpanKind.SERVER,
          contextFromHeaders(msg.headers),
          { "actor.type": type, "actor.id": id, "instance.id": instanceId },
          () => run(),
        );
        M.requestLatency.observe(performance.now() - started, { side: "engine", type });
      },
    });

    const onEvent = (e: PlacementEvent) => {
      M.partitionMoves.inc({ kind: e.kind });
      log.info("partition move", { ...e, instance: instanceId });
    };
    const placement = new Placement({
      instanceId,
      partitions: P,
      ttlMs: config.LEASE_TTL_MS,
      membership,
      leases,
      host,
      log: log.child({ component: "placement" }),
      info: {
        role: opts.role,
        hostname: Deno.hostname(),
        pid: Deno.pid,
        startedAt: Date.now(),
        httpUrl: opts.httpUrl,
      },
      onEvent,
      afterAcquire: (ps) => {
        const set = new Set(ps);
        return system.resumeAlarms((_type, id) => set.has(partitionOf(id, P)));
      },
    });
    fence.placement = placement;
    const placementRef = placement;

    const report = (): InstanceReport => ({
      instanceId,
      owned: placementRef.owned(),
      actors: system.types().flatMap((type) =>
        system.activeIds(type).map((id) => ({ type, id, partition: partitionOf(id, P) }))
      ),
      stats: system.stats(),
    });
    const infoSub = transport.subscribe(infoSubject(instanceId), (msg) => {
      if (msg.expectsReply) msg.respond(encodeJson(report()));
    });
    registerEngineGauges(system, placementRef, transport);

    await placement.start();
    log.info("cluster engine started", {
      instanceId,
      partitions: P,
      owned: placement.owned().length,
    });

    let closed = false;
    return {
      transport,
      store,
      system,
      host,
      client,
      placement,
      membership,
      leases,
      report,
      async close() {
        if (closed) return;
        closed = true;
        await placementRef.stop();
        infoSub.unsubscribe();
        await system.close();
        await transport.flush().catch(() => {});
        await transport.close();
      },
    };
  } catch (err) {
    await transport.close();
    throw err;
  }
}

function registerEngineGauges(
  system: ActorSystem,
  placement: Placement,
  transport: Transport,
): void {
  registerActorGauges(system);
  M.partitionsOwned.collect(() => [{ value: placement.owned().length }]);
  M.natsConnected.collect(() => [{ value: transport.isConnected() ? 1 : 0 }]);
}

// --- edge half

export interface ClusterEdge {
  transport: NatsTransport;
  client: ActorClient;
  membership: Membership;
  leases: LeaseTable;
  /** The admin cluster view (`GET /api/cluster`). */
  view(): Promise<ClusterView>;
  close(): Promise<void>;
}

export async function connectClusterEdge(
  opts: { config: EngineConfig; instanceId: string; log: Logger },
): Promise<ClusterEdge> {
  initTelemetry();
  const { config } = opts;
  const transport = await NatsTransport.connect({
    servers: requireNats(config),
    name: checkInstanceId(opts.instanceId),
    log: opts.log.child({ component: "nats" }),
  });
  try {
    const replicas = config.NATS_KV_REPLICAS;
    const membership = await Membership.open(transport.nc, {
      ttlMs: config.LEASE_TTL_MS,
      replicas,
    });
    const leases = await LeaseTable.open(transport.nc, { ttlMs: config.LEASE_TTL_MS, replicas });
    M.natsConnected.collect(() => [{ value: transport.isConnected() ? 1 : 0 }]);
    return {
      transport,
      client: tracedClient(transport, config),
      membership,
      leases,
      view: () => clusterView(transport, membership, leases, config.PARTITIONS),
      async close() {
        await transport.close();
      },
    };
  } catch (err) {
    await transport.close();
    throw err;
  }
}

// --- admin view

export interface ClusterView {
  partitions: number;
  instances: (MemberInfo & { owned: number[]; actors: number; reachable: boolean })[];
  /** One row per partition: lease holder and the actors active there. */
  partitionTable: {
    partition: number;
    owner: string | null;
    actors: { type: string; id: string }[];
  }[];
  unowned: number[];
}

/** Ask every live instance for its report and join them with the lease table. */
export async function clusterView(
  transport: Transport,
  membership: Membership,
  leases: LeaseTable,
  partitions: number,
): Promise<ClusterView> {
  const [members, holders] = await Promise.all([membership.members(), leases.holders()]);
  const reports = await Promise.all(members.map(async (m) => {
    try {
      const reply = await transport.request(infoSubject(m.id), new Uint8Array(), {
        timeoutMs: 1_000,
      });
      return decodeJson<InstanceReport>(reply.data);
    } catch {
      return undefined;
    }
  }));
  const actorsByPartition = new Map<number, { type: string; id: string }[]>();
  for (const r of reports) {
    for (const a of r?.actors ?? []) {
      const list = actorsByPartition.get(a.partition) ?? [];
      list.push({ type: a.type, id: a.id });
      actorsByPartition.set(a.partition, list);
    }
  }
  const partitionTable = Array.from({ length: partitions }, (_, p) => ({
    partition: p,
    owner: holders.get(p)?.owner ?? null,
    actors: actorsByPartition.get(p) ?? [],
  }));
  return {
    partitions,
    instances: members.map((m, i) => ({
      ...m,
      owned: reports[i]?.owned ?? [],
      actors: reports[i]?.actors.length ?? 0,
      reachable: reports[i] !== undefined,
    })),
    partitionTable,
    unowned: partitionTable.filter((r) => r.owner === null).map((r) => r.partition),
  };
}
