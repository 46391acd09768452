/**
 * A Synapse Live cluster of separate OS processes for tests: a private nats-server, a
 * scratch Postgres database shared by every process, and `edge/main.ts --role engine|edge`
 * processes started with short leases (2 s) and few partitions (16). Each process listens
 * on port 0; its URL comes from its `listening` log line.
 */
import { Hs256Tokens } from "../../edge/auth/tokens.ts";
import { ActorClient } from "../../engine/client.ts";
import { type ClusterView, clusterView } from "../../engine/cluster_view.ts";
import { LeaseTable } from "../../engine/lease.ts";
import { createLogger } from "../../engine/log.ts";
import { Membership } from "../../engine/membership.ts";
import { NatsTransport } from "../../engine/transport_nats.ts";
import { partitionOf, rendezvousOwner } from "../../engine/partition.ts";
import { createScratchDatabase } from "./db.ts";
import { EDGE_DENO_ARGS, EDGE_V8_FLAGS } from "./deploy_flags.ts";
import { type NatsServer, startNatsServer } from "./nats.ts";

export const CLUSTER_AUTH_SECRET = "cluster-test-secret-0123456789abcdef";
export const CLUSTER_PARTITIONS = 16;
export const CLUSTER_LEASE_TTL_MS = 2_000;

export interface NodeProcess {
  id: string;
  role: "engine" | "edge" | "all";
  /** `http://127.0.0.1:port` */
  url: string;
  pid: number;
  /** All output so far (JSON log lines). */
  output(): string;
  /** Send a signal without waiting (SIGKILL, SIGSTOP, SIGCONT…). */
  signal(sig: Deno.Signal): void;
  /** Send `sig` (default SIGTERM) and wait for the exit code. */
  stop(sig?: Deno.Signal): Promise<number>;
  /** Resolves with the exit code. */
  exited: Promise<number>;
}

export interface ClusterAdmin {
  client: ActorClient;
  view(): Promise<ClusterView>;
  /** Waits until `instances` engines are members and every partition is held by the owner
   * rendezvous hashing gives it among them (no hand-over still to come). */
  settled(instances: number, timeoutMs: number, what: string): Promise<ClusterView>;
  close(): Promise<void>;
}

const quiet = createLogger({ test: "cluster-admin" }, "error");

export interface TestCluster {
  nats: NatsServer;
  nodes: NodeProcess[];
  databaseUrl: string;
  start(role: "engine" | "edge", id: string, env?: Record<string, string>): Promise<NodeProcess>;
  wsUrl(edge: NodeProcess, roomId: string): string;
  /** A guest token (edges with accounts verify registered users' sessions in the DB). */
  mintToken(sub: string, name: string): Promise<string>;
  /** A room id whose partition `owner` holds now (from a cluster view). */
  roomOwnedBy(view: ClusterView, owner: string, prefix: string): string;
  /** Cluster view, actor requests and the like straight over NATS (as an admin tool would). */
  admin(): Promise<ClusterAdmin>;
  close(): Promise<void>;
}

const MAIN = new URL("../../edge/main.ts", import.meta.url).pathname;

/**
 * Start a node; a start that hangs (seen on a loaded machine while other processes hold
 * Deno's cache locks) is killed and tried again.
 */
export async function spawnNode(
  role: "engine" | "edge" | "all",
  id: string,
  env: Record<string, string>,
): Promise<NodeProcess> {
  for (let attempt = 1;; attempt++) {
    try {
      return await spawnOnce(role, id, env, attempt < 3 ? 25_000 : 60_000);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof StartTimeout)) throw err;
      console.error(`${id}: start attempt ${attempt} hung; retrying`);
    }
  }
}

class StartTimeout extends Error {}

