/**
 * The room socket (PROTOCOL.md): hello with the viewer's token, welcome, batches in sequence;
 * after a drop it reconnects with backoff and resumes from the last batch seen, so a gap is
 * replayed or, when the room no longer holds it, said to be lost. What the page shows is fed
 * through `RoomListener`s: the Room page, its AI panel and the message menu each add theirs.
 */
import { signal } from "@preact/signals";
import type {
  RoomEvent,
  RoomSettingsView,
  StreamView,
} from "../../../../../../actors/room/contract.ts";
import type { ServerFrame, ServerFrameOf, SessionFrame } from "../../../../../protocol.ts";
import { ApiError, withErrorSentences } from "../../api.ts";
import { socketIdentity } from "../../socket_identity.ts";
import { errorSentence, t } from "../../i18n/i18n.ts";
import { notice } from "../../notice.ts";

export type Welcome = ServerFrameOf<"welcome">;
export type Batch = ServerFrameOf<"batch">;
export type You = Welcome["you"];

/** Why the chat shows a divider: what the viewer missed, and how many when known. */
export type Divider =
  | { kind: "missed"; n: number }
  | { kind: "catching_up" }
  | { kind: "unrecoverable" }
  | { kind: "restarted" }
  | { kind: "dropped"; n: number };

export interface RoomListener {
  /** A welcome (first or after a reconnect); `resumed` when missed batches follow. */
  welcome?(f: Welcome, resumed: boolean): void;
  /** Each event of each batch, in order. */
  event?(e: RoomEvent): void;
  batch?(f: Batch): void;
  /** The room went back in sequence: a new history. */
  restarted?(f: ServerFrameOf<"restarted">): void;
  /** `key` names a divider to replace once its text is known (the catch-up one). */
  divider?(d: Divider, key?: string): void;
  /** Any frame, before the connection's own handling; true when this listener consumed it. */
  frame?(f: ServerFrame): boolean;
  /** A frame no listener consumed that the connection does not handle itself (ack, mod_ok,
   * error, pong). */
  other?(f: ServerFrame): void;
}

export type ConnState =
  | { state: "connecting" }
  | { state: "connected" }
  | { state: "down"; why: "closed"; code: number }
  | { state: "down"; why: "no_session" | "too_many_connections" | "banned" | "removed" };

const PING_MS = 20_000;

/** The open room's connection (tests reach it through `globalThis.synapseClient.room`). */
export const openRoom = signal<RoomConnection | null>(null);

export class RoomConnection {
  readonly conn = signal<ConnState>({ state: "connecting" });
  readonly viewers = signal(0);
  readonly me = signal<You | null>(null);
  readonly settings = signal<RoomSettingsView>({
    owner: null,
    admins: [],
    guestChat: true,
    managed: false,
  });
  readonly stream = signal<StreamView>({ live: false });
  readonly self = signal<Welcome["self"]>(undefined);

  #listeners = new Set<RoomListener>();
  #ws: WebSocket | null = null;
  #lastSeq = -1;
  #retries = 0;
  #ping: ReturnType<typeof setInterval> | undefined;
  #stopped = false;
  /** While missed batches are replayed after a reconnect: how many remain, danmaku counted. */
  #catchUp: { remaining: number; danmaku: number; key: string } | null = null;
  #catchUps = 0;
  #requests = 0;
  #pending = new Map<string, { ok: (r: unknown) => void; fail: (e: ApiError) => void }>();

  constructor(readonly roomId: string, private readonly notice: (text: string) => void) {}

