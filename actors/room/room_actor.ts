/**
 * RoomActor: one live room. It takes chat (`say`) through intake (clean, rate limit, mute,
 * ban, duplicate/flood), counts it for the rate and the highlight detector, and publishes
 * what happened as numbered `RoomBatch`es on `rooms.out.{roomId}`. It also tracks viewers
 * per edge, moderates, group-commits gifts once per batch, keeps recent batches for resume,
 * and announces itself on `rooms.status.{roomId}`.
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
 * may arrive) and handled through the handler table (`#handlers`); refusals are ActorErrors
 * with stable codes.
 *
 * Settings (owner, room admins, guest chat, title) come from the accounts database through
 * the `settings` port on activation and from `configure` (trusted server code) on change;
 * with guest chat off, guests' `say` and `gift` are refused with `guests_disabled`.
 *
 * Persisted (see `state.ts`): sequence, window, highlights, mutes, bans, admins, the last
 * known settings and the detector's baseline: marked dirty once per batch published (never per
 * message), persisted at once for moderation.
 */
import {
  Actor,
  type ActorContext,
  ActorError,
  type ActorType,
  type DeferredReply,
  deferReply,
  type MessageClass,
} from "../../engine/actor.ts";
import type {
  DanmakuArchivePort,
  GiftLedger,
  RoomRecordingPort,
  RoomSettingsSource,
} from "./ports.ts";
import { type CaptionRoomPort, handleCaption, handleWindow } from "./captions.ts";
import { BridgedPart, type Via } from "../bridges/room_part.ts";
import { COHOST_ACTOR_TYPE } from "../cohost/address.ts";
import {
  type CommandOf,
  type ConfigureReply,
  type Danmaku,
  type GiftOutcome,
  type HighlightSpan,
  type JoinReply,
  type ModerateReply,
  parseRoomCommand,
  type PresenceReply,
  ROOM_ACTOR_TYPE,
  type RoomBatch,
  type RoomCommandKind,
  type RoomEvent,
  type RoomInfo,
  roomOutSubject,
  type RoomSettings,
  type RoomSettingsView,
  type RoomStatus,
  roomStatusSubject,
  type SayReply,
} from "./contract.ts";
import { DEFAULT_FLOOD_OPTIONS, FloodGuard, type FloodOptions } from "./flood.ts";
import { commitGifts, type CommittedBatch, GiftQueue, settle } from "./gift_queue.ts";
import {
  DEFAULT_HIGHLIGHT_OPTIONS,
  HighlightDetector,
  type HighlightOptions,
} from "./highlights.ts";
import { Moderation, type MuteStatus } from "./moderation.ts";
import {
  type AiSelfMessage,
  DEFAULT_INTELLIGENCE,
  type IntelligenceOptions,
  restoreAiState,
  RoomIntelligence,
} from "./intelligence.ts";
import { EdgePresence } from "./presence.ts";
import { DEFAULT_RESUME_OPTIONS, ResumeBuffer, type ResumeBufferOptions } from "./resume_buffer.ts";
import { cleanDanmaku, DEFAULT_MAX_CODE_POINTS } from "./sanitize.ts";
import { ChatLine } from "./chat_line.ts";
import { initialRoomState, restoreRoomState, type RoomState } from "./state.ts";
import { restoreStreamState, RoomStream, STREAM_TIMER } from "./stream_state.ts";
import { type TokenBucketOptions, TokenBuckets } from "./token_bucket.ts";
import { DanmakuWindow, RateMeter, type WindowOptions } from "./window.ts";
import { coalescingGapMs, type CoalescingPolicy, DEFAULT_COALESCING } from "./coalescing.ts";
import { ROOM_METRICS } from "./batch_meter.ts";

export { ROOM_ACTOR_TYPE };
/** The one-shot timer that publishes the next batch. */
const FLUSH_TIMER = "flush";

