/**
 * Starts the whole Synapse Live server for a test: in-process (`startTestServer`, with the
 * real embedded engine, room actors and edge) or as a subprocess of `edge/main.ts`
 * (`startServerProcess`). Both listen on an ephemeral port with a temporary DATA_DIR that
 * is removed on close.
 */
import { parseConfig } from "../../edge/wiring/config.ts";
import type { RoomActorOptions } from "../../actors/room/room_actor.ts";
import type { EdgeLimits } from "../../edge/limits.ts";
import { type RunningServer, startServer } from "../../edge/wiring/process.ts";
import type { StartServerOptions } from "../../edge/wiring/options.ts";
import { Hs256Tokens } from "../../edge/auth/tokens.ts";
import { SERVER_V8_FLAGS } from "./deploy_flags.ts";

/** Shared by test servers so tests can mint tokens (e.g. a platform admin's). */
export const TEST_AUTH_SECRET = "test-secret-of-synapse-live-edge-0123456789";

export interface TestServer {
  url: string;
  server: RunningServer;
  dataDir: string;
  /** `ws://…/ws/rooms/{roomId}` */
  wsUrl(roomId: string): string;
  /** A guest session through the public endpoint. */
  guest(nickname?: string): Promise<{ token: string; identity: { userId: string; name: string } }>;
  /** A token signed with the server's secret (any identity, e.g. roles `["admin"]`). */
  mintToken(
    claims: { sub: string; name: string; kind?: "guest" | "user"; roles?: string[] },
    ttlSeconds?: number,
  ): Promise<string>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Registered accounts and economy on PGlite (slow to start: off unless a test needs it). */
  accounts?: boolean;
  limits?: Partial<EdgeLimits>;
  roomOptions?: Partial<RoomActorOptions>;
  env?: Record<string, string>;
  /** URL recordings resolve with this (a loopback test stream: see StartServerOptions). */
  urlResolver?: StartServerOptions["urlResolver"];
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = await Deno.makeTempDir({ prefix: "synapse-edge-" });
  const config = parseConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    AUTH_SECRET: TEST_AUTH_SECRET,
    LOG_LEVEL: "error",
    ROOM_TICK_MS: "20",
    // Media servers stay off unless a test configures them (or asks for MEDIA=auto).
    MEDIA: "external",
    // Tests count every danmaku they send; the display budget's own tests turn it on.
    EDGE_DISPLAY_BUDGET: "0",
    ...opts.env,
  });
  let server: RunningServer;
  try {
    server = await startServer(config, {
      limits: opts.limits,
      roomOptions: opts.roomOptions,
      accounts: opts.accounts ?? false,
      urlResolver: opts.urlResolver,
    });
  } catch (err) {
    await Deno.remove(dataDir, { recursive: true });
    throw err;
  }
  const tokens = await Hs256Tokens.create(config.AUTH_SECRET ?? TEST_AUTH_SECRET);
  const wsBase = server.url.replace(/^http/, "ws");
  return {
    url: server.url,
    server,
    dataDir,
    wsUrl: (roomId) => `${wsBase}/ws/rooms/${roomId}`,
    async guest(nickname) {
      const res = await fetch(`${server.url}/api/session/guest`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(nickname ? { nickname } : {}),
      });
      if (res.status !== 201) throw new Error(`guest session failed: ${await res.text()}`);
      return await res.json();
    },
    mintToken: (c, ttl = 3600) =>
      tokens.sign({ sub: c.sub, name: c.name, kind: c.kind ?? "user", roles: c.roles ?? [] }, ttl),
    async close() {
      await server.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}

export interface ServerProcess {
  url: string;
  dataDir: string;
  /** Send a signal and wait for the exit; returns the exit code and all output. */
  stop(signal?: Deno.Signal): Promise<{ code: number; output: string }>;
}

/** `deno run -A edge/main.ts --role all …` on port 0; resolves once it logs `listening`. */
export async function startServerProcess(
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const dataDir = await Deno.makeTempDir({ prefix: "synapse-edge-proc-" });
  const main = new URL("../../edge/main.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "--role", "all", ...args],
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      MEDIA: "external",
      DENO_V8_FLAGS: SERVER_V8_FLAGS, // as the README starts a server
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const collect = async (stream: ReadableStream<Uint8Array>, onLine?: (l: string) => void) => {
    let pending = "";
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      output += text;
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const l of lines) onLine?.(l);
    }
  };
  const listening = Promise.withResolvers<string>();
  const streams = Promise.all([
    collect(child.stdout, (line) => {
      try {
        const entry = JSON.parse(line);
        if (entry.msg === "listening") listening.resolve(entry.url);
      } catch { /* not a log line */ }
    }),
    collect(child.stderr),
  ]);
  const exited = child.status.then((s) => {
    listening.reject(new Error(`server exited early (${s.code}):\n${output}`));
    return s;
  });
  const timer = setTimeout(() => listening.reject(new Error("server did not start")), 120_000);
  let url: string;
  try {
    url = await listening.promise;
  } catch (err) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await exited;
    await streams;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    url,
    dataDir,
    async stop(signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      const status = await exited;
      await streams;
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      return { code: status.code, output };
    },
  };
}
