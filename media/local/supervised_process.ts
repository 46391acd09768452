/**
 * A child process kept running: started, probed until ready, restarted with exponential
 * backoff when it exits (250 ms doubling to 10 s; back to 250 ms after a minute up), stopped
 * with SIGTERM then SIGKILL. The last lines it printed are kept for the log of a crash.
 * Each run is on a leash (child_leash.ts): its own process group, killed by the kernel when
 * this process dies, its group id in `pidFile` while it runs (a leftover is reaped on start).
 *
 *   const p = new SupervisedProcess({ name: "livekit-server", cmd, args, ready, log });
 *   p.start(); await p.waitUp(30_000); …; await p.stop();
 */
import type { Logger } from "../../engine/log.ts";
import { leashed, reapStale, signalChild } from "./child_leash.ts";
import { keepLastLines } from "./output_tail.ts";

export type PieceState = "starting" | "up" | "restarting" | "stopped";

export interface SupervisedProcessOptions {
  name: string;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** True once the process serves (an HTTP probe, a TCP connect). */
  ready: () => Promise<boolean>;
  log: Logger;
  /** Called each time the process becomes ready; `restarted` after a crash. */
  onUp?: (restarted: boolean) => void;
  /** Called when a running process exits unexpectedly. */
  onDown?: () => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Where the running child's process group id is kept (what a next start reaps). */
  pidFile?: string;
}

const TAIL_LINES = 40;

export class SupervisedProcess {
  #state: PieceState = "stopped";
  #child?: Deno.ChildProcess;
  #grouped = false;
  #stopping = false;
  #restarts = 0;
  #tail: string[] = [];
  #loop?: Promise<void>;
  #upWaiters: (() => void)[] = [];
  #wake?: () => void;

  constructor(private readonly opts: SupervisedProcessOptions) {}

  get name(): string {
    return this.opts.name;
  }

  get state(): PieceState {
    return this.#state;
  }

  /** How many times the process was started again after it exited. */
  get restarts(): number {
    return this.#restarts;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The last lines the process printed. */
  output(): string {
    return this.#tail.join("\n");
  }

  start(): void {
    if (this.#loop) return;
    const { pidFile, cmd } = this.opts;
    if (pidFile) {
      const reaped = reapStale(pidFile, [cmd.slice(cmd.lastIndexOf("/") + 1)]);
      if (reaped.length > 0) {
        this.opts.log.warn("media: killed what a previous run left behind", {
          piece: this.name,
          pids: reaped.join(","),
        });
      }
    }
    this.#stopping = false;
    this.#loop = this.#run();
  }

  /** Resolves when the process is ready; rejects after `timeoutMs`. */
  waitUp(timeoutMs: number): Promise<void> {
    if (this.#state === "up") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#upWaiters = this.#upWaiters.filter((w) => w !== done);
        reject(new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.output()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#upWaiters.push(done);
    });
  }

  async #run(): Promise<void> {
    let backoff = this.opts.minBackoffMs ?? 250;
    let first = true;
    while (!this.#stopping) {
      this.#state = first ? "starting" : "restarting";
      const startedAt = Date.now();
      let child: Deno.ChildProcess;
      const run = leashed(this.opts.cmd, this.opts.args);
      try {
        child = new Deno.Command(run.cmd, {
          args: run.args,
          env: this.opts.env,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
      } catch (err) {
        this.opts.log.error("media process could not be started", {
          piece: this.name,
          error: err as Error,
        });
        await this.#sleep(backoff);
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs ?? 10_000);
        continue;
      }
      this.#child = child;
      this.#grouped = run.grouped;
      if (this.opts.pidFile) Deno.writeTextFileSync(this.opts.pidFile, `${child.pid}\n`);
      const drained = Promise.all([
        keepLastLines(child.stdout, this.#tail, TAIL_LINES),
        keepLastLines(child.stderr, this.#tail, TAIL_LINES),
      ]);
      let exited = false;
      const status = child.status.then((s) => (exited = true, s));
      const restarted = !first;
      void this.#probe(() => exited, restarted);
      const s = await status;
      await drained.catch(() => {});
      this.#child = undefined;
      // What the child started in its group (the ingress's per-stream processes) goes too.
      if (run.grouped) signalChild(child, true, "SIGKILL");
      if (this.opts.pidFile) {
        try {
          Deno.removeSync(this.opts.pidFile);
        } catch { /* removed with its folder */ }
      }
      if (this.#stopping) break;
      this.opts.log.warn("media process exited; restarting", {
        piece: this.name,
        code: s.code,
        signal: s.signal,
        backoffMs: backoff,
        output: this.#tail.slice(-8).join("\n"),
      });
      if ((this.#state as PieceState) === "up") this.opts.onDown?.();
      this.#state = "restarting";
      if (Date.now() - startedAt > 60_000) backoff = this.opts.minBackoffMs ?? 250;
      await this.#sleep(backoff);
      backoff = Math.min(backoff * 2, this.opts.maxBackoffMs ?? 10_000);
      first = false;
      this.#restarts++;
    }
    this.#state = "stopped";
  }

  async #probe(exited: () => boolean, restarted: boolean): Promise<void> {
    while (!exited() && !this.#stopping) {
      if (await this.opts.ready().catch(() => false)) {
        if (exited() || this.#stopping) return;
        this.#state = "up";
        this.opts.log.info(restarted ? "media process restarted" : "media process up", {
          piece: this.name,
        });
        for (const w of this.#upWaiters.splice(0)) w();
        this.opts.onUp?.(restarted);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => (clearTimeout(timer), resolve());
    });
  }

  /** Stop for good: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    const child = this.#child;
    if (child) {
      const grouped = this.#grouped;
      signalChild(child, grouped, "SIGTERM");
      const timer = setTimeout(() => signalChild(child, grouped, "SIGKILL"), graceMs);
      await child.status.catch(() => {});
      clearTimeout(timer);
    }
    await this.#loop;
    this.#loop = undefined;
  }
}
