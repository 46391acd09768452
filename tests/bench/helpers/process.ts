/**
 * Child processes for the benchmarks: servers under test and the load generator, each
 * started through `sh -c "ulimit -n 65536; exec ..."` (or the hard limit, if lower) so
 * thousands of sockets fit, and
 * with `exec` so the pid we hold is the server itself (its /proc entry is what we measure).
 */

const FD_LIMIT = 65536;
const RAISE_FD_LIMIT = `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;

/** Keeps the last lines of a stream, for error messages when a child dies. */
class Tail {
  #lines: string[] = [];
  constructor(readonly limit = 40) {}
  push(text: string): void {
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      this.#lines.push(line);
      if (this.#lines.length > this.limit) this.#lines.shift();
    }
  }
  toString(): string {
    return this.#lines.join("\n");
  }
}

export interface SpawnOptions {
  cmd: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Pipe stdin/stdout for a line protocol (the load generator); otherwise stdout is dropped. */
  lineProtocol?: boolean;
}

export class BenchProcess {
  readonly child: Deno.ChildProcess;
  readonly stderr = new Tail();
  readonly #lines: string[] = [];
  #waiters: (() => void)[] = [];
  #stdoutDone = false;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;

  constructor(readonly options: SpawnOptions) {
    const [program, ...args] = options.cmd;
    this.child = new Deno.Command("sh", {
      // Raise the open-files limit as far as allowed (the hard limit may be below FD_LIMIT).
      args: ["-c", RAISE_FD_LIMIT, "sh", program, ...args],
      env: options.env,
      cwd: options.cwd,
      stdin: options.lineProtocol ? "piped" : "null",
      stdout: options.lineProtocol ? "piped" : "null",
      stderr: "piped",
    }).spawn();
    this.#drain(this.child.stderr, (text) => this.stderr.push(text));
    if (options.lineProtocol) {
      this.#writer = this.child.stdin.getWriter();
      let buffered = "";
      this.#drain(this.child.stdout, (text) => {
        buffered += text;
        let i: number;
        while ((i = buffered.indexOf("\n")) >= 0) {
          this.#lines.push(buffered.slice(0, i));
          buffered = buffered.slice(i + 1);
        }
        this.#wake();
      }).finally(() => {
        this.#stdoutDone = true;
        this.#wake();
      });
    }
  }

  get pid(): number {
    return this.child.pid;
  }

  async #drain(stream: ReadableStream<Uint8Array>, onText: (t: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) onText(decoder.decode(chunk, { stream: true }));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Sends one JSON command line and waits for the next JSON reply line. */
  async request<T>(command: unknown, timeoutMs: number): Promise<T> {
    if (!this.#writer) throw new Error("not a line-protocol process");
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(command) + "\n"));
    const deadline = Date.now() + timeoutMs;
    while (this.#lines.length === 0) {
      if (this.#stdoutDone) throw new Error(`process exited; stderr:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply to ${JSON.stringify(command)} in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    const line = this.#lines.shift()!;
    const value = JSON.parse(line) as { ok?: string; error?: string };
    if (value.ok === "error") throw new Error(`child error: ${value.error}`);
    return value as T;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    try {
      this.#writer?.close().catch(() => {});
      this.child.kill("SIGTERM");
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }, graceMs);
    await this.child.status;
    clearTimeout(timer);
  }
}

/** A free TCP port on the loopback interface (closed again before it is returned). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Polls `url` until it answers below 500 or the process exits; throws after `timeoutMs`. */
export async function waitForHttp(url: string, proc: BenchProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  proc.child.status.then(() => exited = true);
  while (Date.now() < deadline) {
    if (exited) throw new Error(`server exited before ready; stderr:\n${proc.stderr}`);
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready in ${timeoutMs} ms; stderr:\n${proc.stderr}`);
}
