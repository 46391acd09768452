/**
 * The `LivePlatform` interface every bridge adapter implements (Bilibili, a comment relay),
 * and the two pieces they share: the health record and the reconnect loop with backoff.
 */
import { jitteredDelay } from "../../engine/resilience/backoff.ts";
import type { BridgeEvent } from "./events.ts";

export interface PlatformHealth {
  platform: string;
  connected: boolean;
  /** Epoch ms of the last event or packet from the platform; `null` before the first. */
  lastEventAt: number | null;
  /** Successful connections after the first. */
  reconnects: number;
  /** Failed attempts and sessions that ended in an error. */
  errors: number;
  /** The last error's message (never a secret: adapters log no cookie or token). */
  lastError: string | null;
  events: number;
  /** Platform messages we do not map (counted, ignored). */
  unknown: number;
  /** Packets or messages that were truncated, lied about their size or failed to parse. */
  malformed: number;
}

export interface LivePlatform {
  readonly platform: string;
  /** Starts connecting in the background and keeps reconnecting until `disconnect`. */
  connect(onEvent: (event: BridgeEvent) => void): void;
  health(): PlatformHealth;
  /** Closes the connection and stops reconnecting; resolves once the session ended. */
  disconnect(): Promise<void>;
}

/** The mutable health record an adapter updates as it goes. */
export class HealthTracker {
  #connects = 0;
  readonly state: PlatformHealth;

  constructor(platform: string) {
    this.state = {
      platform,
      connected: false,
      lastEventAt: null,
      reconnects: 0,
      errors: 0,
      lastError: null,
      events: 0,
      unknown: 0,
      malformed: 0,
    };
  }

  connected(): void {
    this.state.connected = true;
    if (this.#connects++ > 0) this.state.reconnects++;
  }

  disconnected(error?: unknown): void {
    this.state.connected = false;
    if (error !== undefined) this.error(error);
  }

  error(error: unknown): void {
    this.state.errors++;
    this.state.lastError = error instanceof Error ? error.message : String(error);
  }

  heard(now = Date.now()): void {
    this.state.lastEventAt = now;
  }

  snapshot(): PlatformHealth {
    return { ...this.state };
  }
}

export interface ReconnectOptions {
  /** First retry delay bound (default 500 ms); doubles per failed attempt. */
  baseMs?: number;
  /** Upper bound of a retry delay (default 30 s). */
  maxMs?: number;
}

/**
 * Runs `session` again and again until stopped. A session resolves or throws when its
 * connection ends; it calls `opened` once connected, which resets the backoff.
 */
export class ReconnectLoop {
  #abort = new AbortController();
  #done: Promise<void> | null = null;

  constructor(
    private readonly session: (signal: AbortSignal, opened: () => void) => Promise<void>,
    private readonly health: HealthTracker,
    private readonly opts: ReconnectOptions = {},
  ) {}

  start(): void {
    if (this.#done) return;
    this.#done = this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let attempt = 0;
    while (!signal.aborted) {
      let opened = false;
      try {
        await this.session(signal, () => {
          opened = true;
          attempt = 0;
          this.health.connected();
        });
        this.health.disconnected();
      } catch (e) {
        this.health.disconnected(signal.aborted ? undefined : e);
      }
      if (signal.aborted) return;
      if (!opened) attempt++;
      const delay = jitteredDelay(attempt, this.opts.baseMs ?? 500, this.opts.maxMs ?? 30_000);
      await abortableSleep(delay, signal);
    }
  }
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}
