/**
 * Cluster mode's edge half: a NATS transport and a traced ActorClient. The admin view
 * (`GET /api/cluster`) reads the membership and lease buckets, so their modules (and the
 * JetStream KV client) load and the buckets open on the first view asked for, not at start:
 * an edge serves viewers with NATS core alone.
 */
import type { EngineConfig } from "./config.ts";
import { checkInstanceId, requireNats, tracedClient } from "./cluster_member.ts";
import type { ClusterView } from "./cluster_view.ts";
import type { ActorClient } from "./client.ts";
import type { Logger } from "./log.ts";
import { M } from "./metrics.ts";
import { initTelemetry } from "./telemetry.ts";
import { NatsTransport } from "./transport_nats.ts";

export interface ClusterEdge {
  transport: NatsTransport;
  client: ActorClient;
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
  M.natsConnected.collect(() => [{ value: transport.isConnected() ? 1 : 0 }]);
  let viewer: Promise<() => Promise<ClusterView>> | undefined;
  const openViewer = async () => {
    const [{ Membership }, { LeaseTable }, { clusterView }] = await Promise.all([
      import("./membership.ts"),
      import("./lease.ts"),
      import("./cluster_view.ts"),
    ]);
    const replicas = config.NATS_KV_REPLICAS;
    const membership = await Membership.open(transport.nc, {
      ttlMs: config.LEASE_TTL_MS,
      replicas,
    });
    const leases = await LeaseTable.open(transport.nc, { ttlMs: config.LEASE_TTL_MS, replicas });
    return () => clusterView(transport, membership, leases, config.PARTITIONS);
  };
  return {
    transport,
    client: tracedClient(transport, config),
    view: async () => {
      viewer ??= openViewer();
      try {
        return await (await viewer)();
      } catch (err) {
        viewer = undefined; // a bucket that failed to open is tried again on the next view
        throw err;
      }
    },
    async close() {
      await transport.close();
    },
  };
}
