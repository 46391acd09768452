/**
 * The room socket half of the client (edge/PROTOCOL.md, viewer protocol v1): join with
 * `hello`, `say`, gifts with idempotency keys that are resent until answered, moderation and
 * room AI commands, and a connection that heals itself — reconnect with exponential backoff
 * (full jitter), resume from the last batch `seq` it holds, ask for what a `gap` skipped, start
 * over on `restarted`, and never hand the same batch to the app twice. Frame types come from
 * the generated `api_types.ts`. Only web-standard APIs (WebSocket, timers, crypto): it runs in
 * Deno, Node (22+, or pass `WebSocket` from the `ws` package) and browsers.
 */
import type { components } from "./api_types.ts";

export type ServerFrame = components["schemas"]["ServerFrame"];
export type ClientFrame = components["schemas"]["ClientFrame"];
export type FrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;
export type RoomEvent = FrameOf<"batch">["events"][number];
export type Welcome = FrameOf<"welcome">;
/** The events described in full (others arrive with their `t` and fields, untyped). */
export type KnownEventType = "danmaku" | "highlight" | "gift" | "system" | "moderation";
export type EventOf<T extends KnownEventType> = Extract<RoomEvent, { t: T }>;

/** Narrows a batch event to one of the kinds described in full: `isEvent(e, "danmaku")`. */
export function isEvent<T extends KnownEventType>(event: RoomEvent, t: T): event is EventOf<T> {
  return event.t === t;
}
type AiCommand = Extract<ClientFrame, { type: "ai" }>["cmd"];
type ModAction = Extract<ClientFrame, { type: "mod" }>["action"];

export interface Backoff {
  /** The first retry waits up to this long. */
  initialMs: number;
  /** No wait is longer than this. */
  maxMs: number;
  factor: number;
}
export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, maxMs: 15_000, factor: 2 };

/** Full jitter: a random wait in [0, min(max, initial × factor^attempt)]. */
export function backoffDelay(
  attempt: number,
  backoff: Backoff = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** attempt);
  return Math.floor(random() * ceiling);
}

