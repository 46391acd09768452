/**
 * RoomActor: one live room. Its core takes chat (`say`) through intake (clean, rate limit,
 * duplicate/flood), tracks viewers per edge, keeps recent batches for resume, publishes what
 * happened as numbered `RoomBatch`es on `rooms.out.{roomId}` and announces itself on
 * `rooms.status.{roomId}`. Everything else is a part (`parts.ts`: access, stream, captions,
 * gifts, highlights, the AI), called through lifecycle hooks (`part.ts`) and given the small
 * `RoomApi` below; a part's work done beside the mailbox (the ledger, the recorder, models)
 * comes back as its own in-process message (`ctx.self`), never through the transport.
 *
 * Batching is leading-edge: the first event in a quiet room is published at once (together
 * with whatever is already in the mailbox); events arriving within the gap after the last
 * batch are coalesced into one batch published when the gap ends. The gap adapts to the load
 * (`coalescing.ts`): `tickMs` while sending each message on its own fits the room's frame
 * budget, growing with the audience up to `tickMaxMs` past it. So at most one batch per room
 * per gap (one NATS message), no wait for sparse chat, and nothing runs for a room with
 * nothing to send but a slow housekeeping interval (status, presence expiry, sweeps,
 * detector, AI timers; at most 1 s apart).
 *
 * Every command is parsed by the contract (`contract.ts`: schema and trust; over NATS anything
 * may arrive) and handled through the handler table (`#handlers`: the core's commands and
 * each part's `commands`); refusals are ActorErrors with stable codes.
 *
 * Persisted (see `state.ts`): sequence, window, highlights, mutes, bans, admins, the last
 * known settings and the detector's baseline: marked dirty once per batch published (never per
 * message), persisted at once for moderation.
 */
import { effectiveLanguage } from "../ai/language.ts";
import {
  Actor,
  type ActorContext,
  ActorError,
  type ActorType,
  type MessageClass,
} from "../../engine/actor.ts";
import type { Via } from "../bridges/room_part.ts";
import { ChatLine } from "./chat_line.ts";
import { type RoomActorOptions, type RoomConfig, roomConfig } from "./options.ts";
import {
  type CommandOf,
  type Danmaku,
  type HighlightSpan,
  type JoinReply,
  parseRoomCommand,
  type PresenceReply,
  ROOM_ACTOR_TYPE,
  type RoomBatch,
  type RoomCommandKind,
  type RoomEvent,
  type RoomInfo,
  roomOutSubject,
  type RoomStatus,
  roomStatusSubject,
  type SayReply,
} from "./contract.ts";
import { FloodGuard } from "./flood.ts";
import { restoreAiState } from "./ai/persisted.ts";
import type { RoomApi, SayContext } from "./part.ts";
import { type RoomParts, roomParts } from "./parts.ts";
import { restorePkState } from "./parts/pk.ts";
import { restoreStageState } from "./parts/stage.ts";
import { restoreMeetingState } from "./parts/meeting.ts";
import { restoreStreamState } from "./parts/stream.ts";
import { EdgePresence } from "./presence.ts";
import { ResumeBuffer } from "./resume_buffer.ts";
import { cleanDanmaku } from "./sanitize.ts";
import { initialRoomState, restoreRoomState, type RoomState } from "./state.ts";
import { TokenBuckets } from "./token_bucket.ts";
import { DanmakuWindow, RateMeter } from "./window.ts";
import { ROOM_METRICS } from "./batch_meter.ts";
import { coalescingGapMs } from "./coalescing.ts";

export { ROOM_ACTOR_TYPE };
export type { RoomActorOptions };
/** The one-shot timer that publishes the next batch. */
const FLUSH_TIMER = "flush";
/** The housekeeping interval. */
const TICK_TIMER = "tick";

/** Sequence numbers reserved (persisted) ahead of use; see `RoomState.seqReserved`. */
const SEQ_BLOCK = 1000;
/** Events held for the next batch before it is published early. */
const MAX_PENDING_EVENTS = 2_000;
/** Housekeeping (status, presence expiry, detector, AI timers) at most this far apart. */
const HOUSEKEEPING_MAX_MS = 1_000;
/** Housekeeping (expired buckets, flood memory, mutes) at most this often. */
const SWEEP_EVERY_MS = 5_000;

