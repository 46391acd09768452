/**
 * Placement with several instances in one process against a private nats-server: every
 * partition has exactly one owner, the owner is the rendezvous choice, a joining instance
 * takes only its share, a graceful stop hands over without waiting for the TTL, and a hung
 * instance's partitions are taken after its leases lapse.
 */
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { LeaseTable } from "../engine/lease.ts";
import { createLogger } from "../engine/log.ts";
import { Membership } from "../engine/membership.ts";
import { rendezvousOwner } from "../engine/partition.ts";
import { type PartitionHost, Placement } from "../engine/placement.ts";
import { startNatsServer } from "./helpers/nats.ts";

const P = 16;
/** Violations seen by any host (asserted empty at the end of each test). */
const doubleOwned: string[] = [];
const log = createLogger({ test: "cluster_placement" }, "error");

/** A host that records which partitions it subscribes, and checks that no other instance
 * may still act for a partition this one takes (a fenced, hung one may still list it). */
class RecordingHost implements PartitionHost {
  serving = new Set<number>();
  canServe: (p: number) => boolean = () => false;
  constructor(private readonly all: Map<string, RecordingHost>, readonly id: string) {}
  own(ps: number[]): void {
    for (const p of ps) {
      for (const [other, h] of this.all) {
        if (other !== this.id && h.serving.has(p) && h.canServe(p)) {
          doubleOwned.push(`p${p} owned by ${other} and ${this.id}`);
        }
      }
      this.serving.add(p);
    }
  }
  release(ps: number[]): Promise<void> {
    for (const p of ps) this.serving.delete(p);
    return Promise.resolve();
  }
}