/** The socket refused a request or could not carry it; `code` is the server's or one below. */
export class SocketError extends Error {
  constructor(
    /** A server code (`rate_limited`, `insufficient_funds`…) or `timeout`, `disconnected`,
     * `closed` from the client itself. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "SocketError";
  }
}

export type SocketState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface RoomSocketEvents {
  welcome: Welcome;
  batch: FrameOf<"batch">;
  /** Each event of each batch, in order. */
  event: RoomEvent;
  /** Batches the room no longer holds: they will never come (show "some messages missing"). */
  lost: { from: number; to: number };
  /** The room's sequence went back (restored from older state): redraw from `history`. */
  restarted: FrameOf<"restarted">;
  /** Danmaku skipped for a slow link. */
  dropped: FrameOf<"dropped">;
  /** An `error` frame that answers no request of ours. */
  error: FrameOf<"error">;
  state: { state: SocketState; attempt?: number; delayMs?: number; code?: number; reason?: string };
}

export interface RoomSocketOptions {
  /** The edge's base URL (`http://…` or `ws://…`). */
  baseUrl: string;
  room: string;
  /** A session token, or a function asked on every (re)connect (refresh it there). */
  token: string | (() => string | Promise<string>);
  /** A WebSocket class (Node < 22: the `ws` package); the global one by default. */
  WebSocket?: new (url: string) => WebSocket;
  backoff?: Partial<Backoff>;
  /** Reconnect when the link drops (default true). */
  reconnect?: boolean;
  /** A request not answered in this long fails with `timeout` (default 15 s). */
  requestTimeoutMs?: number;
  /** How often to ping while joined (default 20 s; 0: never). */
  pingIntervalMs?: number;
  /** How many times a gift is sent before it fails (default 5; each resend has the same key). */
  giftAttempts?: number;
  /** Every raw text frame as it arrives (load generators count bytes with it). */
  onText?: (text: string) => void;
}

/** Close codes after which reconnecting cannot help (PROTOCOL.md, "Close codes"). */
const FINAL_CLOSES = new Set([4400, 4403, 4410, 4411, 4413, 4415]);
/** Errors after which a gift is resent (with the same key) instead of failing. */
const RETRY_GIFT = new Set(["room_unavailable", "busy"]);

type Reply = FrameOf<"ack" | "gift_ok" | "mod_ok" | "ai_ok">;

interface Pending {
  frame: ClientFrame & { clientId: string };
  /** Sent on the current connection (a disconnect settles or resends it). */
  sent: boolean;
  attempts: number;
  resolve(reply: Reply): void;
  reject(err: SocketError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A random idempotency key (32 hex digits; `crypto.getRandomValues` works everywhere). */
export function idempotencyKey(prefix = "k"): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export class RoomSocket {
  /** The last batch `seq` handed to the app (what a reconnect resumes from). */
  lastSeq: number | undefined;
  state: SocketState = "idle";

  readonly #opts: RoomSocketOptions;
  readonly #backoff: Backoff;
  readonly #listeners = new Map<string, Set<(value: never) => void>>();
  readonly #pending = new Map<string, Pending>();
  #ws: WebSocket | undefined;
  #joined = false;
  #attempt = 0;
  #nextId = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  /** Sequences asked for again after a `gap` (accepted though below `lastSeq`), once each. */
  #wanted = new Set<number>();
  /** On a resume: replayed batches still to come, and the welcome's seq to move to after. */
  #replay = { left: 0, seq: -1 };
  #firstWelcome: { resolve(w: Welcome): void; reject(e: SocketError): void } | undefined;
  #welcomed: Promise<Welcome> | undefined;

  constructor(opts: RoomSocketOptions) {
    this.#opts = opts;
    this.#backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  }

  on<K extends keyof RoomSocketEvents>(
    type: K,
    listener: (value: RoomSocketEvents[K]) => void,
  ): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    set.add(listener as (value: never) => void);
    this.#listeners.set(type, set);
    return () => set.delete(listener as (value: never) => void);
  }

  /** Opens the socket; resolves with the first `welcome` (rejects if it closes for good). */
  connect(): Promise<Welcome> {
    this.#welcomed ??= new Promise<Welcome>((resolve, reject) => {
      this.#firstWelcome = { resolve, reject };
      void this.#open();
    });
    return this.#welcomed;
  }

  /** Sends a danmaku; resolves with its `ack` (its `id`, maybe `suppressed` or `warning`). A
   * link lost before the answer rejects with `disconnected`: it may or may not have been shown. */
  say(text: string): Promise<FrameOf<"ack">> {
    return this.#request({ type: "say", text }) as Promise<FrameOf<"ack">>;
  }

  /** Sends a gift; resolves with the room's outcome. Resent with the same idempotency key after
   * a reconnect or a `room_unavailable`, so it is charged at most once. */
  async gift(
    giftId: string,
    count: number,
    opts: { idempotencyKey?: string } = {},
  ): Promise<FrameOf<"gift_ok">["result"]> {
    const key = opts.idempotencyKey ?? idempotencyKey("gift");
    const reply = await this.#request({ type: "gift", giftId, count, idempotencyKey: key });
    return (reply as FrameOf<"gift_ok">).result;
  }

  /** Room moderation (room admins, the owner, platform admins). */
  mod(action: ModAction, target: string, seconds?: number): Promise<FrameOf<"mod_ok">> {
    const frame = { type: "mod" as const, action, target, ...(seconds ? { seconds } : {}) };
    return this.#request(frame) as Promise<FrameOf<"mod_ok">>;
  }

  /** A room AI command (`{op: "state"}` for anyone; the rest for room admins). */
  async ai(cmd: AiCommand): Promise<FrameOf<"ai_ok">> {
    return await this.#request({ type: "ai", cmd }) as FrameOf<"ai_ok">;
  }

