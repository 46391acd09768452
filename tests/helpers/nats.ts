/**
 * NATS for tests. `systemNatsUrl()` returns the machine's shared nats-server
 * (127.0.0.1:4222, JetStream on), starting a private one if it is not running.
 * `startNatsServer()` runs a private `nats-server -js` on a free port with a temp store
 * dir, for tests that stop, restart or need an isolated JetStream (buckets of their own).
 */

const SYSTEM_URL = "nats://127.0.0.1:4222";

async function canConnect(port: number, hostname = "127.0.0.1"): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname, port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Free TCP port on 127.0.0.1 (bound, then released). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function ensureBinary(): Promise<void> {
  try {
    const out = await new Deno.Command("nats-server", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    if (out.success) return;
  } catch {
    // not installed
  }
  const install = await new Deno.Command("sh", {
    args: [
      "-c",
      "apt-get install -y nats-server || (apt-get update && apt-get install -y nats-server)",
    ],
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!install.success) throw new Error("nats-server is not installed and apt-get failed");
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** OS process id of the running server (undefined while stopped). */
  pid(): number | undefined;
  /** Graceful stop (SIGTERM) and wait. */
  stop(): Promise<void>;
  /** Start again on the same port and store (after `stop`). */
  start(): Promise<void>;
  /** Stop and delete the store dir. */
  dispose(): Promise<void>;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
}

/** A private nats-server with JetStream on a free port and a temp store directory. */
export async function startNatsServer(): Promise<NatsServer> {
  await ensureBinary();
  const port = freePort();
  const storeDir = await Deno.makeTempDir({ prefix: "nats-js-" });
  let child: Deno.ChildProcess | undefined;
  const start = async () => {
    child = new Deno.Command("nats-server", {
      args: ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitForPort(port, 10_000);
  };
  const stop = async () => {
    if (!child) return;
    const c = child;
    child = undefined;
    try {
      c.kill("SIGTERM");
    } catch {
      // already gone
    }
    await c.status;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    pid: () => child?.pid,
    start,
    stop,
    dispose: async () => {
      await stop();
      await Deno.remove(storeDir, { recursive: true }).catch(() => {});
    },
  };
}

let fallback: Promise<NatsServer> | undefined;

/** URL of the shared nats-server; starts a private one for this process if none runs. */
export async function systemNatsUrl(): Promise<string> {
  if (await canConnect(4222)) return SYSTEM_URL;
  fallback ??= startNatsServer();
  return (await fallback).url;
}

/** A prefix unique to this test run, to keep subjects/buckets apart on a shared server. */
export function uniquePrefix(name: string): string {
  return `${name}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}