export interface RoomActorOptions {
  /** Minimum gap between two batches (tens of ms); the first event after a gap goes out at once. */
  tickMs: number;
  /** Longest gap between two batches in a busy, large room (default 250 ms). */
  tickMaxMs?: number;
  /** Frames per second (over all viewers) a room may cost its edges before it coalesces more
   * (default 50,000; see coalescing.ts). */
  framesPerSecond?: number;
  /** Without a ledger, `gift` is refused with `gifts_unavailable`. */
  giftLedger?: GiftLedger;
  /**
   * The room's settings from the accounts database, read on activation. Without it (or for
   * a room it does not know) the room keeps its own owner/admins and lets guests chat.
   */
  settings?: RoomSettingsSource;
  /**
   * The settings read may hold the room's start-up (no message is handled before it ends) at
   * most this long (default 2 s, well inside a sender's 5 s request timeout); past it the last
   * known copy in the room's state is used.
   */
  settingsTimeoutMs?: number;
  /** A room with no viewers and nothing pending passivates after this long (default 60 s). */
  idleMs?: number;
  statusEveryMs?: number;
  /** An edge that has not reported viewers for this long no longer counts (default 15 s). */
  presenceTtlMs?: number;
  maxTextLength?: number;
  rateLimit?: Partial<TokenBucketOptions>;
  flood?: Partial<FloodOptions>;
  window?: Partial<WindowOptions>;
  /** Danmaku sent as history on a fresh join (default 50). */
  historyOnJoin?: number;
  highlights?: Partial<HighlightOptions>;
  /** Highlight spans kept (persisted) per room (default 50). */
  keepHighlights?: number;
  resume?: Partial<ResumeBufferOptions>;
  /** Droppable (chat) messages queued before `mailbox_full`. */
  mailboxCapacity?: number;
  /**
   * The room's AI (moderation, mood, topics, Q&A; `intelligence.ts`): on by default with
   * local heuristics; pass the process's LLM client as `ai.llm`. `false` turns it off.
   */
  ai?: Partial<IntelligenceOptions> | false;
  /** Starts/stops the recording when the stream goes live/offline (`stream_state.ts`). */
  recording?: RoomRecordingPort;
  /** Each published batch's danmaku and retractions, handed over without waiting. */
  archive?: DanmakuArchivePort;
}

/** Fully defaulted options, shared by every room of a type. */
interface RoomConfig {
  tickMs: number;
  coalescing: CoalescingPolicy;
  giftLedger?: GiftLedger;
  settings?: RoomSettingsSource;
  settingsTimeoutMs: number;
  idleMs: number;
  statusEveryMs: number;
  presenceTtlMs: number;
  maxTextLength: number;
  rateLimit: TokenBucketOptions;
  flood: FloodOptions;
  window: WindowOptions;
  historyOnJoin: number;
  highlights: HighlightOptions;
  keepHighlights: number;
  resume: ResumeBufferOptions;
  ai: IntelligenceOptions | null;
  recording?: RoomRecordingPort;
  archive?: DanmakuArchivePort;
}

/** Sequence numbers reserved (persisted) ahead of use; see `RoomState.seqReserved`. */
const SEQ_BLOCK = 1000;
/** Highlights sent with a join. */
const HIGHLIGHTS_ON_JOIN = 20;
/** Events held for the next batch before it is published early. */
const MAX_PENDING_EVENTS = 2_000;
/** Housekeeping (status, presence expiry, detector, AI timers) at most this far apart. */
const HOUSEKEEPING_MAX_MS = 1_000;
/** Housekeeping (expired buckets, flood memory, mutes) at most this often. */
const SWEEP_EVERY_MS = 5_000;

