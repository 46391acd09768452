/**
 * The admin view of a cluster (`GET /api/cluster`, edge/routes/cluster.ts): every live
 * member (the membership bucket) asked on `_cluster.info.{id}` for its report, joined with
 * the partition lease table.
 */
import { decodeJson } from "./codec.ts";
import type { LeaseTable } from "./lease.ts";
import type { MemberInfo, Membership } from "./membership.ts";
import type { ActorSystem } from "./runtime.ts";
import type { Transport } from "./transport.ts";

/** Where an engine instance answers with its report. */
export const infoSubject = (instanceId: string) => `_cluster.info.${instanceId}`;

/** What one engine instance reports about itself (answer on `_cluster.info.{id}`). */
export interface InstanceReport {
  instanceId: string;
  owned: number[];
  actors: { type: string; id: string; partition: number }[];
  stats: ReturnType<ActorSystem["stats"]>;
}

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