async function spawnOnce(
  role: "engine" | "edge" | "all",
  id: string,
  env: Record<string, string>,
  startTimeoutMs: number,
): Promise<NodeProcess> {
  const dataDir = await Deno.makeTempDir({ prefix: `synapse-${id}-` });
  const child = new Deno.Command(Deno.execPath(), {
    // An edge starts as the README's command starts it (tests/helpers/deploy_flags.ts).
    args: ["run", "-A", ...(role === "edge" ? EDGE_DENO_ARGS : []), MAIN, "--role", role],
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      INSTANCE_ID: id,
      LOG_LEVEL: "info",
      AUTH_SECRET: CLUSTER_AUTH_SECRET,
      PARTITIONS: String(CLUSTER_PARTITIONS),
      LEASE_TTL_MS: String(CLUSTER_LEASE_TTL_MS),
      ...(role === "edge" ? { DENO_V8_FLAGS: EDGE_V8_FLAGS } : {}),
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const listening = Promise.withResolvers<string>();
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    let pending = "";
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      output += text;
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.includes("listening")) continue;
        try {
          const entry = JSON.parse(line);
          if (entry.msg === "listening" || entry.msg === "engine listening") {
            listening.resolve(entry.url);
          }
        } catch { /* not a log line */ }
      }
    }
  };
  const streams = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const exited = child.status.then(async (s) => {
    listening.reject(new Error(`${id} exited early (${s.code}):\n${output.slice(-4000)}`));
    await streams;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    return s.code;
  });
  const timer = setTimeout(
    () => listening.reject(new StartTimeout(`${id} did not start:\n${output.slice(-4000)}`)),
    startTimeoutMs,
  );
  const signal = (sig: Deno.Signal) => {
    try {
      child.kill(sig);
    } catch { /* already gone */ }
  };
  try {
    const url = await listening.promise;
    return {
      id,
      role,
      url,
      pid: child.pid,
      output: () => output,
      signal,
      exited,
      async stop(sig: Deno.Signal = "SIGTERM") {
        signal(sig);
        return await exited;
      },
    };
  } catch (err) {
    signal("SIGKILL");
    await exited;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

export async function startTestCluster(opts: { leaseTtlMs?: number } = {}): Promise<TestCluster> {
  const ttlMs = opts.leaseTtlMs ?? CLUSTER_LEASE_TTL_MS;
  const nats = await startNatsServer();
  const db = await createScratchDatabase("synapse_cluster");
  const tokens = await Hs256Tokens.create(CLUSTER_AUTH_SECRET);
  const nodes: NodeProcess[] = [];
  const admins: ClusterAdmin[] = [];
  return {
    nats,
    nodes,
    databaseUrl: db.url,
    async start(role, id, env = {}) {
      const node = await spawnNode(role, id, {
        NATS_URL: nats.url,
        DATABASE_URL: db.url,
        LEASE_TTL_MS: String(ttlMs),
        ...env,
      });
      nodes.push(node);
      return node;
    },
    wsUrl: (edge, roomId) => `${edge.url.replace(/^http/, "ws")}/ws/rooms/${roomId}`,
    mintToken: (sub, name) => tokens.sign({ sub, name, kind: "guest", roles: [] }, 3600),
    roomOwnedBy(view, owner, prefix) {
      for (let i = 0; i < 10_000; i++) {
        const id = `${prefix}${i}`;
        if (view.partitionTable[partitionOf(id, CLUSTER_PARTITIONS)].owner === owner) return id;
      }
      throw new Error(`no room found for ${owner}`);
    },
    async admin() {
      const transport = await NatsTransport.connect({
        servers: nats.url,
        name: "test-admin",
        log: quiet,
      });
      const membership = await Membership.open(transport.nc, { ttlMs });
      const leases = await LeaseTable.open(transport.nc, { ttlMs });
      const a: ClusterAdmin = {
        client: new ActorClient(transport, {
          partitions: CLUSTER_PARTITIONS,
          timeoutMs: 2_000,
          retries: 3,
        }),
        view: () => clusterView(transport, membership, leases, CLUSTER_PARTITIONS),
        async settled(instances, timeoutMs, what) {
          let view = await a.view();
          await until(
            async () => {
              view = await a.view();
              const ids = view.instances.map((i) => i.id);
              return view.unowned.length === 0 && ids.length === instances &&
                view.partitionTable.every((p) => p.owner === rendezvousOwner(p.partition, ids));
            },
            timeoutMs,
            what,
          );
          return view;
        },
        close: () => transport.close(),
      };
      admins.push(a);
      return a;
    },
    async close() {
      // CLUSTER_TEST_LOGS=<dir> keeps every process's log lines (for debugging a failure).
      const logDir = Deno.env.get("CLUSTER_TEST_LOGS");
      if (logDir) {
        await Deno.mkdir(logDir, { recursive: true });
        for (const n of nodes) await Deno.writeTextFile(`${logDir}/${n.id}.log`, n.output());
      }
      await Promise.all(admins.map((a) => a.close().catch(() => {})));
      for (const n of nodes) n.signal("SIGCONT");
      await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
      await nats.dispose();
      await db.drop();
    },
  };
}

/** Wait until `cond()` (sync or async) holds, polling; throws `what` on timeout. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