  /** Drops the current link and reconnects at once, resuming from `lastSeq`. */
  reconnect(): void {
    if (this.state === "closed") return;
    clearTimeout(this.#retryTimer);
    if (this.#ws) this.#ws.close(1000, "reconnect");
    else void this.#open();
  }

  /** Closes for good; requests still waiting fail with `closed`. */
  close(): void {
    if (this.state === "closed") return;
    this.#setState({ state: "closed" });
    clearTimeout(this.#retryTimer);
    this.#stopPing();
    this.#ws?.close(1000, "bye");
    this.#ws = undefined;
    this.#failAll(new SocketError("closed", "the socket was closed"));
    this.#firstWelcome?.reject(new SocketError("closed", "closed before joining"));
  }

  // --- connection

  async #open(): Promise<void> {
    if (this.state === "closed" || this.#ws) return;
    this.#setState({ state: this.#attempt === 0 ? "connecting" : "reconnecting" });
    let token: string;
    try {
      const t = this.#opts.token;
      token = typeof t === "function" ? await t() : t;
    } catch (err) {
      return this.#lost(4401, `token: ${err instanceof Error ? err.message : err}`);
    }
    if (this.#isClosed()) return; // closed while the token was fetched
    const base = this.#opts.baseUrl.replace(/^http/, "ws").replace(/\/+$/, "");
    const Ws = this.#opts.WebSocket ?? globalThis.WebSocket;
    const ws = new Ws(`${base}/ws/rooms/${encodeURIComponent(this.#opts.room)}`);
    this.#ws = ws;
    ws.onopen = () => {
      const hello: ClientFrame = { type: "hello", v: 1, token, room: this.#opts.room };
      if (this.lastSeq !== undefined) hello.resumeFrom = this.lastSeq;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (e) => {
      if (ws === this.#ws && typeof e.data === "string") this.#onText(e.data);
    };
    ws.onclose = (e) => {
      if (ws === this.#ws) this.#lost(e.code, e.reason);
    };
  }

  /** The link is gone: settle what cannot be resent, then reconnect (or stop for good). */
  #lost(code: number, reason: string): void {
    this.#ws = undefined;
    this.#joined = false;
    this.#stopPing();
    if (this.state === "closed") return;
    for (const [id, p] of this.#pending) {
      if (!p.sent) continue;
      p.sent = false;
      if (p.frame.type === "gift" && p.attempts < (this.#opts.giftAttempts ?? 5)) continue;
      this.#settle(id)?.reject(new SocketError("disconnected", `link lost (${code})`));
    }
    const staticToken = typeof this.#opts.token === "string";
    const final = FINAL_CLOSES.has(code) || (code === 4401 && staticToken) ||
      this.#opts.reconnect === false;
    if (final) {
      this.#setState({ state: "closed", code, reason });
      this.#failAll(new SocketError("closed", `closed ${code} ${reason}`));
      this.#firstWelcome?.reject(new SocketError("closed", `closed ${code} ${reason}`));
      return;
    }
    const delayMs = backoffDelay(this.#attempt, this.#backoff);
    this.#attempt++;
    this.#setState({ state: "reconnecting", attempt: this.#attempt, delayMs, code, reason });
    this.#retryTimer = setTimeout(() => void this.#open(), delayMs);
  }

  // --- frames

  #onText(text: string): void {
    this.#opts.onText?.(text);
    const frame = JSON.parse(text) as ServerFrame;
    switch (frame.type) {
      case "welcome":
        return this.#onWelcome(frame);
      case "batch":
        return this.#onBatch(frame);
      case "gap":
        // Ask the room for what it still holds of the skipped range; the rest comes as `lost`.
        for (let s = frame.from; s <= frame.to && this.#wanted.size < 10_000; s++) {
          this.#wanted.add(s);
        }
        return this.#send({ type: "resume", from: frame.from - 1 });
      case "resumed":
        if (frame.gap) this.#emit("lost", frame.gap);
        this.#wanted.clear();
        return;
      case "restarted":
        this.lastSeq = frame.seq;
        this.#wanted.clear();
        return this.#emit("restarted", frame);
      case "dropped":
        return this.#emit("dropped", frame);
      case "ack":
      case "gift_ok":
      case "mod_ok":
      case "ai_ok":
        if (frame.clientId) this.#settle(frame.clientId)?.resolve(frame);
        return;
      case "error":
        return this.#onError(frame);
      case "pong":
        return;
    }
  }

  #onWelcome(w: Welcome): void {
    this.#joined = true;
    this.#attempt = 0;
    if (w.replayed !== undefined && this.lastSeq !== undefined) {
      this.#replay = { left: w.replayed, seq: w.seq };
      if (w.replayed === 0) this.lastSeq = Math.max(this.lastSeq, w.seq);
    } else {
      this.lastSeq = w.seq;
    }
    this.#setState({ state: "open" });
    this.#startPing();
    this.#emit("welcome", w);
    this.#firstWelcome?.resolve(w);
    this.#firstWelcome = undefined;
    for (const p of this.#pending.values()) if (!p.sent) this.#transmit(p);
  }

  #onBatch(batch: FrameOf<"batch">): void {
    const isNew = this.lastSeq === undefined || batch.seq > this.lastSeq;
    if (!isNew && !this.#wanted.delete(batch.seq)) return; // already handed over
    if (isNew) this.lastSeq = batch.seq;
    if (this.#replay.left > 0 && --this.#replay.left === 0) {
      this.lastSeq = Math.max(this.lastSeq ?? -1, this.#replay.seq);
    }
    this.#emit("batch", batch);
    for (const event of batch.events) this.#emit("event", event);
  }

  #onError(frame: FrameOf<"error">): void {
    const p = frame.clientId ? this.#pending.get(frame.clientId) : undefined;
    if (!p) return this.#emit("error", frame);
    const retry = p.frame.type === "gift" && RETRY_GIFT.has(frame.code) &&
      p.attempts < (this.#opts.giftAttempts ?? 5);
    if (!retry) {
      this.#settle(p.frame.clientId)?.reject(
        new SocketError(frame.code, frame.message, frame.details),
      );
      return;
    }
    p.sent = false;
    setTimeout(() => {
      if (this.#pending.has(p.frame.clientId) && this.#joined && !p.sent) this.#transmit(p);
    }, backoffDelay(p.attempts, this.#backoff));
  }

  // --- requests

  #request(body: ClientFrame): Promise<Reply> {
    if (this.state === "closed") {
      return Promise.reject(new SocketError("closed", "the socket was closed"));
    }
    const clientId = `c${++this.#nextId}`;
    const frame = { ...body, clientId } as ClientFrame & { clientId: string };
    return new Promise<Reply>((resolve, reject) => {
      const timeoutMs = this.#opts.requestTimeoutMs ?? 15_000;
      const timer = setTimeout(() => {
        this.#settle(clientId)?.reject(new SocketError("timeout", `no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      const p: Pending = { frame, sent: false, attempts: 0, resolve, reject, timer };
      this.#pending.set(clientId, p);
      if (this.#joined) this.#transmit(p);
    });
  }

  #transmit(p: Pending): void {
    p.sent = true;
    p.attempts++;
    this.#send(p.frame);
  }

  #settle(clientId: string): Pending | undefined {
    const p = this.#pending.get(clientId);
    if (!p) return undefined;
    this.#pending.delete(clientId);
    clearTimeout(p.timer);
    return p;
  }

  #failAll(err: SocketError): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(err);
  }

  #send(frame: ClientFrame): void {
    if (this.#ws?.readyState === 1) this.#ws.send(JSON.stringify(frame));
  }

  #startPing(): void {
    const every = this.#opts.pingIntervalMs ?? 20_000;
    this.#stopPing();
    if (every > 0) {
      this.#pingTimer = setInterval(() => this.#send({ type: "ping", t: Date.now() }), every);
    }
  }

  #stopPing(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
  }

  #isClosed(): boolean {
    return this.state === "closed";
  }

  #setState(s: RoomSocketEvents["state"]): void {
    this.state = s.state;
    this.#emit("state", s);
  }

  #emit<K extends keyof RoomSocketEvents>(type: K, value: RoomSocketEvents[K]): void {
    for (const fn of this.#listeners.get(type) ?? []) {
      (fn as (v: RoomSocketEvents[K]) => void)(value);
    }
  }
}
