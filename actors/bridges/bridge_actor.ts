/**
 * One bridge actor per linked outside room (its id is the link id). It holds the platform
 * connection, buffers the platform's events and hands them to the room every `flushMs`, and
 * reports health. It is durable: `start` persists the link, and a revival alarm (refreshed
 * while it runs) re-activates it after a process restart or a fail-over, where `onActivate`
 * connects again. `stop` disconnects, clears the alarm and forgets the link.
 */
import { Actor, type ActorContext, ActorError, type ActorType } from "../../engine/actor.ts";
import type { Logger } from "../../engine/log.ts";
import { BilibiliPlatform } from "./bilibili/platform.ts";
import type { BridgeConfig } from "./config.ts";
import type { BridgeEvent } from "./events.ts";
import { type BridgeLink, type PublicLink, publicLink } from "./link.ts";
import type { LivePlatform, PlatformHealth } from "./live_platform.ts";
import { RelayPlatform } from "./relay/platform.ts";
import type { SecretBox } from "./secret_box.ts";

import { BRIDGE_ACTOR_TYPE } from "./address.ts";

/** How a sink reaches other actors: the bridge actor's own context. */
export type ActorReach = Pick<ActorContext, "ask" | "tell">;

/** Where bridged events go: the room's intake (wired by the composition root). */
export interface BridgeSink {
  deliver(roomId: string, linkId: string, events: BridgeEvent[], reach: ActorReach): Promise<void>;
}

export type BridgeMsg =
  | { kind: "start"; link: BridgeLink }
  | { kind: "stop" }
  | { kind: "health" };

export interface BridgeHealth {
  link: PublicLink | null;
  active: boolean;
  platform: PlatformHealth | null;
  /** Events handed to the room. */
  forwarded: number;
  /** Events dropped: the buffer was full or the room refused them. */
  dropped: number;
}

export interface BridgeState {
  link: BridgeLink | null;
}

export interface BridgeActorOptions {
  config: BridgeConfig;
  secrets: SecretBox | null;
  sink: BridgeSink;
  /** Builds the platform connection (tests substitute base URLs through `config`). */
  platformFor?: (link: BridgeLink, secret: string | undefined, cfg: BridgeConfig) => LivePlatform;
  flushMs?: number;
  /** Events buffered while the room is slow; beyond it the oldest are dropped. */
  maxBuffered?: number;
  log?: Logger;
}

export function defaultPlatformFor(
  link: BridgeLink,
  secret: string | undefined,
  cfg: BridgeConfig,
): LivePlatform {
  const req = link.request;
  if (req.platform === "bilibili") {
    return new BilibiliPlatform({
      roomId: req.roomId,
      liveApiBase: cfg.BILIBILI_LIVE_API,
      apiBase: cfg.BILIBILI_API,
      wsScheme: cfg.BILIBILI_WS_SCHEME,
      heartbeatMs: cfg.BILIBILI_HEARTBEAT_MS,
      cookie: secret,
    });
  }
  return new RelayPlatform({
    url: req.url,
    platform: req.name,
    mapping: req.mapping,
    token: secret,
  });
}

class BridgeActor extends Actor<BridgeState, BridgeMsg, unknown> {
  #platform: LivePlatform | null = null;
  #buffer: BridgeEvent[] = [];
  #forwarded = 0;
  #dropped = 0;
  #delivering = false;
  #flushQueued = false;

  constructor(ctx: ActorContext, state: BridgeState, private readonly o: BridgeActorOptions) {
    super(ctx, state);
  }

  override async onActivate(): Promise<void> {
    if (this.state.link) await this.#connect(this.state.link);
  }

  override async onPassivate(): Promise<void> {
    await this.#platform?.disconnect();
    this.#platform = null;
  }

  override onTimer(name: string): void {
    if (name === "flush") this.#flush();
    else if (name === "revive" || name === "refresh") {
      if (this.state.link) this.#armRevival();
      else this.ctx.passivate();
    }
  }