/** Commands with no part to handle them in this build, and what the sender is told. */
const UNAVAILABLE: Partial<Record<RoomCommandKind, [string, string]>> = {
  ai: ["ai_unavailable", "the room's AI is turned off"],
};

/** Chat queued behind fewer messages than this is never shed for its age (`maxQueueMs`). */
export const SHED_STALE_BACKLOG = 256;

export function roomActorType(opts: RoomActorOptions): ActorType<RoomState, unknown, unknown> {
  const config = roomConfig(opts);
  return {
    type: ROOM_ACTOR_TYPE,
    idleMs: config.idleMs,
    mailboxCapacity: opts.mailboxCapacity,
    shedStale: opts.maxQueueMs === undefined
      ? undefined
      : { ms: opts.maxQueueMs, backlog: SHED_STALE_BACKLOG },
    initialState: () => initialRoomState(),
    restore: (raw) =>
      restoreMeetingState(
        restorePkState(
          restoreStageState(
            restoreStreamState(restoreAiState(restoreRoomState(raw), raw), raw),
            raw,
          ),
          raw,
        ),
        raw,
      ),
    create: (ctx, state) => new RoomActor(ctx, state, config),
  };
}

/** A part's timer or own message, tagged with the part's name on its way back. */
interface PartMessage {
  part: string;
  msg: unknown;
}

type Handler = (cmd: never) => unknown;

export class RoomActor extends Actor<RoomState, unknown, unknown> {
  readonly #cfg: RoomConfig;
  readonly #buckets: TokenBuckets;
  readonly #flood: FloodGuard;
  readonly #window: DanmakuWindow;
  readonly #rate = new RateMeter(10);
  /** The last 2 s of chat, for the coalescing gap (reacts faster than the 10 s rate). */
  readonly #recentRate = new RateMeter(2);
  readonly #resume: ResumeBuffer;
  readonly #presence: EdgePresence;
  readonly #parts: RoomParts;
  #pending: RoomEvent[] = [];
  /** The housekeeping interval ("tick") runs (while viewers are here or work is pending). */
  #ticking = false;
  /** A "flush" timer is set; when it is due (monotonic ms). */
  #flushDueMono: number | null = null;
  /** When the last batch went out (monotonic ms); the next one waits `#gapMs` after it. */
  #lastFlushMono = -Infinity;
  /** The coalescing gap chosen at the last batch (coalescing.ts). */
  #gapMs: number;
  #lastStatusAt = 0;
  #lastStatusViewers = -1;
  #lastSweepAt = 0;
  #lastViewersAt: number;
  /** Ids are `{activation tag}{counter}`: unique without coordination. */
  readonly #idTag: string;
  #idCounter = 0;
  /**
   * The handler table: which code handles each command of the contract (`contract.ts` says
   * its schema and who may send it; `parseRoomCommand` checks both before a handler runs).
   * The core's own commands, then every part's `commands` (one handler per kind).
   */
  readonly #handlers = new Map<RoomCommandKind, Handler>();

  constructor(ctx: ActorContext, state: RoomState, cfg: RoomConfig) {
    super(ctx, state);
    this.#cfg = cfg;
    this.#gapMs = cfg.tickMs;
    this.#buckets = new TokenBuckets(cfg.rateLimit);
    this.#flood = new FloodGuard(cfg.flood);
    this.#window = new DanmakuWindow(cfg.window, state.window);
    this.#resume = new ResumeBuffer(cfg.resume);
    this.#presence = new EdgePresence(cfg.presenceTtlMs, ctx.now());
    this.#lastViewersAt = ctx.now();
    this.#idTag = `${ctx.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}-`;
    const core: { [K in RoomCommandKind]?: (cmd: CommandOf<K>) => unknown } = {
      join: (cmd) => this.#join(cmd),
      presence: (cmd) => this.#reportPresence(cmd.edgeId, cmd.viewers),
      say: (cmd) => this.#say(cmd),
      info: () => this.#info(this.ctx.now()),
    };
    this.#parts = roomParts((part) => this.#api(part), state, cfg);
    const tables = [
      ["core", core] as const,
      ...this.#parts.all.map((p) => [p.name, p.commands ?? {}] as const),
    ];
    for (const [name, handlers] of tables) {
      for (const [kind, handler] of Object.entries(handlers)) {
        if (this.#handlers.has(kind as RoomCommandKind)) {
          throw new Error(`room command ${kind} has two handlers (the second in ${name})`);
        }
        this.#handlers.set(kind as RoomCommandKind, handler as Handler);
      }
    }
  }