  listen(l: RoomListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  /** Sends a frame; false when the socket is not open (nothing sent). */
  send(frame: SessionFrame): boolean {
    if (this.#ws?.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(JSON.stringify(frame));
    return true;
  }

  /** Sends an `ai` command (PROTOCOL.md); resolves with its `ai_ok` result, rejects with the
   * room's error code (`offline` when the socket is not open). `quiet`: a failure the caller
   * does not say (the error sentences are not loaded for it). */
  ai<R>(cmd: Record<string, unknown>, opts: { quiet?: boolean } = {}): Promise<R> {
    const clientId = `ai${++this.#requests}`;
    const asked = new Promise<R>((ok, fail) => {
      if (!this.send({ type: "ai", cmd, clientId } as SessionFrame)) {
        return fail(new ApiError(0, "offline", "not connected"));
      }
      this.#pending.set(clientId, { ok: ok as (r: unknown) => void, fail });
    });
    return opts.quiet ? asked : withErrorSentences(asked);
  }

  /** May the viewer moderate (owner, room admin, platform admin)? The room checks again. */
  canModerate(): boolean {
    const me = this.me.value;
    const s = this.settings.value;
    return !!me && me.kind === "user" &&
      (me.userId === s.owner || s.admins.includes(me.userId) || me.roles.includes("admin"));
  }

  /** Called by the Room page once mounted; opens the socket. */
  start(): void {
    void this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#ping);
    this.#ws?.close(1000);
  }

  #each(fn: (l: RoomListener) => void) {
    for (const l of this.#listeners) fn(l);
  }

  async #connect(freshToken = false): Promise<void> {
    if (this.#stopped) return;
    this.conn.value = { state: "connecting" };
    let s;
    try {
      s = await socketIdentity(freshToken);
    } catch (err) {
      this.conn.value = { state: "down", why: "no_session" };
      if (err instanceof ApiError && err.code === "rate_limited") {
        // Too many guest sessions from this network (per-IP limit): say so, wait as told.
        notice(t("room.guestSessionsLimited"));
        return this.#reconnect((err.retryAfter ?? 30) * 1000);
      }
      return this.#reconnect();
    }
    if (!this.me.value) this.me.value = s.identity;
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const path = `/ws/rooms/${encodeURIComponent(this.roomId)}`;
    const ws = new WebSocket(`${proto}://${location.host}${path}`);
    this.#ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      ws.send(JSON.stringify({
        type: "hello",
        v: 1,
        token: s.token,
        room: this.roomId,
        ...(this.#lastSeq >= 0 ? { resumeFrom: this.#lastSeq } : {}),
      }));
    };
    ws.onmessage = (m) => this.#onFrame(JSON.parse(m.data) as ServerFrame);
    ws.onclose = (e) => {
      clearInterval(this.#ping);
      for (const p of this.#pending.values()) p.fail(new ApiError(0, "offline"));
      this.#pending.clear();
      if (this.#stopped || ws !== this.#ws) return;
      this.conn.value = { state: "down", why: "closed", code: e.code };
      if (e.code === 4401) return void this.#connect(true);
      if (e.code === 4403) {
        this.conn.value = { state: "down", why: "banned" };
        return;
      }
      if (e.code === 4410) {
        // removed from the meeting by its host: the server refuses a new socket too
        this.conn.value = { state: "down", why: "removed" };
        return;
      }
      // left the meeting (maybe from another tab): the meeting page follows the `left` event
      if (e.code === 4411) return;
      if (!opened) return void this.#whyRefused(path);
      this.#reconnect();
    };
  }

  /** A refused upgrade is opaque to browsers: a plain GET of the URL says why (429). */
  async #whyRefused(path: string) {
    const res = await fetch(path).catch(() => null);
    const body = res ? await res.json().catch(() => ({})) : {};
    if (res?.status === 429 && body.error?.code === "too_many_connections") {
      this.conn.value = { state: "down", why: "too_many_connections" };
      void errorSentence("too_many_connections").then(notice);
      return this.#reconnect(30_000);
    }
    this.#reconnect();
  }

  #reconnect(minDelay = 0) {
    const delay = Math.min(10_000, 500 * 2 ** this.#retries++) * (0.5 + Math.random() / 2);
    setTimeout(() => void this.#connect(), Math.max(minDelay, delay));
  }

  #onFrame(f: ServerFrame) {
    const waiting = "clientId" in f && f.clientId ? this.#pending.get(f.clientId) : undefined;
    if (waiting && (f.type === "ai_ok" || f.type === "error")) {
      this.#pending.delete(f.clientId!);
      if (f.type === "ai_ok") waiting.ok(f.result);
      else waiting.fail(new ApiError(0, f.code, f.message));
      return;
    }
    for (const l of this.#listeners) if (l.frame?.(f)) return;
    switch (f.type) {
      case "welcome":
        return this.#welcome(f);
      case "batch":
        return this.#batch(f);
      case "gap":
        this.send({ type: "resume", from: f.from - 1 });
        return;
      case "restarted":
        // The room's sequence went back (it restarted from older state): a new baseline.
        this.#lastSeq = f.seq;
        this.viewers.value = f.viewers;
        this.#each((l) => l.divider?.({ kind: "restarted" }));
        this.#each((l) => l.restarted?.(f));
        return;
      case "resumed":
        if (f.gap) this.#each((l) => l.divider?.({ kind: "unrecoverable" }));
        return;
      case "dropped":
        this.#each((l) => l.divider?.({ kind: "dropped", n: f.count }));
        this.#lastSeq = Math.max(this.#lastSeq, f.throughSeq);
        return;
      default:
        this.#each((l) => l.other?.(f));
    }
  }

  #welcome(f: Welcome) {
    this.#retries = 0;
    this.conn.value = { state: "connected" };
    this.me.value = f.you;
    this.self.value = f.self;
    this.settings.value = {
      owner: f.room.owner,
      admins: f.room.admins,
      guestChat: f.room.guestChat,
      managed: f.room.managed,
      ...(f.room.title ? { title: f.room.title } : {}),
    };
    this.stream.value = f.room.stream ?? { live: false };
    this.viewers.value = f.viewers;
    // On a real resume the missed batches follow (seq after ours): a divider above them says
    // how many messages they bring once they are in. Otherwise the welcome is the new
    // baseline (also when the room's sequence restarted below ours); after a disconnect that
    // means what was said meanwhile is lost, and the divider says so.
    const resumed = !!f.replayed;
    this.#each((l) => l.welcome?.(f, resumed));
    if (f.replayed) {
      const key = `catchup${++this.#catchUps}`;
      this.#catchUp = { remaining: f.replayed, danmaku: 0, key };
      this.#each((l) => l.divider?.({ kind: "catching_up" }, key));
    } else {
      if (this.#lastSeq >= 0 && f.seq > this.#lastSeq) {
        this.#each((l) => l.divider?.({ kind: "unrecoverable" }));
      }
      this.#lastSeq = f.seq;
    }
    clearInterval(this.#ping);
    this.#ping = setInterval(() => this.send({ type: "ping", t: Date.now() }), PING_MS);
  }

  #batch(f: Batch) {
    if (f.seq <= this.#lastSeq) return;
    this.#lastSeq = f.seq;
    this.viewers.value = f.viewers;
    for (const e of f.events) this.#applyState(e);
    this.#each((l) => l.batch?.(f));
    for (const e of f.events) this.#each((l) => l.event?.(e));
    const c = this.#catchUp;
    if (!c) return;
    c.danmaku += f.events.filter((e) => e.t === "danmaku").length + (f.omitted ?? 0);
    if (--c.remaining === 0) {
      this.#each((l) => l.divider?.({ kind: "missed", n: c.danmaku }, c.key));
      this.#catchUp = null;
    }
  }

  /** What events change of the room's state (settings, the stream). */
  #applyState(e: RoomEvent) {
    if (e.t === "settings") this.settings.value = { ...this.settings.value, ...e.s };
    if (e.t === "system" && e.code === "stream_live") {
      this.stream.value = { ...this.stream.value, live: true };
      this.notice(e.text);
    }
    if (e.t === "system" && e.code === "stream_offline") this.stream.value = { live: false };
  }

  /** Later RoomInfo (polled): the viewer count, and the stream's recording id once known. */
  updateInfo(info: { viewers: number; stream?: StreamView }) {
    this.viewers.value = info.viewers;
    if (info.stream) {
      const cur = this.stream.value;
      if (info.stream.live !== cur.live || info.stream.recordingId !== cur.recordingId) {
        this.stream.value = info.stream;
      }
    }
  }
}
