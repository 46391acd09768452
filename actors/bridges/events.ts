/**
 * What a bridge hands the room: events from an outside live room, each tagged with its
 * platform and (where there is one) the outside user. Platform adapters turn their own wire
 * messages into these; the room never sees a platform's format.
 */
import { z } from "zod";

/** A viewer on another platform. `id` is the platform's user id, as text. */
export interface OutsideUser {
  platform: string;
  id: string;
  name: string;
}

/**
 * Money on another platform, shown and never booked: integer minor units of `currency`
 * (CNY fen for Bilibili: 1000 gold seeds = 1 yuan = 100 fen).
 */
export interface OutsideValue {
  currency: string;
  minor: number;
}

export type BridgeEvent =
  | { kind: "chat"; user: OutsideUser; text: string; at: number }
  | {
    kind: "gift";
    user: OutsideUser;
    giftName: string;
    count: number;
    value: OutsideValue;
    at: number;
  }
  | { kind: "superchat"; user: OutsideUser; text: string; value: OutsideValue; at: number }
  | {
    kind: "membership";
    user: OutsideUser;
    /** The platform's tier name (Bilibili: jianzhang, tidu, zongdu). */
    tier: string;
    count: number;
    value: OutsideValue;
    at: number;
  }
  | { kind: "follow" | "enter" | "share" | "like"; user: OutsideUser; at: number }
  /** The outside room's audience (Bilibili WATCHED_CHANGE: people who watched). */
  | { kind: "viewers"; platform: string; count: number; at: number };

export type BridgeEventKind = BridgeEvent["kind"];

/** The wire form of bridge events (they reach the room over the transport): parsed there. */

const User = z.object({
  platform: z.string().min(1).max(24),
  id: z.string().min(1).max(64),
  name: z.string().max(64),
});
const Value = z.object({
  currency: z.string().min(3).max(8),
  minor: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
const At = z.number().int().nonnegative();

export const BridgeEventSchema: z.ZodType<BridgeEvent> = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("chat"), user: User, text: z.string().max(2000), at: At }),
  z.object({
    kind: z.literal("gift"),
    user: User,
    giftName: z.string().max(64),
    count: z.number().int().nonnegative().max(1_000_000),
    value: Value,
    at: At,
  }),
  z.object({
    kind: z.literal("superchat"),
    user: User,
    text: z.string().max(2000),
    value: Value,
    at: At,
  }),
  z.object({
    kind: z.literal("membership"),
    user: User,
    tier: z.string().max(32),
    count: z.number().int().nonnegative().max(1000),
    value: Value,
    at: At,
  }),
  z.object({ kind: z.enum(["follow", "enter", "share", "like"]), user: User, at: At }),
  z.object({
    kind: z.literal("viewers"),
    platform: z.string().min(1).max(24),
    count: z.number().int().nonnegative(),
    at: At,
  }),
]) as z.ZodType<BridgeEvent>;