  /** The commands this room handles (the handler table's kinds). */
  get handledKinds(): RoomCommandKind[] {
    return [...this.#handlers.keys()];
  }

  /** The room as the part `part` sees it. */
  #api(part: string): RoomApi {
    // deno-lint-ignore no-this-alias
    const room = this;
    return {
      roomId: this.ctx.id,
      log: this.ctx.log,
      now: () => this.ctx.now(),
      emit: (e) => this.#enqueue(e),
      unpublish: (match) => this.#removeDanmaku(match),
      recentChat: (n) => this.#recentChat(n),
      get access() {
        return room.#parts.access;
      },
      streamLanguage: () =>
        room.#parts.ai?.language ?? effectiveLanguage(room.state.language, null),
      caption: (c) => {
        for (const p of this.#parts.all) p.onCaption?.(c);
        this.#enqueue({ t: "caption", c });
      },
      highlight: (span) => this.#highlight(span),
      unmuted: async (userId, mute, by, at) => {
        for (const p of this.#parts.all) await p.onUnmuted?.(userId, mute, by, at);
      },
      persist: () => this.ctx.persist(),
      markDirty: () => this.ctx.markDirty(),
      wake: () => this.#wake(true),
      statusChanged: () => this.#publishStatus(this.ctx.now(), true),
      edgeStaleSince: (edgeId) => this.#presence.staleSince(edgeId, this.ctx.now()),
      nextId: () => this.#nextId(),
      say: (actor, text, via) => this.#say({ kind: "say", actor, text }, via),
      tell: (type, id, msg) => this.ctx.tell(type, id, msg),
      setInterval: (name, everyMs, opts) => {
        this.#claimTimer(name);
        this.ctx.setInterval(name, everyMs, opts);
      },
      clearTimer: (name) => this.ctx.clearTimer(name),
      self: (msg) => this.ctx.self({ part, msg } satisfies PartMessage),
    };
  }

  /** Timer names are the parts' own; the core's are reserved. */
  #claimTimer(name: string): void {
    if (name === FLUSH_TIMER || name === TICK_TIMER) throw new Error(`timer ${name} is the room's`);
  }

  override classify(msg: unknown): MessageClass {
    return typeof msg === "object" && msg !== null && (msg as { kind?: unknown }).kind === "say"
      ? "droppable"
      : "essential";
  }

  override async onActivate(): Promise<void> {
    for (const p of this.#parts.all) await p.onActivate?.();
    const now = this.ctx.now();
    // Persisted with the first real change: merely asking about a room stores nothing.
    if (this.state.createdAt === 0) this.state.createdAt = now;
    await this.#reserveOnActivate();
  }

  /**
   * The sequence part of start-up (the runtime handles no message before it is done). An
   * unclean stop may have published anything up to `seqReserved`: continue above it (viewers
   * see a gap). A clean stop left `seqReserved === seq`: continue right after it. A room that
   * has published before then reserves its next block durably, so whatever it acks from now
   * on would fall inside a gap if it died before publishing it; a room that never published
   * reserves before its first ack (`#say`) or batch.
   */
  async #reserveOnActivate(): Promise<void> {
    if (this.state.seqReserved > this.state.seq) {
      this.ctx.log.warn("room restarted after an unclean stop; skipping sequences", {
        from: this.state.seq + 1,
        to: this.state.seqReserved,
      });
      this.state.seq = this.state.seqReserved;
    }
    if (this.state.seq > 0) await this.#reserveBlock();
  }

  /** Durably reserves the numbers after `seq` (at least one stays reserved past the next). */
  async #reserveBlock(): Promise<void> {
    this.state.seqReserved = this.state.seq + 1 + SEQ_BLOCK;
    this.#syncState();
    await this.ctx.persist();
  }