export function roomActorType(opts: RoomActorOptions): ActorType<RoomState, unknown, unknown> {
  const config: RoomConfig = {
    tickMs: opts.tickMs,
    coalescing: {
      minMs: opts.tickMs,
      maxMs: Math.max(opts.tickMs, opts.tickMaxMs ?? DEFAULT_COALESCING.maxMs),
      framesPerSecond: opts.framesPerSecond ?? DEFAULT_COALESCING.framesPerSecond,
    },
    giftLedger: opts.giftLedger,
    settings: opts.settings,
    settingsTimeoutMs: opts.settingsTimeoutMs ?? 2_000,
    idleMs: opts.idleMs ?? 60_000,
    statusEveryMs: opts.statusEveryMs ?? 2_000,
    presenceTtlMs: opts.presenceTtlMs ?? 15_000,
    maxTextLength: opts.maxTextLength ?? DEFAULT_MAX_CODE_POINTS,
    rateLimit: { burst: 5, refillPerSec: 1, maxUsers: 50_000, ...opts.rateLimit },
    flood: { ...DEFAULT_FLOOD_OPTIONS, ...opts.flood },
    window: { maxCount: 200, maxAgeMs: 10 * 60_000, ...opts.window },
    historyOnJoin: opts.historyOnJoin ?? 50,
    highlights: { ...DEFAULT_HIGHLIGHT_OPTIONS, ...opts.highlights },
    keepHighlights: opts.keepHighlights ?? 50,
    resume: { ...DEFAULT_RESUME_OPTIONS, ...opts.resume },
    ai: null,
    recording: opts.recording,
    archive: opts.archive,
  };
  if (opts.ai !== false) {
    // the AI's flood rule never refuses what the room's own rate limit lets through
    const { burst, refillPerSec } = config.rateLimit;
    const rate = { max: Math.max(6, Math.ceil(burst + refillPerSec * 10)), windowMs: 10_000 };
    config.ai = { ...DEFAULT_INTELLIGENCE, ...opts.ai };
    config.ai.rules = { rate, ...config.ai.rules };
  }
  return {
    type: ROOM_ACTOR_TYPE,
    idleMs: config.idleMs,
    mailboxCapacity: opts.mailboxCapacity,
    initialState: () => initialRoomState(),
    restore: (raw) => restoreStreamState(restoreAiState(restoreRoomState(raw), raw), raw),
    create: (ctx, state) => new RoomActor(ctx, state, config),
  };
}

