/**
 * A comment relay as a `LivePlatform`: for platforms whose chat only a relay can read (the
 * Douyin document's relay), a configured URL emits one JSON comment per Server-Sent Event
 * (`http(s)://`) or per WebSocket text frame (`ws(s)://`); the declared mapping turns each
 * into a bridge event. A bad message is counted and skipped; the connection carries on.
 */
import type { BridgeEvent } from "../events.ts";
import {
  HealthTracker,
  type LivePlatform,
  type PlatformHealth,
  ReconnectLoop,
  type ReconnectOptions,
} from "../live_platform.ts";
import { mapRelayed, type RelayMapping } from "./mapping.ts";

export interface RelayConfig {
  url: string;
  /** The platform name events are tagged with (e.g. `douyin`). */
  platform: string;
  mapping: RelayMapping;
  /** Sent as `Authorization: Bearer …` (SSE) or `?token=` (WebSocket). A secret. */
  token?: string;
  reconnect?: ReconnectOptions;
  /** Largest accepted message (default 64 KiB). */
  maxMessageBytes?: number;
}

export class RelayPlatform implements LivePlatform {
  readonly platform: string;
  readonly #health: HealthTracker;
  #loop: ReconnectLoop | null = null;

  constructor(private readonly cfg: RelayConfig) {
    this.platform = cfg.platform;
    this.#health = new HealthTracker(cfg.platform);
  }

  connect(onEvent: (event: BridgeEvent) => void): void {
    if (this.#loop) return;
    const session = /^wss?:/.test(this.cfg.url) ? this.#wsSession : this.#sseSession;
    this.#loop = new ReconnectLoop(
      (signal, opened) => session.call(this, signal, opened, onEvent),
      this.#health,
      this.cfg.reconnect,
    );
    this.#loop.start();
  }

  health(): PlatformHealth {
    return this.#health.snapshot();
  }

  async disconnect(): Promise<void> {
    await this.#loop?.stop();
  }

  #accept(data: string, onEvent: (event: BridgeEvent) => void): void {
    const now = Date.now();
    this.#health.heard(now);
    const h = this.#health.state;
    if (data.length > (this.cfg.maxMessageBytes ?? 65_536)) return void h.malformed++;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return void h.malformed++;
    }
    const event = mapRelayed(json, this.cfg.mapping, this.cfg.platform, now);
    if (event === undefined) h.malformed++;
    else if (event === null) h.unknown++;
    else {
      h.events++;
      onEvent(event);
    }
  }

  async #sseSession(
    signal: AbortSignal,
    opened: () => void,
    onEvent: (event: BridgeEvent) => void,
  ): Promise<void> {
    const headers: Record<string, string> = { accept: "text/event-stream" };
    if (this.cfg.token) headers.authorization = `Bearer ${this.cfg.token}`;
    const res = await fetch(this.cfg.url, { headers, signal });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new Error(`relay answered ${res.status}`);
    }
    opened();
    let data: string[] = [];
    let buffered = "";
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) throw new Error("relay stream ended");
        buffered += value;
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl).replace(/\r$/, "");
          buffered = buffered.slice(nl + 1);
          if (line === "") {
            if (data.length > 0) this.#accept(data.join("\n"), onEvent);
            data = [];
          } else if (line.startsWith("data:")) {
            data.push(line.slice(line[5] === " " ? 6 : 5));
          } // comments (`:`), `event:`, `id:` and `retry:` lines carry nothing we map
        }
        if (buffered.length > (this.cfg.maxMessageBytes ?? 65_536) * 2) {
          this.#health.state.malformed++;
          buffered = "";
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  #wsSession(
    signal: AbortSignal,
    opened: () => void,
    onEvent: (event: BridgeEvent) => void,
  ): Promise<void> {
    const url = new URL(this.cfg.url);
    if (this.cfg.token) url.searchParams.set("token", this.cfg.token);
    const ws = new WebSocket(url);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => ws.close(1000);
      signal.addEventListener("abort", onAbort);
      ws.onopen = () => opened();
      ws.onmessage = (m) => {
        if (typeof m.data === "string") this.#accept(m.data, onEvent);
        else this.#health.state.malformed++;
      };
      ws.onerror = () => {};
      ws.onclose = (ev) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) resolve();
        else reject(new Error(`relay closed (${ev.code})`));
      };
    });
  }
}
