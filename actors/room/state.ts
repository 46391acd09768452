/**
 * The persisted state of a room and how it is restored. Plain JSON only (it goes to Deno KV
 * or a JetStream KV bucket). Restoring repairs field by field, so one damaged field never
 * costs the room its bans or highlights.
 */
import { LANGUAGE_SETTINGS, type LanguageSetting } from "../ai/language_tags.ts";
import { z } from "zod";
import type { Danmaku, HighlightSpan } from "./contract.ts";
import type { DetectorSnapshot } from "./highlights.ts";

/** Who muted: a room admin (or the owner, or a platform admin) or the AI room manager. */
export type MuteSource = "admin" | "ai";

/**
 * One running mute (`moderation.ts` keeps the one list). Snapshots from before the AI's mutes
 * moved here have no `source` (they were all admins') and load as `admin`.
 */
export interface MuteRecord {
  userId: string;
  until: number;
  /** The admin's user id, or `ai:local` / `ai:llm`. */
  by: string;
  source: MuteSource;
  /** For `source: "ai"`: the audit entry that made the mute. */
  auditId?: string;
}

export interface RoomState {
  v: 1;
  /** 0 until the first activation sets it. */
  createdAt: number;
  lastActiveAt: number;
  /** Last published batch sequence. */
  seq: number;
  /**
   * Sequences up to here may have been published. Persisted ahead of `seq` in blocks, so
   * a room restarted after a crash continues above anything it ever published (the
   * clients then see a gap) instead of reusing sequence numbers.
   */
  seqReserved: number;
  /** The first admin; only the owner (or a platform admin) adds or removes admins. */
  owner: string | null;
  admins: string[];
  /** From the room's settings: false refuses guests' chat and gifts. */
  guestChat: boolean;
  title: string | null;
  /** From the room's settings: `meeting` rooms run `parts/meeting.ts`. */
  kind: "live" | "meeting";
  /** The streamer's language setting for the room's AI (from the settings). */
  language: LanguageSetting;
  /**
   * True when owner, admins, guestChat and title come from the accounts database (kept here
   * as the last known copy in case the database cannot be read at activation); admins are
   * then edited there, not with `admin_add`/`admin_remove`.
   */
  managed: boolean;
  mutes: MuteRecord[];
  bans: { userId: string; at: number; by: string }[];
  /** Recent published danmaku, oldest first (bounded by the window options). */
  window: Danmaku[];
  /** Most recent highlight spans, oldest first. */
  highlights: HighlightSpan[];
  detector: DetectorSnapshot | null;
  /** Which chat goes on to the room's co-host (null: none; set by the co-host). */
  cohost: { native: boolean; bridged: boolean } | null;
}

export function initialRoomState(): RoomState {
  return {
    v: 1,
    createdAt: 0,
    lastActiveAt: 0,
    seq: 0,
    seqReserved: 0,
    owner: null,
    admins: [],
    guestChat: true,
    title: null,
    kind: "live",
    language: "auto",
    managed: false,
    mutes: [],
    bans: [],
    window: [],
    highlights: [],
    detector: null,
    cohost: null,
  };
}

const DanmakuSchema = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  text: z.string(),
  at: z.number(),
  via: z.object({ platform: z.string(), linkId: z.string(), userId: z.string() }).optional()
    .catch(undefined),
});

/** A highlight span as stored (also the base of its wire schema, edge/protocol_schema.ts). */
export const HighlightSchema = z.object({
  id: z.string(),
  startAt: z.number(),
  endAt: z.number(),
  score: z.number(),
  reason: z.enum(["rate_spike", "burst_phrase", "rate_spike+burst_phrase"]),
  topPhrases: z.array(z.object({ phrase: z.string(), count: z.number() })),
  peakRate: z.number(),
  baselineRate: z.number(),
});

const count = z.number().int().nonnegative().catch(0);

const PersistedRoomState = z.object({
  v: z.literal(1).catch(1),
  createdAt: count,
  lastActiveAt: count,
  seq: count,
  seqReserved: count,
  owner: z.string().nullable().catch(null),
  admins: z.array(z.string()).catch([]),
  guestChat: z.boolean().catch(true),
  title: z.string().nullable().catch(null),
  kind: z.enum(["live", "meeting"]).catch("live"),
  language: z.enum(LANGUAGE_SETTINGS as [LanguageSetting, ...LanguageSetting[]]).catch("auto"),
  managed: z.boolean().catch(false),
  mutes: z.array(
    z.object({
      userId: z.string(),
      until: z.number(),
      by: z.string(),
      source: z.enum(["admin", "ai"]).default("admin").catch("admin"),
      auditId: z.string().optional().catch(undefined),
    }),
  ).catch([]),
  bans: z.array(z.object({ userId: z.string(), at: z.number(), by: z.string() })).catch([]),
  window: z.array(DanmakuSchema).catch([]),
  highlights: z.array(HighlightSchema).catch([]),
  detector: z.object({
    baseline: z.number().nonnegative(),
    phraseBaseline: z.number().nonnegative(),
    seconds: z.number().int().nonnegative(),
    currentSec: z.number().int(),
  }).nullable().catch(null),
  cohost: z.object({ native: z.boolean(), bridged: z.boolean() }).nullable().catch(null)
    .default(null),
});

/** Parses persisted state; unknown or damaged fields fall back to their initial value. */
export function restoreRoomState(raw: unknown): RoomState {
  const parsed = PersistedRoomState.safeParse(raw ?? {});
  return parsed.success ? parsed.data : initialRoomState();
}
