/**
 * A Bilibili live room as a `LivePlatform`: resolve the room and its danmaku servers over
 * HTTP, open `/sub` on one of them (rotating on each retry), authenticate (op 7 with the real
 * room id and protover 3), heartbeat (op 2) every `heartbeatMs`, and turn command packets into
 * bridge events. A connection that stays silent past `receiveTimeoutMs` (heartbeat replies
 * included) is closed and reconnected with backoff.
 */
import type { Logger } from "../../../engine/log.ts";
import type { BridgeEvent } from "../events.ts";
import {
  HealthTracker,
  type LivePlatform,
  type PlatformHealth,
  ReconnectLoop,
  type ReconnectOptions,
} from "../live_platform.ts";
import { type BilibiliApiConfig, resolveRoom, type RoomEntry } from "./api.ts";
import { mapCommand, PLATFORM } from "./commands.ts";
import { type BiliPacket, decodeFrame, encodePacket, newDecodeStats, Op } from "./packet.ts";

export interface BilibiliConfig extends BilibiliApiConfig {
  /** The room id as in the room's URL; a short id is resolved to the real one. */
  roomId: number;
  /** `wss` against Bilibili; a test server speaks plain `ws`. */
  wsScheme?: "ws" | "wss";
  heartbeatMs?: number;
  /** Close and reconnect after this long without any frame (default heartbeat + 5 s). */
  receiveTimeoutMs?: number;
  reconnect?: ReconnectOptions;
  log?: Logger;
}

export class AuthRefused extends Error {}

export class BilibiliPlatform implements LivePlatform {
  readonly platform = PLATFORM;
  readonly #health = new HealthTracker(PLATFORM);
  readonly #stats = newDecodeStats();
  #loop: ReconnectLoop | null = null;
  #attempt = 0;
  #entry: RoomEntry | null = null;

  constructor(private readonly cfg: BilibiliConfig) {}

  connect(onEvent: (event: BridgeEvent) => void): void {
    if (this.#loop) return;
    this.#loop = new ReconnectLoop(
      (signal, opened) => this.#session(signal, opened, onEvent),
      this.#health,
      this.cfg.reconnect,
    );
    this.#loop.start();
  }

  health(): PlatformHealth {
    const h = this.#health.snapshot();
    h.malformed += this.#stats.skipped;
    return h;
  }

  async disconnect(): Promise<void> {
    await this.#loop?.stop();
  }

  async #session(
    signal: AbortSignal,
    opened: () => void,
    onEvent: (event: BridgeEvent) => void,
  ): Promise<void> {
    // Re-resolve after repeated failures (the token may have expired, hosts may have moved).
    if (!this.#entry || this.#attempt % 3 === 2) {
      this.#entry = await resolveRoom(this.cfg, this.cfg.roomId);
    }
    const entry = this.#entry;
    const host = entry.hosts[this.#attempt++ % entry.hosts.length];
    const scheme = this.cfg.wsScheme ?? "wss";
    const port = scheme === "wss" ? host.wssPort : host.wsPort;
    const heartbeatMs = this.cfg.heartbeatMs ?? 30_000;
    const receiveTimeoutMs = this.cfg.receiveTimeoutMs ?? heartbeatMs + 5_000;
    const ws = new WebSocket(`${scheme}://${host.host}:${port}/sub`);
    ws.binaryType = "arraybuffer";

    await new Promise<void>((resolve, reject) => {
      let heartbeat: ReturnType<typeof setInterval> | undefined;
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      let authed = false;
      const finish = (error?: unknown) => {
        clearInterval(heartbeat);
        clearTimeout(watchdog);
        signal.removeEventListener("abort", onAbort);
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
          ws.close(1000);
        }
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = () => finish();
      const armWatchdog = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(
          () => finish(new Error(`no data for ${receiveTimeoutMs} ms`)),
          receiveTimeoutMs,
        );
      };
      signal.addEventListener("abort", onAbort);
      armWatchdog();

      ws.onopen = () => {
        const auth: Record<string, unknown> = {
          uid: entry.uid,
          roomid: entry.roomId,
          protover: 3,
          platform: "web",
          type: 2,
        };
        if (entry.token) auth.key = entry.token;
        ws.send(encodePacket(Op.auth, auth));
      };
      ws.onmessage = (msg) => {
        armWatchdog();
        if (!(msg.data instanceof ArrayBuffer)) {
          this.#stats.skipped++;
          return;
        }
        const now = Date.now();
        this.#health.heard(now);
        const packets: BiliPacket[] = [];
        decodeFrame(new Uint8Array(msg.data), packets, this.#stats);
        for (const p of packets) {
          if (p.op === Op.authReply) {
            const code = (p.reply as { code?: unknown } | null)?.code;
            if (code !== 0) return finish(new AuthRefused(`auth refused (code ${String(code)})`));
            if (!authed) {
              authed = true;
              opened();
              ws.send(encodePacket(Op.heartbeat));
              heartbeat = setInterval(() => {
                if (ws.readyState === WebSocket.OPEN) ws.send(encodePacket(Op.heartbeat));
              }, heartbeatMs);
            }
          } else if (p.op === Op.command) {
            const out = mapCommand(p.command, now);
            if (out.kind === "event") {
              this.#health.state.events++;
              onEvent(out.event);
            } else if (out.kind === "unknown") this.#health.state.unknown++;
            else this.#health.state.malformed++;
          }
        }
      };
      ws.onerror = () => {/* the close event follows and ends the session */};
      ws.onclose = (ev) => {
        if (signal.aborted) return finish();
        finish(new Error(`closed (${ev.code})`));
      };
    });
  }
}