interface Node {
  id: string;
  nc: NatsConnection;
  host: RecordingHost;
  placement: Placement;
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function cluster(ttlMs: number) {
  const server = await startNatsServer();
  const hosts = new Map<string, RecordingHost>();
  const nodes: Node[] = [];
  const add = async (id: string, host = new RecordingHost(hosts, id)) => {
    const nc = await connect({ servers: server.url });
    const membership = await Membership.open(nc, { ttlMs });
    const leases = await LeaseTable.open(nc, { ttlMs });
    hosts.set(id, host);
    const placement = new Placement({
      instanceId: id,
      partitions: P,
      ttlMs,
      membership,
      leases,
      host,
      info: { role: "engine", hostname: "test", pid: Deno.pid, startedAt: Date.now() },
      log,
    });
    host.canServe = (p) => placement.canServe(p);
    await placement.start();
    const node = { id, nc, host, placement };
    nodes.push(node);
    return node;
  };
  /** Partition → owning node id, from what the hosts serve. */
  const owners = () => {
    const out = new Map<number, string>();
    for (const n of nodes) for (const p of n.host.serving) out.set(p, n.id);
    return out;
  };
  const settledOn = (ids: string[]) => {
    const o = owners();
    for (let p = 0; p < P; p++) if (o.get(p) !== rendezvousOwner(p, ids)) return false;
    return true;
  };
  const close = async () => {
    for (const n of nodes) {
      n.placement.abandon();
      await n.nc.close();
    }
    await server.dispose();
    assert.deepEqual(doubleOwned.splice(0), []);
  };
  return { add, nodes, owners, settledOn, close, hosts };
}

Deno.test("placement: one owner per partition, by rendezvous; a joiner moves only its share", async () => {
  const c = await cluster(2_000);
  try {
    await c.add("e1");
    await c.add("e2");
    await c.add("e3");
    await until(() => c.settledOn(["e1", "e2", "e3"]), 15_000, "3 instances settled");
    const before = c.owners();
    await c.add("e4");
    await until(() => c.settledOn(["e1", "e2", "e3", "e4"]), 15_000, "4 instances settled");
    const after = c.owners();
    const moved = [...Array(P).keys()].filter((p) => before.get(p) !== after.get(p));
    // Only partitions now owned by the joiner moved; none moved between old instances.
    assert.ok(moved.length > 0);
    assert.ok(
      moved.every((p) => after.get(p) === "e4"),
      `moved: ${moved.map((p) => `${p}->${after.get(p)}`)}`,
    );
    assert.ok(moved.length < P / 2, `${moved.length} of ${P} moved`);
    for (const n of c.nodes) {
      for (const p of n.host.serving) assert.equal(n.placement.canServe(p), true);
    }
  } finally {
    await c.close();
  }
});

Deno.test("placement: graceful stop hands over without waiting for the lease TTL", async () => {
  // A 60 s TTL: the survivors could not take over by lease expiry within this test.
  const c = await cluster(60_000);
  try {
    const e1 = await c.add("e1");
    await c.add("e2");
    await until(() => c.settledOn(["e1", "e2"]), 15_000, "2 instances settled");
    assert.ok(e1.host.serving.size > 0);
    await e1.placement.stop();
    assert.equal(e1.host.serving.size, 0);
    await until(() => c.settledOn(["e2"]), 15_000, "e2 owns all");
    assert.equal(c.owners().size, P);
  } finally {
    await c.close();
  }
});

/** A host whose release (persisting its actors) takes `holdMs`, watching its leases meanwhile. */
class SlowReleaseHost extends RecordingHost {
  /** Partitions seen unservable while their release was still running. */
  lapsed = new Set<number>();
  constructor(all: Map<string, RecordingHost>, id: string, private readonly holdMs: number) {
    super(all, id);
  }
  override async release(ps: number[]): Promise<void> {
    const until = Date.now() + this.holdMs;
    while (Date.now() < until) {
      for (const p of ps) if (!this.canServe(p)) this.lapsed.add(p);
      await new Promise((r) => setTimeout(r, 50));
    }
    return super.release(ps);
  }
}

Deno.test("placement: a slow graceful stop keeps its leases valid until it has released them", async () => {
  // TTL 4 s: without refreshes a lease is valid for at most 3.2 s after the last one; the
  // release takes 3.6 s (inside its 4 s bound).
  const c = await cluster(4_000);
  try {
    const slow = new SlowReleaseHost(c.hosts, "e1", 3_600);
    c.hosts.set("e1", slow);
    const e1 = await c.add("e1", slow);
    await c.add("e2");
    await until(() => c.settledOn(["e1", "e2"]), 15_000, "2 instances settled");
    const mine = [...e1.host.serving];
    assert.ok(mine.length > 0);
    await e1.placement.stop();
    assert.deepEqual([...slow.lapsed], [], "a lease lapsed while its actors were being released");
    assert.equal(e1.host.serving.size, 0);
    await until(() => c.settledOn(["e2"]), 15_000, "e2 owns all");
  } finally {
    await c.close();
  }
});

Deno.test("placement: a hung instance is fenced and its partitions move after the TTL", async () => {
  const c = await cluster(1_500);
  try {
    const e1 = await c.add("e1");
    await c.add("e2");
    await until(() => c.settledOn(["e1", "e2"]), 15_000, "2 instances settled");
    const e1Parts = [...e1.host.serving];
    assert.ok(e1Parts.length > 0);
    e1.placement.abandon(); // stops heartbeats and refreshes, keeps serving state (like SIGSTOP)
    await until(() => e1Parts.every((p) => !e1.placement.canServe(p)), 10_000, "e1 fenced");
    // Survivors take them once membership and leases lapse on the server.
    const e2 = c.nodes[1];
    await until(
      () => e1Parts.every((p) => e2.host.serving.has(p)),
      20_000,
      "e2 took e1's partitions",
    );
  } finally {
    await c.close();
  }
});

Deno.test("membership: listing while records expire by TTL answers every time", async () => {
  const server = await startNatsServer();
  const nc = await connect({ servers: server.url });
  try {
    const membership = await Membership.open(nc, { ttlMs: 1_000 });
    const info = { role: "engine" as const, hostname: "t", pid: 1, startedAt: 0, heartbeatAt: 0 };
    const ids = Array.from({ length: 100 }, (_, i) => `m${String(i).padStart(3, "0")}`);
    // Written 10 ms apart, so the records expire one after another over a second.
    for (const id of ids) {
      await membership.heartbeat({ ...info, id });
      await new Promise((r) => setTimeout(r, 10));
    }
    await membership.leave(ids[0]);
    const first = (await membership.members()).map((m) => m.id);
    assert.ok(first.length > 0 && !first.includes(ids[0]), "a member that left is not listed");
    assert.deepEqual(first, ids.slice(-first.length), "the newest records are the live ones");
    // Keep listing through the moment the records expire: each listing must answer (the
    // consumer-based `kv.keys()` could wait for a message that expired under it), and the
    // expired members disappear.
    let listings = 0;
    const deadline = Date.now() + 20_000;
    while ((await membership.members()).length > 0) {
      listings++;
      if (Date.now() > deadline) throw new Error("timed out waiting for the records to expire");
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(listings > 1);
  } finally {
    await nc.close();
    await server.dispose();
  }
});
