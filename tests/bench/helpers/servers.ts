/**
 * The servers a fan-out benchmark can drive. A `ServerUnderTest` starts its process(es) and
 * says where clients connect and which pids to measure (CPU and RSS are summed over them, so
 * a multi-process deployment such as 2 edges + 2 engines fits the same interface).
 */
import { fileURLToPath } from "node:url";
import { BenchProcess, freePort, waitForHttp } from "./process.ts";
import type { TargetKind } from "./targets.ts";
import { SERVER_V8_FLAGS } from "../../helpers/deploy_flags.ts";

/** The project root (tests/bench/helpers/ → ../../..). */
export const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface RunningServer {
  /** http://127.0.0.1:port that clients connect to. */
  url: string;
  /** Processes whose CPU and memory count as "the server". */
  pids: number[];
  /** Their V8 inspector ports (same order), for forced GC and heap readings. */
  inspectPorts: number[];
  /** A server without a V8 inspector that can still be asked for a full collection (Go's
   * runtime through pprof): memory readings "after GC" use it. */
  collectGarbage?(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  inspect?: boolean;
}

export interface ServerUnderTest {
  /** Name in reports, e.g. "synapse", "bare-deno-ws", "socket.io". */
  name: string;
  /** Which client protocol the load generator speaks to it. */
  client: TargetKind;
  /**
   * `inspect` starts it with `--inspect` for forced-GC memory readings. Never measure CPU
   * that way: with the inspector on, Deno reports every WebSocket frame of a program using
   * node: modules to its network inspector (Synapse's CPU per delivery grew ~55% here).
   */
  start(options?: StartOptions): Promise<RunningServer>;
}

/** A bounded wait for start-up; a machine loaded by other jobs took over 30 s here. */
const READY_TIMEOUT_MS = 120_000;

/** `--inspect` for a server command: after `deno run`, or first for node. */
function withInspector(cmd: string[], port: number): string[] {
  const flag = `--inspect=127.0.0.1:${port}`;
  return cmd[1] === "run"
    ? [cmd[0], "run", flag, ...cmd.slice(2)]
    : [cmd[0], flag, ...cmd.slice(1)];
}

async function startOne(
  cmd: string[],
  env: Record<string, string>,
  readyPath: string,
  options: StartOptions | undefined,
  cleanup?: () => Promise<void>,
  cwd = PROJECT_ROOT,
): Promise<RunningServer> {
  const inspect = options?.inspect ?? false;
  const port = freePort();
  const inspectPort = freePort();
  const proc = new BenchProcess({
    cmd: inspect ? withInspector(cmd, inspectPort) : cmd,
    env: { ...env, PORT: String(port) },
    cwd,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(url + readyPath, proc, READY_TIMEOUT_MS);
  } catch (e) {
    await proc.stop();
    await cleanup?.();
    throw e;
  }
  return {
    url,
    pids: [proc.pid],
    inspectPorts: inspect ? [inspectPort] : [],
    stop: async () => {
      await proc.stop();
      await cleanup?.();
    },
  };
}

export interface SynapseVariant {
  /** Name in reports (default "synapse"). */
  name?: string;
  /** Another checkout to run (a baseline tree: `git worktree add <dir> <commit>` and
   * `deno install` there), side by side with this one in the same run. */
  root?: string;
  /** More `deno run` flags, e.g. `--v8-flags=--prof,...` for a CPU profile. */
  denoFlags?: string[];
}

/**
 * Synapse in embedded mode (`edge/main.ts --role all`) on a fresh temp DATA_DIR, logging
 * warnings only (as in production). `env` adds or overrides variables (e.g. room limits).
 */
export function synapseServer(
  env: Record<string, string> = {},
  variant: SynapseVariant = {},
): ServerUnderTest {
  return {
    name: variant.name ?? "synapse",
    client: "synapse",
    start: async (options) => {
      const dataDir = await Deno.makeTempDir({ prefix: "synapse-bench-" });
      return startOne(
        [
          Deno.execPath(),
          "run",
          "-A",
          ...(variant.denoFlags ?? []),
          "edge/main.ts",
          "--role",
          "all",
        ],
        {
          DATA_DIR: dataDir,
          LOG_LEVEL: "warn",
          AUTH_SECRET: crypto.randomUUID() + crypto.randomUUID(),
          // Every load-generator client comes from 127.0.0.1: lift the per-IP limits.
          EDGE_WS_PER_IP: "0",
          EDGE_GUEST_BURST: "0",
          // Chat only: no media servers as children competing for the cores.
          MEDIA: "external",
          DENO_V8_FLAGS: SERVER_V8_FLAGS, // as the README starts a server
          ...env,
        },
        "/healthz",
        options,
        () => Deno.remove(dataDir, { recursive: true }).catch(() => {}),
        variant.root ?? PROJECT_ROOT,
      );
    },
  };
}

/** Baseline: a bare Deno WebSocket broadcast server, one frame per message. */
export function bareServer(): ServerUnderTest {
  return {
    name: "bare-deno-ws",
    client: "bare",
    start: (options) =>
      startOne(
        [Deno.execPath(), "run", "-A", "tests/bench/helpers/bare_server.ts"],
        {},
        "/",
        options,
      ),
  };
}

/** Where the bench's Centrifugo binary is built (once, pinned: build-go-tools.sh). */
async function centrifugoBinary(): Promise<string> {
  const out = await new Deno.Command("bash", {
    args: [`${PROJECT_ROOT}tests/services/build-go-tools.sh`, "centrifugo"],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const path = new TextDecoder().decode(out.stdout).trim().split("\n").pop();
  if (!out.success || !path) throw new Error("building centrifugo failed (build-go-tools.sh)");
  return path;
}

/**
 * Peer: Centrifugo v6 configured for a chat room as its docs recommend — a `chat`
 * namespace whose subscribers may publish (client-side publish), no history, no presence,
 * anonymous connections (the bench's guests). Channel `chat:<room>`. The debug endpoints
 * (Go pprof) are on so the memory pass can force a collection (`heap?gc=1`).
 */
export function centrifugoServer(): ServerUnderTest {
  return {
    name: "centrifugo",
    client: "centrifugo",
    start: async () => {
      const binary = await centrifugoBinary();
      const dir = await Deno.makeTempDir({ prefix: "centrifugo-bench-" });
      const port = freePort();
      const config = {
        http_server: { address: "127.0.0.1", port },
        log: { level: "error" },
        health: { enabled: true },
        debug: { enabled: true },
        client: { allow_anonymous_connect_without_token: true, allowed_origins: ["*"] },
        channel: {
          namespaces: [{
            name: "chat",
            allow_subscribe_for_client: true,
            allow_subscribe_for_anonymous: true,
            allow_publish_for_subscriber: true,
            allow_publish_for_anonymous: true,
          }],
        },
      };
      await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
      const proc = new BenchProcess({
        cmd: [binary, "--config", `${dir}/config.json`],
        cwd: dir,
      });
      const url = `http://127.0.0.1:${port}`;
      const cleanup = () => Deno.remove(dir, { recursive: true }).catch(() => {});
      try {
        await waitForHttp(`${url}/health`, proc, READY_TIMEOUT_MS);
      } catch (e) {
        await proc.stop();
        await cleanup();
        throw e;
      }
      return {
        url,
        pids: [proc.pid],
        inspectPorts: [],
        collectGarbage: async () => {
          const res = await fetch(`${url}/debug/pprof/heap?gc=1`);
          await res.body?.cancel();
        },
        stop: async () => {
          await proc.stop();
          await cleanup();
        },
      };
    },
  };
}

/** Node, if installed: socket.io's home runtime. Deno runs the same file otherwise. */
async function nodeBinary(): Promise<string | undefined> {
  for (const candidate of ["/usr/bin/node", "/usr/local/bin/node"]) {
    try {
      if ((await Deno.stat(candidate)).isFile) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Node resolves socket.io from the project's node_modules, which Deno fills from deno.json
 * (`nodeModulesDir: auto`); in a fresh clone that may not have happened yet. */
async function ensureSocketIoInstalled(): Promise<void> {
  try {
    await Deno.stat(`${PROJECT_ROOT}node_modules/socket.io/package.json`);
  } catch {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["install"],
      cwd: PROJECT_ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`deno install failed: ${new TextDecoder().decode(out.stderr)}`);
    }
  }
}

/** Peer: socket.io broadcasting to one room, under Node when available. */
export function socketIoServer(): ServerUnderTest {
  return {
    name: "socket.io",
    client: "socketio",
    start: async (options) => {
      const script = "tests/bench/helpers/socketio_server.mjs";
      const node = await nodeBinary();
      if (node) await ensureSocketIoInstalled();
      const cmd = node ? [node, script] : [Deno.execPath(), "run", "-A", script];
      return startOne(cmd, {}, "/", options);
    },
  };
}

/** The runtime label of a server for reports (which binary ran it). */
export async function socketIoRuntime(): Promise<string> {
  const node = await nodeBinary();
  if (!node) return `deno ${Deno.version.deno}`;
  const out = await new Deno.Command(node, { args: ["--version"], stdout: "piped" }).output();
  return `node ${new TextDecoder().decode(out.stdout).trim()}`;
}