  override receive(raw: unknown): unknown {
    const cmd = parseRoomCommand(raw);
    const handler = this.#handlers.get(cmd.kind);
    if (handler === undefined) {
      const [code, message] = UNAVAILABLE[cmd.kind] ??
        ["unavailable_here", `${cmd.kind} is not available in this room`];
      throw new ActorError(code, message);
    }
    return (handler as (c: typeof cmd) => unknown)(cmd);
  }

  /** A part's work done beside the mailbox came back (`ctx.self`: in process, never forged). */
  override async receiveSelf(msg: unknown): Promise<void> {
    const { part, msg: inner } = msg as PartMessage;
    await this.#parts.all.find((p) => p.name === part)?.onSelf?.(inner);
  }

  override async onTimer(name: string): Promise<void> {
    if (name === TICK_TIMER) await this.#tick(false);
    else if (name === FLUSH_TIMER) {
      if (this.#flushDueMono === null) return; // cleared while queued
      ROOM_METRICS.tickLag.observe(Math.max(0, performance.now() - this.#flushDueMono));
      this.#flushDueMono = null;
      await this.#tick(true);
    } else {
      for (const p of this.#parts.all) await p.onTimer?.(name);
    }
  }

  override async onPassivate(): Promise<void> {
    const now = this.ctx.now();
    for (const p of this.#parts.all) await p.onPassivate?.(now);
    if (this.#pending.length > 0) await this.#flush(now);
    this.#publishStatus(now, false);
    this.#syncState();
    if (this.state.seqReserved !== this.state.seq) {
      // A clean stop: the next activation continues right after the last batch.
      this.state.seqReserved = this.state.seq;
      this.ctx.markDirty();
    }
  }

  // --- the core's commands

  #say(cmd: CommandOf<"say">, via?: Via): SayReply | Promise<SayReply> {
    this.#parts.access.requireGuestsAllowed(cmd.actor);
    const now = this.ctx.now();
    // cleaned once; its folded forms are computed once, when a part first reads them
    const line = new ChatLine(cleanDanmaku(cmd.text, this.#cfg.maxTextLength));
    const user = cmd.actor.userId;
    const waitMs = this.#buckets.take(user, now);
    if (waitMs > 0) {
      throw new ActorError("rate_limited", "sending too fast; slow down", { retryAfterMs: waitMs });
    }
    for (const p of this.#parts.all) p.onIntake?.(cmd.actor, now);
    const verdict = this.#flood.check(user, line.key, now);
    if (verdict === "duplicate") {
      throw new ActorError("duplicate", "you just sent the same message");
    }
    const say: SayContext = { actor: cmd.actor, id: this.#nextId(), line, at: now };
    // screening (the AI room manager): throws for a hidden message or a mute, never waits
    let warning: SayReply["warning"];
    for (const p of this.#parts.all) warning = p.onScreen?.(say) ?? warning;
    this.#rate.add(now);
    this.#recentRate.add(now);
    this.state.lastActiveAt = now;
    this.#wake();
    const d: Danmaku = { id: say.id, userId: user, name: cmd.actor.name, text: line.text, at: now };
    // the owner's and admins' lines are marked: an edge's display budget never drops them
    const by = this.#parts.access.staffRole(cmd.actor);
    if (by) d.by = by;
    if (via) d.via = via;
    // highlights, mood, topics and questions count every accepted message, flood-suppressed too
    for (const p of this.#parts.all) p.onSay?.(say, d);
    const id = say.id;
    if (verdict === "flood") {
      return cmd.clientId === undefined
        ? { ok: true, id, suppressed: "flood" }
        : { ok: true, id, clientId: cmd.clientId, suppressed: "flood" };
    }
    this.#enqueue({ t: "danmaku", d });
    for (const p of this.#parts.all) p.onPublish?.(say, d);
    const reply: SayReply = cmd.clientId === undefined
      ? { ok: true, id }
      : { ok: true, id, clientId: cmd.clientId };
    if (warning) reply.warning = warning;
    // A batch starved by a flood of chat: publish early rather than grow without bound.
    if (this.#pending.length >= MAX_PENDING_EVENTS) return this.#flush(now).then(() => reply);
    // The first message of a room that never published: no number is reserved for it yet.
    if (this.state.seqReserved <= this.state.seq) return this.#reserveBlock().then(() => reply);
    return reply;
  }

  #join(cmd: CommandOf<"join">): JoinReply {
    const now = this.ctx.now();
    const seq = this.state.seq;
    let missed: RoomBatch[] = [];
    let gap: { from: number; to: number } | undefined;
    let fresh = true;
    if (cmd.resumeFrom !== undefined && cmd.resumeFrom <= seq) {
      ({ missed, gap } = this.#resume.since(cmd.resumeFrom, seq));
      fresh = gap !== undefined;
    }
    const reply: JoinReply = {
      info: this.#info(now),
      history: fresh ? this.#window.recent(now, this.#cfg.historyOnJoin) : [],
      missed,
      highlights: [],
    };
    if (gap !== undefined) reply.gap = gap;
    this.#presence.touch(cmd.edgeId, now);
    for (const p of this.#parts.all) p.onJoin?.(cmd.actor, reply, cmd.edgeId);
    return reply;
  }

  #reportPresence(edgeId: string, viewers: number): PresenceReply {
    const now = this.ctx.now();
    this.#presence.report(edgeId, viewers, now);
    const total = this.#presence.total(now);
    if (total > 0) {
      this.#lastViewersAt = now;
      this.#wake();
    } else if (!this.#hasWork() && now - this.#lastViewersAt >= this.#cfg.idleMs) {
      // Edges still report "0 viewers" here: do not let that keep an empty room alive.
      this.ctx.passivate();
    }
    return { viewers: total };
  }

  #info(now: number): RoomInfo {
    const info: RoomInfo = {
      roomId: this.ctx.id,
      viewers: this.#presence.total(now),
      seq: this.state.seq,
      rate: this.#rate.rate(now),
      createdAt: this.state.createdAt,
      lastActiveAt: this.state.lastActiveAt,
      admins: [],
      owner: null,
      guestChat: true,
      managed: false,
    };
    for (const p of this.#parts.all) p.describe?.(info);
    return info;
  }

  // --- what parts ask of the room

  /** Takes matching chat out of the next batch and the history. */
  #removeDanmaku(match: (d: Danmaku) => boolean): void {
    this.#pending = this.#pending.filter((e) => e.t !== "danmaku" || !match(e.d));
    if (this.#window.removeWhere(match) > 0) this.#syncState();
  }

  /** The last `n` messages shown (history and the next batch), oldest first. */
  #recentChat(n?: number): Danmaku[] {
    const now = this.ctx.now();
    const chat = [
      ...(n === undefined ? this.#window.recent(now) : this.#window.recent(now, n)),
      ...this.#pending.flatMap((e) => e.t === "danmaku" ? [e.d] : []),
    ];
    return n === undefined ? chat : chat.slice(-n);
  }

  /** A new highlight: parts enrich it, then it goes in the next batch. */
  #highlight(span: HighlightSpan): void {
    for (const p of this.#parts.all) p.onHighlight?.(span);
    this.#enqueue({ t: "highlight", h: span });
  }

  // --- the tick: a batch when one is due, housekeeping every interval

  /** `batchDue`: the flush timer fired; housekeeping publishes only if the gap has passed. */
  async #tick(batchDue: boolean): Promise<void> {
    const now = this.ctx.now();
    for (const p of this.#parts.all) p.onTick?.(now);
    if (this.#pending.length > 0) {
      if (batchDue || performance.now() - this.#lastFlushMono >= this.#gapMs) {
        await this.#flush(now);
      } else this.#wake(); // the flush timer publishes it
    }
    const viewers = this.#presence.total(now);
    if (viewers > 0) this.#lastViewersAt = now;
    if (
      now - this.#lastStatusAt >= this.#cfg.statusEveryMs || viewers !== this.#lastStatusViewers
    ) {
      this.#publishStatus(now, true, viewers);
    }
    if (now - this.#lastSweepAt >= SWEEP_EVERY_MS) this.#sweep(now);
    if (viewers === 0 && !this.#hasWork()) {
      this.ctx.clearTimer(TICK_TIMER);
      this.#ticking = false;
    }
  }

  /** Publishes the pending events as the next batch and keeps it for resume. */
  async #flush(now: number): Promise<void> {
    const seq = this.state.seq + 1;
    // Persist before publish, and keep a number reserved past this one for what is acked next.
    if (seq >= this.state.seqReserved) await this.#reserveBlock();
    const events = this.#pending;
    this.#pending = [];
    this.#lastFlushMono = performance.now();
    if (this.#flushDueMono !== null) {
      // published early (flood, passivation, housekeeping): the armed timer has nothing to do
      this.ctx.clearTimer(FLUSH_TIMER);
      this.#flushDueMono = null;
    }
    const batch: RoomBatch = {
      roomId: this.ctx.id,
      seq,
      at: now,
      viewers: this.#presence.total(now),
      events,
    };
    this.#gapMs = coalescingGapMs(
      {
        ratePerSec: this.#recentRate.currentRate(now),
        viewers: batch.viewers,
        idleShare: this.#cfg.machineIdle?.(),
      },
      this.#cfg.coalescing,
    );
    let bytes = 96;
    for (const e of events) {
      if (e.t === "danmaku") {
        this.#window.push(e.d);
        bytes += 80 + 3 * (e.d.text.length + e.d.name.length) + e.d.userId.length;
      } else bytes += 400;
    }
    this.ctx.publish(roomOutSubject(this.ctx.id), batch);
    // buffered; written off the room's path
    this.#cfg.archive?.record(this.ctx.id, events, batch.viewers);
    this.#resume.push(batch, bytes);
    this.state.seq = seq;
    this.state.lastActiveAt = now;
    this.#syncState();
    this.ctx.markDirty();
  }

  #publishStatus(now: number, active: boolean, viewers = this.#presence.total(now)): void {
    const status: RoomStatus = {
      roomId: this.ctx.id,
      viewers: active ? viewers : 0,
      rate: this.#rate.rate(now),
      seq: this.state.seq,
      at: now,
      active,
    };
    for (const p of this.#parts.all) p.describeStatus?.(status);
    this.ctx.publish(roomStatusSubject(this.ctx.id), status);
    this.#lastStatusAt = now;
    this.#lastStatusViewers = viewers;
  }

  #sweep(now: number): void {
    this.#lastSweepAt = now;
    this.#buckets.sweep(now);
    this.#flood.sweep(now);
    this.#window.prune(now);
    for (const p of this.#parts.all) p.onSweep?.(now);
  }

  // --- helpers

  /** Copies the in-memory window (and the parts' in-memory state) into the persisted state. */
  #syncState(): void {
    this.state.window = this.#window.recent(this.ctx.now());
    for (const p of this.#parts.all) p.onSync?.();
  }

  #hasWork(): boolean {
    return this.#pending.length > 0 || this.#parts.all.some((p) => p.busy?.() ?? false);
  }

  /** Adds an event to the next batch and makes sure that batch is scheduled. */
  #enqueue(e: RoomEvent): void {
    this.#pending.push(e);
    this.#wake();
  }

  /**
   * Starts housekeeping if it is not running, and schedules the next batch if anything is
   * waiting for one (or a part asked for the next tick `soon`): at once after a quiet spell
   * (behind the queued messages), else the coalescing gap after the last batch.
   */
  #wake(soon = false): void {
    if (!this.#ticking) {
      const every = Math.max(
        this.#cfg.tickMs,
        Math.min(HOUSEKEEPING_MAX_MS, this.#cfg.statusEveryMs / 2),
      );
      this.ctx.setInterval(TICK_TIMER, every);
      this.#ticking = true;
    }
    if (this.#flushDueMono !== null) return;
    if (this.#pending.length === 0 && !soon) return;
    const mono = performance.now();
    const wait = Math.max(0, this.#lastFlushMono + this.#gapMs - mono);
    this.#flushDueMono = mono + wait;
    this.ctx.setTimer(FLUSH_TIMER, wait);
  }

  #nextId(): string {
    return this.#idTag + (++this.#idCounter).toString(36);
  }
}
