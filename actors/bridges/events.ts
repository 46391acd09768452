/**
 * What a bridge hands the room: events from an outside live room, each tagged with its
 * platform and (where there is one) the outside user. Platform adapters turn their own wire
 * messages into these; the room never sees a platform's format.
 */

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
    /** The platform's tier name (Bilibili: 舰长, 提督, 总督). */
    tier: string;
    count: number;
    value: OutsideValue;
    at: number;
  }
  | { kind: "follow" | "enter" | "share" | "like"; user: OutsideUser; at: number }
  /** The outside room's audience (Bilibili WATCHED_CHANGE: people who watched). */
  | { kind: "viewers"; count: number; at: number };

export type BridgeEventKind = BridgeEvent["kind"];
