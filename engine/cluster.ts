/**
 * Cluster mode's engine. `startClusterEngine` runs an engine instance (role `engine`, or the
 * engine half of `all` with `NATS_URL` set): NATS transport, JetStream KV actor state, an actor
 * system whose writes and publishes are fenced by partition leases, a host that serves the
 * partitions placement gives it, and a `_cluster.info.{instance}` responder for the admin
 * view (cluster_view.ts). The edge's half is cluster_edge.ts; what both connect with is
 * cluster_member.ts.
 */
import type { ActorType } from "./actor.ts";
import { encodeJson } from "./codec.ts";
import type { EngineConfig } from "./config.ts";
import { errorReply } from "./envelope.ts";
import { ActorHost } from "./host.ts";
import { LeaseTable } from "./lease.ts";
import type { Logger } from "./log.ts";
import { Membership } from "./membership.ts";
import { M, registerActorGauges } from "./metrics.ts";
import { partitionOf } from "./partition.ts";
import { Placement, type PlacementEvent } from "./placement.ts";
import { ActorSystem } from "./runtime.ts";
import { JetStreamStateStore } from "./state_store_jetstream.ts";
import { contextFromHeaders, initTelemetry, inSpan, SpanKind } from "./telemetry.ts";
import type { Transport } from "./transport.ts";
import { NatsTransport } from "./transport_nats.ts";
import { MeteredTransport, type PublishMeter } from "./metered_transport.ts";
import { ActorError } from "./actor.ts";
import type { ActorClient } from "./client.ts";
import { checkInstanceId, requireNats, tracedClient } from "./cluster_member.ts";
import { infoSubject, type InstanceReport } from "./cluster_view.ts";

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
