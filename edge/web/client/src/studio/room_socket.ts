/**
 * The dashboard's room socket (edge/PROTOCOL.md): joins as the signed-in streamer, keeps the
 * chat, viewers, highlights and the room AI's events as signals (the stage's in the stage
 * store, for the stage panel), sends `ai`, `mod` and `stage` frames
 * and resolves each with its `ai_ok`/`mod_ok`/`error`. Reconnects with a growing delay.
 */
import { batch, signal } from "@preact/signals";
import type { Danmaku, HighlightSpan, RoomEvent } from "../../../../../actors/room/contract.ts";
import { accessToken, ApiError, withErrorSentences } from "../api.ts";
import { bindStageFromWelcome, onStageFrame } from "../stage/stage_store.ts";

/** A minute of the chat's mood (`minute`: its start, ms since the epoch). */
export interface MoodPoint {
  minute: number;
  count: number;
  mean: number;
}
export interface QaStatus {
  paused: boolean;
  current: { id: string; text: string } | null;
  pending: { id: string; text: string; askers: number }[];
}
export interface Topic {
  term: string;
  count: number;
}
export interface GiftSeen {
  id: string;
  name: string;
  giftName: string;
  count: number;
  amount: string;
  at: number;
}

const CHAT_KEEP = 200;

export class RoomSocket {
  readonly connected = signal(false);
  readonly chat = signal<Danmaku[]>([]);
  readonly viewers = signal(0);
  readonly highlights = signal<HighlightSpan[]>([]);
  readonly mood = signal<MoodPoint[]>([]);
  readonly topics = signal<Topic[]>([]);
  readonly qa = signal<QaStatus>({ paused: false, current: null, pending: [] });
  readonly gifts = signal<GiftSeen[]>([]);
  /** Bumped when the room says something an admin view should reload (retract, moderation). */
  readonly adminChanged = signal(0);
  /** The stream went live or offline (a `system` event). */
  readonly streamChanged = signal(0);

  #ws: WebSocket | null = null;
  #closed = false;
  #retry = 500;
  #counter = 0;
  #pending = new Map<string, { ok: (r: unknown) => void; fail: (e: ApiError) => void }>();

  constructor(readonly roomId: string) {
    this.#open();
  }

  close(): void {
    this.#closed = true;
    this.#ws?.close();
  }

  /** Sends an `ai` command; resolves with its result. */
  ai<R>(cmd: Record<string, unknown>): Promise<R> {
    return this.#request<R>({ type: "ai", cmd });
  }

  /** Sends a `mod` frame (unmute, ban...). */
  mod(action: string, target: string): Promise<unknown> {
    return this.#request({ type: "mod", action, target });
  }

  #request<R>(frame: Record<string, unknown>): Promise<R> {
    const clientId = `s${++this.#counter}`;
    return withErrorSentences(
      new Promise<R>((ok, fail) => {
        if (this.#ws?.readyState !== WebSocket.OPEN) {
          return fail(new ApiError(0, "offline", "not connected"));
        }
        this.#pending.set(clientId, { ok: ok as (r: unknown) => void, fail });
        this.#ws.send(JSON.stringify({ ...frame, clientId }));
      }),
    );
  }

  async #open(): Promise<void> {
    if (this.#closed) return;
    const token = await accessToken().catch(() => null);
    if (!token) return;
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${proto}://${location.host}/ws/rooms/${this.roomId}`);
    this.#ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", v: 1, token, room: this.roomId }));
    ws.onmessage = (m) => this.#frame(JSON.parse(m.data));
    ws.onclose = () => {
      this.connected.value = false;
      for (const p of this.#pending.values()) p.fail(new ApiError(0, "offline"));
      this.#pending.clear();
      if (this.#closed) return;
      setTimeout(() => this.#open(), this.#retry);
      this.#retry = Math.min(this.#retry * 2, 15_000);
    };
  }

  // deno-lint-ignore no-explicit-any
  #frame(f: any): void {
    // Guests on stage: the dashboard's stage panel reads the same store as the room page.
    onStageFrame(f);
    switch (f.type) {
      case "welcome":
        this.#retry = 500;
        bindStageFromWelcome(f, (cmd) => {
          if (this.#ws?.readyState !== WebSocket.OPEN) return false;
          this.#ws.send(JSON.stringify({ type: "stage", cmd, clientId: `s${++this.#counter}` }));
          return true;
        });
        batch(() => {
          this.connected.value = true;
          this.chat.value = (f.history as Danmaku[]).slice(-CHAT_KEEP);
          this.viewers.value = f.viewers ?? f.room?.viewers ?? 0;
          this.highlights.value = f.highlights ?? [];
        });
        this.ai<{ mood: MoodPoint[]; topics?: { topics: Topic[] }; qa: QaStatus }>({ op: "state" })
          .then((s) =>
            batch(() => {
              this.mood.value = s.mood ?? [];
              this.topics.value = s.topics?.topics ?? [];
              this.qa.value = s.qa;
            })
          ).catch(() => {});
        break;
      case "batch":
        batch(() => {
          this.viewers.value = f.viewers;
          for (const e of f.events as RoomEvent[]) this.#event(e);
        });
        break;
      case "ai_ok":
      case "mod_ok":
        this.#settle(f.clientId, (p) => p.ok(f.result ?? f));
        break;
      case "error":
        this.#settle(f.clientId, (p) => p.fail(new ApiError(0, f.code, f.message)));
        break;
    }
  }

  #settle(
    clientId: string | undefined,
    fn: (p: { ok: (r: unknown) => void; fail: (e: ApiError) => void }) => void,
  ) {
    const p = clientId ? this.#pending.get(clientId) : undefined;
    if (!p || !clientId) return;
    this.#pending.delete(clientId);
    fn(p);
  }

  // deno-lint-ignore no-explicit-any
  #event(e: any): void {
    switch (e.t) {
      case "danmaku":
        this.chat.value = [...this.chat.value, e.d].slice(-CHAT_KEEP);
        break;
      case "highlight":
        this.highlights.value = [...this.highlights.value, e.h];
        break;
      case "mood":
        this.mood.value = [...this.mood.value, e.m].slice(-240);
        break;
      case "topics":
        this.topics.value = e.topics;
        break;
      case "qa":
        this.qa.value = e.status;
        break;
      case "gift":
        this.gifts.value = [...this.gifts.value, { ...e.g }].slice(-50);
        break;
      case "retract":
        this.chat.value = this.chat.value.filter((d) => d.id !== e.messageId);
        this.adminChanged.value++;
        break;
      case "moderation":
        this.adminChanged.value++;
        break;
      case "system":
        if (e.code === "stream_live" || e.code === "stream_offline") this.streamChanged.value++;
        break;
    }
  }
}