  async receive(msg: BridgeMsg): Promise<unknown> {
    switch (msg.kind) {
      case "start": {
        const current = this.state.link;
        if (current && current.id === msg.link.id && this.#platform) return this.#health();
        if (this.ctx.id !== msg.link.id) throw new ActorError("bad_link", "link id mismatch");
        this.state.link = msg.link;
        await this.#connect(msg.link);
        await this.ctx.persist(); // the link and its revival alarm, together
        return this.#health();
      }
      case "stop": {
        await this.#platform?.disconnect();
        this.#platform = null;
        this.#flush();
        this.state.link = null;
        this.ctx.clearTimer("flush");
        this.ctx.clearTimer("revive");
        this.ctx.clearTimer("refresh");
        await this.ctx.persist();
        this.ctx.passivate();
        return { stopped: true };
      }
      case "health":
        return this.#health();
      default:
        throw new ActorError("bad_command", "unknown bridge command");
    }
  }

  async #connect(link: BridgeLink): Promise<void> {
    await this.#platform?.disconnect();
    let secret: string | undefined;
    if (link.sealedSecret) {
      if (!this.o.secrets) {
        this.ctx.log.warn("bridge secret cannot be opened: no BRIDGE_SECRET_KEY", {
          link: link.id,
        });
      } else {
        secret = await this.o.secrets.open(link.sealedSecret).catch(() => undefined);
      }
    }
    const make = this.o.platformFor ?? defaultPlatformFor;
    const platform = make(link, secret, this.o.config);
    this.#platform = platform;
    platform.connect((e) => this.#accept(e));
    this.ctx.setInterval("flush", this.o.flushMs ?? 25, { keepAlive: true });
    this.#armRevival();
    this.ctx.log.info("bridge connecting", { link: link.id, room: link.roomId, label: link.label });
  }

  #armRevival(): void {
    // Due a little after the next refresh: while the actor runs it is always pushed back.
    this.ctx.setAlarm("revive", this.ctx.now() + this.o.config.BRIDGE_REVIVE_MS * 2);
    this.ctx.setTimer("refresh", this.o.config.BRIDGE_REVIVE_MS);
  }

  #accept(e: BridgeEvent): void {
    this.#buffer.push(e);
    const max = this.o.maxBuffered ?? 2_000;
    if (this.#buffer.length > max) {
      const n = this.#buffer.length - max;
      this.#buffer.splice(0, n);
      this.#dropped += n;
    }
    // Leading edge: the events of one frame go together at once; while a delivery is in
    // flight, the next ones gather and leave when it returns (the interval is a safety net).
    if (!this.#flushQueued && !this.#delivering) {
      this.#flushQueued = true;
      queueMicrotask(() => {
        this.#flushQueued = false;
        this.#flush();
      });
    }
  }

  #flush(): void {
    const link = this.state.link;
    if (!link || this.#buffer.length === 0 || this.#delivering) return;
    const events = this.#buffer.splice(0, 200);
    this.#delivering = true;
    this.o.sink.deliver(link.roomId, link.id, events, this.ctx).then(
      () => void (this.#forwarded += events.length),
      (e) => {
        this.#dropped += events.length;
        this.ctx.log.warn("bridged events refused", { link: link.id, n: events.length, error: e });
      },
    ).finally(() => {
      this.#delivering = false;
      if (this.#buffer.length > 0) this.#flush();
    });
  }

  #health(): BridgeHealth {
    return {
      link: this.state.link ? publicLink(this.state.link) : null,
      active: this.#platform !== null,
      platform: this.#platform?.health() ?? null,
      forwarded: this.#forwarded,
      dropped: this.#dropped,
    };
  }
}

export function bridgeActorType(
  o: BridgeActorOptions,
): ActorType<BridgeState, BridgeMsg, unknown> {
  return {
    type: BRIDGE_ACTOR_TYPE,
    initialState: () => ({ link: null }),
    create: (ctx, state) => new BridgeActor(ctx, state, o),
  };
}