export class RoomActor extends Actor<RoomState, unknown, unknown> {
  readonly #cfg: RoomConfig;
  readonly #buckets: TokenBuckets;
  readonly #flood: FloodGuard;
  readonly #window: DanmakuWindow;
  readonly #rate = new RateMeter(10);
  /** The last 2 s of chat, for the coalescing gap (reacts faster than the 10 s rate). */
  readonly #recentRate = new RateMeter(2);
  readonly #detector: HighlightDetector;
  readonly #resume: ResumeBuffer;
  readonly #presence: EdgePresence;
  readonly #moderation: Moderation;
  readonly #gifts = new GiftQueue();
  /** Outside rooms bridged in (`actors/bridges/room_part.ts`): their chat takes `#say`'s path. */
  readonly #bridged = new BridgedPart({
    intake: (actor, text, via) => this.#say({ kind: "say", actor, text }, via),
    enqueue: (e) => this.#enqueue(e),
  });
  /** The batch of gifts the ledger is committing now (beside the mailbox), if any. */
  #giftsInFlight: { id: number; done: Promise<CommittedBatch> } | null = null;
  #giftBatches = 0;
  readonly #ai: RoomIntelligence | null;
  readonly #stream: RoomStream;
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

  constructor(ctx: ActorContext, state: RoomState, cfg: RoomConfig) {
    super(ctx, state);
    this.#cfg = cfg;
    this.#gapMs = cfg.tickMs;
    this.#buckets = new TokenBuckets(cfg.rateLimit);
    this.#flood = new FloodGuard(cfg.flood);
    this.#window = new DanmakuWindow(cfg.window, state.window);
    this.#detector = new HighlightDetector("h", cfg.highlights, state.detector ?? undefined);
    this.#resume = new ResumeBuffer(cfg.resume);
    this.#presence = new EdgePresence(cfg.presenceTtlMs);
    this.#moderation = new Moderation(state);
    this.#lastViewersAt = ctx.now();
    this.#idTag = `${ctx.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}-`;
    this.#stream = new RoomStream(ctx, state, cfg.recording, {
      emit: (e) => this.#enqueue(e),
      statusChanged: () => this.#publishStatus(this.ctx.now(), true),
    }, cfg.statusEveryMs);
    this.#ai = cfg.ai && new RoomIntelligence(ctx, state, cfg.ai, {
      canManage: (a) =>
        a.roles.includes("admin") || this.#moderation.isAdmin(a.userId) ||
        this.#moderation.owner === a.userId,
      emit: (e) => this.#enqueue(e),
      unpublish: (id) => this.#removeDanmaku((d) => d.id === id),
      recentChat: (n) =>
        [
          ...this.#window.recent(this.ctx.now(), n),
          ...this.#pending.flatMap((e) => e.t === "danmaku" ? [e.d] : []),
        ].slice(-n),
      // the AI mutes in the room's own list: intake, join and admins read one answer
      mutes: {
        mutedUntil: (userId, at) => this.#moderation.mutedUntil(userId, at),
        mute: (userId, until, by, auditId, at) => {
          if (this.#moderation.muteByAi(userId, until, by, auditId, at)) this.#mutesChanged();
        },
        lift: (userId, auditId, until) => {
          if (this.#moderation.liftAiMute(userId, auditId, until)) this.#mutesChanged();
        },
      },
      runningMutes: (now) => this.#moderation.mutes(now),
    });
  }

  /** Live captions in, the analysis window's danmaku out (`captions.ts`). */
  readonly #captionPort: CaptionRoomPort = {
    emit: (e) => {
      this.#ai?.hearCaption(e.c); // the streamer's speech for highlights
      this.#enqueue(e);
    },
    recent: () => [
      ...this.#window.recent(this.ctx.now()),
      ...this.#pending.flatMap((e) => e.t === "danmaku" ? [e.d] : []),
    ],
  };

  override classify(msg: unknown): MessageClass {
    return typeof msg === "object" && msg !== null && (msg as { kind?: unknown }).kind === "say"
      ? "droppable"
      : "essential";
  }

  override async onActivate(): Promise<void> {
    await this.#loadSettings();
    this.#stream.onActivate();
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

  /**
   * The handler table: which code handles each command of the contract (`contract.ts` says
   * its schema and who may send it; `parseRoomCommand` checks both before a handler runs).
   */
  readonly #handlers: { [K in RoomCommandKind]: (cmd: CommandOf<K>) => unknown } = {
    join: (cmd) => this.#join(cmd),
    presence: (cmd) => this.#reportPresence(cmd.edgeId, cmd.viewers),
    say: (cmd) => this.#say(cmd),
    moderate: (cmd) => this.#moderate(cmd),
    gift: (cmd) => this.#gift(cmd),
    info: () => this.#info(this.ctx.now()),
    highlights: () => this.state.highlights,
    ai: (cmd) => {
      if (!this.#ai) throw new ActorError("ai_unavailable", "the room's AI is turned off");
      return this.#ai.command(cmd);
    },
    configure: (cmd) => this.#configure(cmd.settings),
    caption: (cmd) => handleCaption(cmd, this.#captionPort),
    window: (cmd) => handleWindow(cmd, this.#captionPort),
    stream: (cmd) => this.#stream.apply(cmd),
    stream_recording: (cmd) => this.#stream.replaceRecording(cmd),
    bridged: (cmd) => this.#bridged.apply(cmd.linkId, cmd.events),
    cohost_events: (cmd) => {
      for (const e of cmd.events) this.#enqueue(e as RoomEvent);
      return { ok: true };
    },
    cohost_listen: (cmd) => {
      this.state.cohost = cmd.native || cmd.bridged
        ? { native: cmd.native, bridged: cmd.bridged }
        : null;
      this.ctx.markDirty();
      return { ok: true };
    },
  };

  override receive(raw: unknown): unknown {
    const cmd = parseRoomCommand(raw);
    return (this.#handlers[cmd.kind] as (c: typeof cmd) => unknown)(cmd);
  }

  /** Work done beside the mailbox came back (`ctx.self`: in process, never forged). */
  override async receiveSelf(msg: unknown): Promise<void> {
    const m = msg as RoomSelfMessage;
    switch (m.kind) {
      case "gifts_committed":
        return this.#giftsCommitted(m.id, m.batch);
      case "ai":
        await this.#ai?.receiveSelf(m.msg);
        return;
      case "recording_started":
        await this.#stream.recordingStarted(m.streamId, m.recordingId);
        return;
    }
  }

  override async onTimer(name: string): Promise<void> {
    if (name === "tick") await this.#tick(false);
    else if (name === FLUSH_TIMER) {
      if (this.#flushDueMono === null) return; // cleared while queued
      ROOM_METRICS.tickLag.observe(Math.max(0, performance.now() - this.#flushDueMono));
      this.#flushDueMono = null;
      await this.#tick(true);
    } else if (name === STREAM_TIMER) this.#publishStatus(this.ctx.now(), true);
  }

  override async onPassivate(): Promise<void> {
    const now = this.ctx.now();
    await this.#drainGifts();
    for (const span of this.#detector.advance(now)) this.#addHighlight(span);
    this.#ai?.onPassivate(now);
    if (this.#pending.length > 0) await this.#flush(now);
    this.#publishStatus(now, false);
    this.#syncState();
    if (this.state.seqReserved !== this.state.seq) {
      // A clean stop: the next activation continues right after the last batch.
      this.state.seqReserved = this.state.seq;
      this.ctx.markDirty();
    }
  }

  // --- settings

  /**
   * Reads the settings from the port; on failure, or when the read outlasts
   * `settingsTimeoutMs` (it holds the room's start-up), the last known copy in the state stays.
   */
  async #loadSettings(): Promise<void> {
    const source = this.#cfg.settings;
    if (source === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer in ${this.#cfg.settingsTimeoutMs} ms`)),
        this.#cfg.settingsTimeoutMs,
      );
    });
    try {
      this.#applySettings(await Promise.race([source.load(this.ctx.id), late]));
    } catch (err) {
      this.ctx.log.warn("room settings unavailable; using the last known ones", { err });
    } finally {
      clearTimeout(timer);
    }
  }

  #applySettings(settings: RoomSettings | null): void {
    this.#moderation.configure(settings);
    this.#moderation.writeTo(this.state);
    if (settings === null) {
      this.state.guestChat = true;
      this.state.title = null;
    } else {
      this.state.guestChat = settings.guestChat;
      this.state.title = settings.title ?? null;
    }
  }

  async #configure(settings: RoomSettings | null): Promise<ConfigureReply> {
    this.#applySettings(settings);
    await this.ctx.persist();
    const view = this.#settingsView();
    this.#enqueue({ t: "settings", s: view, at: this.ctx.now() });
    this.ctx.log.info("room settings applied", {
      managed: view.managed,
      guestChat: view.guestChat,
      admins: view.admins.length,
    });
    return { ok: true, settings: view };
  }

  #settingsView(): RoomSettingsView {
    const view: RoomSettingsView = {
      owner: this.#moderation.owner,
      admins: this.#moderation.admins,
      guestChat: this.state.guestChat,
      managed: this.state.managed,
    };
    if (this.state.title !== null) view.title = this.state.title;
    return view;
  }

  /** Guests are refused when the room's settings turned guest chat off. */
  #requireChatAllowed(actor: { kind: string }): void {
    if (actor.kind === "guest" && !this.state.guestChat) {
      throw new ActorError("guests_disabled", "guests cannot chat in this room; sign in to chat");
    }
  }

  // --- commands

  #say(cmd: CommandOf<"say">, via?: Via): SayReply | Promise<SayReply> {
    this.#requireChatAllowed(cmd.actor);
    const now = this.ctx.now();
    // cleaned once; its folded forms are computed once, when a part first reads them
    const line = new ChatLine(cleanDanmaku(cmd.text, this.#cfg.maxTextLength));
    const text = line.text;
    const user = cmd.actor.userId;
    const waitMs = this.#buckets.take(user, now);
    if (waitMs > 0) {
      throw new ActorError("rate_limited", "sending too fast; slow down", { retryAfterMs: waitMs });
    }
    const mute = this.#moderation.muteOf(user, now);
    if (mute !== undefined) {
      throw new ActorError("muted", mutedMessage(mute, now), {
        until: mute.until,
        source: mute.source,
      });
    }
    if (this.#moderation.isBanned(user)) {
      throw new ActorError("banned", "you are banned from chatting in this room");
    }
    const key = line.key;
    const verdict = this.#flood.check(user, key, now);
    if (verdict === "duplicate") {
      throw new ActorError("duplicate", "you just sent the same message");
    }
    const id = this.#nextId();
    // the AI room manager: throws for a hidden message or a mute, never waits
    const warning = this.#ai?.screen(cmd.actor, id, line, now);
    this.#rate.add(now);
    this.#recentRate.add(now);
    for (const span of this.#detector.observe(key, now)) this.#addHighlight(span);
    this.state.lastActiveAt = now;
    this.#wake();
    const d: Danmaku = { id, userId: user, name: cmd.actor.name, text, at: now };
    const by = this.#moderation.owner === user
      ? "owner"
      : this.#moderation.isAdmin(user) || cmd.actor.roles.includes("admin")
      ? "admin"
      : undefined;
    if (by) d.by = by;
    if (via) d.via = via;
    // mood, topics and questions count every accepted message, flood-suppressed ones too
    this.#ai?.observe(d, line);
    if (verdict === "flood") {
      return cmd.clientId === undefined
        ? { ok: true, id, suppressed: "flood" }
        : { ok: true, id, clientId: cmd.clientId, suppressed: "flood" };
    }
    this.#enqueue({ t: "danmaku", d });
    this.#toCoHost(d, cmd.actor.userId);
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
    const user = cmd.actor.userId;
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
      highlights: this.state.highlights.slice(-HIGHLIGHTS_ON_JOIN),
    };
    if (gap !== undefined) reply.gap = gap;
    const mute = this.#moderation.muteOf(user, now);
    const self: NonNullable<JoinReply["self"]> = {};
    if (mute !== undefined) self.muted = { until: mute.until, source: mute.source };
    if (this.#moderation.isBanned(user)) self.banned = true;
    if (this.#moderation.isAdmin(user)) self.admin = true;
    if (this.#moderation.owner === user) self.owner = true;
    if (Object.keys(self).length > 0) reply.self = self;
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

  async #moderate(cmd: CommandOf<"moderate">): Promise<ModerateReply> {
    const now = this.ctx.now();
    const before = this.#moderation.muteOf(cmd.target, now);
    const { until } = this.#moderation.apply(cmd, now);
    this.#moderation.writeTo(this.state);
    // an admin's unmute also ends a mute by the AI room manager (audited as undone)
    if (cmd.action === "unmute" && before?.source === "ai") {
      await this.#ai?.liftMute(cmd.target, before, cmd.actor.userId, now);
    }
    if (cmd.action === "ban") this.#purge(cmd.target);
    await this.ctx.persist();
    const event: RoomEvent = {
      t: "moderation",
      action: cmd.action,
      target: cmd.target,
      by: cmd.actor.userId,
      at: now,
    };
    if (until !== undefined) event.until = until;
    this.#enqueue(event);
    this.ctx.log.info("moderation", { action: cmd.action, target: cmd.target, by: event.by });
    const reply: ModerateReply = { ok: true, action: cmd.action, target: cmd.target };
    if (until !== undefined) reply.until = until;
    return reply;
  }

  /** A banned user's chat leaves the next batch and the history (clients drop what they show). */
  #purge(userId: string): void {
    this.#removeDanmaku((d) => d.userId === userId);
  }

  /** Takes matching chat out of the next batch and the history. */
  #removeDanmaku(match: (d: Danmaku) => boolean): void {
    this.#pending = this.#pending.filter((e) => e.t !== "danmaku" || !match(e.d));
    if (this.#window.removeWhere(match) > 0) this.#syncState();
  }

  #gift(cmd: CommandOf<"gift">): DeferredReply<GiftOutcome> {
    if (this.#cfg.giftLedger === undefined) {
      throw new ActorError("gifts_unavailable", "gifts are not available on this server");
    }
    this.#requireChatAllowed(cmd.actor);
    if (this.#moderation.isBanned(cmd.actor.userId)) {
      throw new ActorError("banned", "you are banned from this room");
    }
    const promise = this.#gifts.enqueue({
      idempotencyKey: cmd.idempotencyKey,
      roomId: this.ctx.id,
      senderId: cmd.actor.userId,
      senderName: cmd.actor.name,
      giftId: cmd.giftId,
      count: cmd.count,
    });
    this.#wake();
    return deferReply(promise);
  }

  #info(now: number): RoomInfo {
    return {
      roomId: this.ctx.id,
      viewers: this.#presence.total(now),
      seq: this.state.seq,
      rate: this.#rate.rate(now),
      createdAt: this.state.createdAt,
      lastActiveAt: this.state.lastActiveAt,
      ...this.#settingsView(),
      stream: this.#stream.view(),
      bridgedViewers: this.#bridged.audience(now),
    };
  }

  /** Accepted chat goes on to the room's co-host when it listens to its origin. */
  #toCoHost(d: Danmaku, userId: string): void {
    const listen = this.state.cohost;
    if (!listen || !(d.via ? listen.bridged : listen.native)) return;
    const input = {
      id: d.id,
      origin: d.via ? "bridged" : "native",
      platform: d.via?.platform,
      user: { id: d.userId, name: d.name },
      text: d.text,
      at: d.at,
      trusted: !d.via && (this.#moderation.owner === userId || this.#moderation.isAdmin(userId)),
    };
    this.ctx.tell(COHOST_ACTOR_TYPE, this.ctx.id, { kind: "input", input });
  }

  // --- the tick: a batch when one is due, housekeeping every interval

  /** `batchDue`: the flush timer fired; housekeeping publishes only if the gap has passed. */
  async #tick(batchDue: boolean): Promise<void> {
    const now = this.ctx.now();
    this.#startGiftCommit();
    for (const span of this.#detector.advance(now)) this.#addHighlight(span);
    this.#ai?.tick(now);
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
      this.ctx.clearTimer("tick");
      this.#ticking = false;
    }
  }

  /**
   * Hands the queued gifts to the ledger and goes on with the mailbox: the outcome comes
   * back as the room's own `gifts_committed` message. One batch at a time (gifts arriving
   * meanwhile form the next one); if the activation is gone when the ledger answers, the
   * senders are still answered (no broadcast: the room that would publish it has stopped).
   */
  #startGiftCommit(): void {
    const ledger = this.#cfg.giftLedger;
    if (ledger === undefined || this.#giftsInFlight !== null || this.#gifts.size === 0) return;
    const id = ++this.#giftBatches;
    const done = commitGifts(ledger, this.#gifts.take(), this.ctx.log);
    this.#giftsInFlight = { id, done };
    done.then((batch) => {
      const msg: RoomSelfMessage = { kind: "gifts_committed", id, batch };
      if (!this.ctx.self(msg)) settle(batch);
    });
  }

  /** The ledger answered: the senders get their outcomes, committed gifts go in the batch. */
  #giftsCommitted(id: number, batch: CommittedBatch): void {
    if (this.#giftsInFlight?.id !== id) return; // applied already (passivation)
    this.#giftsInFlight = null;
    this.#applyGifts(batch);
    this.#startGiftCommit();
    this.#wake();
  }

  /** Before passivation: wait for the batch in flight, then commit what is still queued. */
  async #drainGifts(): Promise<void> {
    while (this.#giftsInFlight !== null || this.#gifts.size > 0) {
      if (this.#giftsInFlight === null) this.#startGiftCommit();
      if (this.#giftsInFlight === null) break; // no ledger
      const { id, done } = this.#giftsInFlight;
      this.#giftsCommitted(id, await done);
    }
  }

  #applyGifts(batch: CommittedBatch): void {
    settle(batch);
    const now = this.ctx.now();
    for (const [i, { req }] of batch.gifts.entries()) {
      const outcome = batch.outcomes[i];
      if (!outcome.ok || outcome.replayed) continue;
      this.#pending.push({
        t: "gift",
        g: {
          id: this.#nextId(),
          userId: req.senderId,
          name: req.senderName,
          giftId: req.giftId,
          giftName: outcome.giftName,
          count: req.count,
          amount: outcome.amount,
          at: now,
        },
      });
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
      { ratePerSec: this.#recentRate.rate(now), viewers: batch.viewers },
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
    this.#cfg.archive?.record(this.ctx.id, events); // buffered; written off the room's path
    this.#resume.push(batch, bytes);
    this.state.seq = seq;
    this.state.lastActiveAt = now;
    this.#syncState();
    this.ctx.markDirty();
  }

  #addHighlight(span: HighlightSpan): void {
    const list = this.state.highlights;
    this.#ai?.enrich(span);
    list.push(span);
    if (list.length > this.#cfg.keepHighlights) {
      list.splice(0, list.length - this.#cfg.keepHighlights);
    }
    this.#enqueue({ t: "highlight", h: span });
    this.ctx.log.info("highlight", { span: span.id, score: span.score, reason: span.reason });
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
      live: this.#stream.live,
    };
    if (status.live) {
      const { since, streamId, recordingId } = this.#stream.view();
      if (since !== undefined) status.liveSince = since;
      if (streamId !== undefined) status.streamId = streamId;
      if (recordingId !== undefined) status.recordingId = recordingId;
    }
    this.ctx.publish(roomStatusSubject(this.ctx.id), status);
    this.#lastStatusAt = now;
    this.#lastStatusViewers = viewers;
  }

  #sweep(now: number): void {
    this.#lastSweepAt = now;
    this.#buckets.sweep(now);
    this.#flood.sweep(now);
    this.#window.prune(now);
    if (this.#moderation.expire(now)) {
      this.#moderation.writeTo(this.state);
      this.ctx.markDirty();
    }
  }

  // --- helpers

  /** Copies the in-memory window and detector into the persisted state. */
  #syncState(): void {
    this.state.window = this.#window.recent(this.ctx.now());
    this.state.detector = this.#detector.snapshot();
  }

  /** The AI muted or an undo lifted a mute: the list goes into the state (persisted soon). */
  #mutesChanged(): void {
    this.#moderation.writeMutesTo(this.state);
    this.ctx.markDirty();
  }

  #hasWork(): boolean {
    return this.#pending.length > 0 || this.#gifts.size > 0 || this.#giftsInFlight !== null ||
      this.#detector.pending ||
      (this.#ai?.busy ?? false);
  }

  /** Adds an event to the next batch and makes sure that batch is scheduled. */
  #enqueue(e: RoomEvent): void {
    this.#pending.push(e);
    this.#wake();
  }

  /**
   * Starts housekeeping if it is not running, and schedules the next batch if anything is
   * waiting for one: at once after a quiet spell (behind the queued messages), else the
   * coalescing gap after the last batch.
   */
  #wake(): void {
    if (!this.#ticking) {
      const every = Math.max(
        this.#cfg.tickMs,
        Math.min(HOUSEKEEPING_MAX_MS, this.#cfg.statusEveryMs / 2),
      );
      this.ctx.setInterval("tick", every);
      this.#ticking = true;
    }
    if (this.#flushDueMono !== null) return;
    if (this.#pending.length === 0 && this.#gifts.size === 0) return;
    const mono = performance.now();
    const wait = Math.max(0, this.#lastFlushMono + this.#gapMs - mono);
    this.#flushDueMono = mono + wait;
    this.ctx.setTimer(FLUSH_TIMER, wait);
  }

  #nextId(): string {
    return this.#idTag + (++this.#idCounter).toString(36);
  }
}

/** What the room sends itself (`ctx.self`) when work done beside its mailbox finishes. */
type RoomSelfMessage =
  | { kind: "gifts_committed"; id: number; batch: CommittedBatch }
  | { kind: "ai"; msg: AiSelfMessage }
  | { kind: "recording_started"; streamId: string; recordingId: string };

/** The `muted` refusal: how long is left and who muted (the web client shows the message). */
function mutedMessage(mute: MuteStatus, now: number): string {
  const left = Math.max(1, Math.ceil((mute.until - now) / 1000));
  const time = left < 120
    ? `${left} s`
    : left < 7200
    ? `${Math.ceil(left / 60)} min`
    : `${Math.ceil(left / 3600)} h`;
  const who = mute.source === "ai" ? "the room's AI moderator" : "a room admin";
  return `you are muted in this room for ${time} more (by ${who})`;
}
