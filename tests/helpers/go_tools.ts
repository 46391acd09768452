/**
 * Shared plumbing for the media test helpers: build a Go server once (through
 * tests/services/build-go-tools.sh, into a tools folder outside the clone), pick free
 * loopback ports, run a child process whose output is kept for failure messages, and
 * wait until it answers.
 */

import { keepLastLines } from "../../media/local/output_tail.ts";
const SCRIPT = new URL("../services/build-go-tools.sh", import.meta.url).pathname;

/** Path of the built binary of `tool`, building it first when missing (minutes, once). */
export async function ensureGoTool(
  tool: "livekit" | "minio" | "mailpit" | "promtool" | "kubeconform",
): Promise<string> {
  const out = await new Deno.Command("bash", {
    args: [SCRIPT, tool],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(
      `building ${tool} failed:\n${new TextDecoder().decode(out.stderr).slice(-4000)}`,
    );
  }
  return text.split("\n").at(-1)!;
}

// Free loopback ports: the same helpers the embedded media servers use.
export { freeTcpPort, freeUdpPort } from "../../media/local/ports.ts";

/**
 * Runs `start`, which picks free ports and starts a server on them, again on new ports when
 * the server could not bind one ("address already in use"): a port is free when picked, and
 * another process (a parallel test run, an outgoing connection's ephemeral port) may take it
 * before the server binds it. Any other failure, or the third, is thrown.
 */
export async function onFreePorts<T>(start: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await start();
    } catch (err) {
      const taken = err instanceof Error && /already in use/i.test(err.message);
      if (!taken || attempt >= tries) throw err;
    }
  }
}

/** A child process whose last output lines are kept for error messages. */
export class ServiceProcess {
  readonly #child: Deno.ChildProcess;
  readonly #tail: string[] = [];
  readonly #drained: Promise<void>;
  #exited = false;
  readonly status: Promise<Deno.CommandStatus>;

  constructor(
    readonly name: string,
    cmd: string,
    args: string[],
    env: Record<string, string> = {},
  ) {
    this.#child = new Deno.Command(cmd, {
      args,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    })
      .spawn();
    this.status = this.#child.status.then((s) => {
      this.#exited = true;
      return s;
    });
    this.#drained = Promise.all([
      keepLastLines(this.#child.stdout, this.#tail, 200),
      keepLastLines(this.#child.stderr, this.#tail, 200),
    ])
      .then(() => {});
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** The process id (for CPU readings in benchmarks). */
  get pid(): number {
    return this.#child.pid;
  }

  /** The last lines the process printed. */
  output(): string {
    return this.#tail.join("\n");
  }

  /** Poll `ready` until it is true; fails early when the process exits. */
  async waitUntil(ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#exited) throw new Error(`${this.name} exited while starting:\n${this.output()}`);
      if (await ready().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.output()}`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process and its pipes are done. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.#exited) {
      try {
        this.#child.kill("SIGTERM");
      } catch { /* already gone */ }
      const timer = setTimeout(() => {
        try {
          this.#child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, graceMs);
      await this.status;
      clearTimeout(timer);
    }
    await this.#drained;
  }
}

/** True when `url` answers with a 2xx status (the body is consumed). */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url);
  await res.body?.cancel();
  return res.ok;
}
