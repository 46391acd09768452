/** The room actor's options (per actor type, from the composition root) and their defaults. */
import { type CoalescingPolicy, DEFAULT_COALESCING } from "./coalescing.ts";
import { DEFAULT_FLOOD_OPTIONS, type FloodOptions } from "./flood.ts";
import { DEFAULT_HIGHLIGHT_OPTIONS, type HighlightOptions } from "./highlights.ts";
import { DEFAULT_INTELLIGENCE, type IntelligenceOptions } from "./ai/options.ts";
import type {
  DanmakuArchivePort,
  GiftLedger,
  RoomRecordingPort,
  RoomSettingsSource,
} from "./ports.ts";
import { DEFAULT_RESUME_OPTIONS, type ResumeBufferOptions } from "./resume_buffer.ts";
import { DEFAULT_MAX_CODE_POINTS } from "./sanitize.ts";
import { DEFAULT_DISCONNECT_GRACE_MS, DEFAULT_MAX_GUESTS } from "./parts/stage.ts";
import type { TokenBucketOptions } from "./token_bucket.ts";
import type { WindowOptions } from "./window.ts";

export interface RoomActorOptions {
  /** Minimum gap between two batches (tens of ms); the first event after a gap goes out at once. */
  tickMs: number;
  /** Longest gap between two batches in a busy, large room (default 250 ms). */
  tickMaxMs?: number;
  /** Frames per second (over all viewers) a room may cost its edges before it coalesces more
   * (default 100,000; see coalescing.ts). */
  framesPerSecond?: number;
  /** Frames per second one viewer receives at most before the room coalesces (default 50;
   * 0: no cap; see coalescing.ts). */
  viewerFramesPerSecond?: number;
  /** Messages per second past which a room over its frame budget waits `tickMaxMs` (a hot
   * room; default 100, see coalescing.ts). */
  hotRatePerSec?: number;
  /** The machine's idle CPU share (0..1; undefined: unknown), asked at each batch: below
   * `idleForFullBudget` the frame budget shrinks (see coalescing.ts). Without it, the budget
   * never depends on the machine. */
  machineIdle?: () => number | undefined;
  /** Idle share below which the frame budget shrinks (default 0.2; 0: never). */
  idleForFullBudget?: number;
  /** The least share of the frame budget left on a saturated machine (default 0.25). */
  busyBudgetShare?: number;
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
   * Chat that waited longer than this in the room's mailbox, behind a backlog of at least
   * `SHED_STALE_BACKLOG` (256) messages, is refused with `slow_down` when its turn comes
   * rather than handled late (an overloaded room's backlog stays this fresh; a short stall
   * with a few messages waiting sheds nothing). Default: no bound; the process wiring sets
   * `ROOM_MAX_QUEUE_MS`.
   */
  maxQueueMs?: number;
  /**
   * The room's AI (moderation, mood, topics, Q&A; `intelligence.ts`): on by default with
   * local heuristics; pass the process's LLM client as `ai.llm`. `false` turns it off.
   */
  ai?: Partial<IntelligenceOptions> | false;
  /** Starts/stops the recording when the stream goes live/offline (`parts/stream.ts`). */
  recording?: RoomRecordingPort;
  /** Each published batch's danmaku and retractions, handed over without waiting. */
  archive?: DanmakuArchivePort;
  /** Guests on stage (`parts/stage.ts`): at most this many besides the streamer (default 3). */
  stage?: { maxGuests?: number; graceMs?: number };
  /** Meeting rooms (`parts/meeting.ts`): how long a disconnected member stays (default 15 s). */
  meeting?: { graceMs?: number };
}

/** Fully defaulted options, shared by every room of a type. */
export interface RoomConfig {
  tickMs: number;
  coalescing: CoalescingPolicy;
  machineIdle?: () => number | undefined;
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
  stage: { maxGuests: number; graceMs: number };
  meeting: { graceMs: number };
}

export function roomConfig(opts: RoomActorOptions): RoomConfig {
  const config: RoomConfig = {
    tickMs: opts.tickMs,
    coalescing: {
      minMs: opts.tickMs,
      maxMs: Math.max(opts.tickMs, opts.tickMaxMs ?? DEFAULT_COALESCING.maxMs),
      framesPerSecond: opts.framesPerSecond ?? DEFAULT_COALESCING.framesPerSecond,
      hotRatePerSec: opts.hotRatePerSec ?? DEFAULT_COALESCING.hotRatePerSec,
      viewerFramesPerSecond: opts.viewerFramesPerSecond ??
        DEFAULT_COALESCING.viewerFramesPerSecond,
      idleForFullBudget: opts.idleForFullBudget ?? DEFAULT_COALESCING.idleForFullBudget,
      busyBudgetShare: opts.busyBudgetShare ?? DEFAULT_COALESCING.busyBudgetShare,
    },
    machineIdle: opts.machineIdle,
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
    stage: {
      maxGuests: opts.stage?.maxGuests ?? DEFAULT_MAX_GUESTS,
      graceMs: opts.stage?.graceMs ?? DEFAULT_DISCONNECT_GRACE_MS,
    },
    meeting: { graceMs: opts.meeting?.graceMs ?? DEFAULT_DISCONNECT_GRACE_MS },
  };
  if (opts.ai !== false) {
    // Per-user limits in one place: the room's token bucket (`rateLimit`) is the one rate
    // limit, and it refuses before the AI sees a message, so the AI keeps no rate rule of its
    // own (it could never fire). The AI's repeat rule (the same folded text three times in a
    // minute, spaced to slip past the room's duplicate guard) stays: it is about content.
    config.ai = { ...DEFAULT_INTELLIGENCE, ...opts.ai };
    config.ai.rules = { rate: null, ...config.ai.rules };
  }
  return config;
}
