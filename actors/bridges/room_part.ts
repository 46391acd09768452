/**
 * The room's bridges part: events a bridge actor hands the room (`bridged` command, internal).
 * Chat and super chats go through the room's own intake, exactly as a native `say` (text
 * policy, rate limit per outside user, mute/ban, flood, AI moderation, mood, topics, highlights,
 * Q&A), as an outside user `{platform}:{id}` and tagged `via` in the danmaku. Gifts, super chat
 * values and memberships become `bridged` events shown with their platform and value; they
 * never touch a wallet. Follows, shares, entries and likes are counted and shown in aggregate.
 * The outside audiences (per link) are kept for the room's viewer count.
 */
import type { BridgeEvent, OutsideValue } from "./events.ts";

/** Where a bridged danmaku came from (kept in the danmaku, shown by clients). */
export interface Via {
  platform: string;
  linkId: string;
  /** The outside user's id on that platform. */
  userId: string;
}

/** An outside event shown in the room (never money in our wallets). */
export type BridgedRoomEvent =
  & {
    t: "bridged";
    platform: string;
    linkId: string;
    at: number;
  }
  & (
    | {
      kind: "gift";
      user: { id: string; name: string };
      giftName: string;
      count: number;
      value: OutsideValue;
    }
    | { kind: "superchat"; user: { id: string; name: string }; text: string; value: OutsideValue }
    | {
      kind: "membership";
      user: { id: string; name: string };
      tier: string;
      count: number;
      value: OutsideValue;
    }
    /** Follows, shares, entries and likes of one delivery, counted. */
    | { kind: "activity"; follows: number; shares: number; entries: number; likes: number }
  );

/** The outside user as a room actor: kind `user` (the streamer linked the room on purpose). */
export interface OutsideActor {
  userId: string;
  name: string;
  kind: "user";
  roles: string[];
}

export interface BridgedHost {
  /**
   * The room's chat intake as for a native say; throws an ActorError with a code if refused.
   * May return a promise (the room persisting before it acks); the reply waits for it.
   */
  intake(actor: OutsideActor, text: string, via: Via): unknown;
  enqueue(e: BridgedRoomEvent): void;
}

export interface BridgedReply {
  accepted: number;
  /** Refusals by code (`rate_limited`, `muted`, `message_hidden`, `duplicate`, ...). */
  refused: Record<string, number>;
  shown: number;
}

export interface Audience {
  platform: string;
  count: number;
  at: number;
}

/** Audiences older than this are not counted (the bridge stopped reporting). */
const AUDIENCE_TTL_MS = 10 * 60_000;

export class BridgedPart {
  readonly #audiences = new Map<string, Audience>();

  constructor(private readonly host: BridgedHost) {}

  apply(linkId: string, events: readonly BridgeEvent[]): BridgedReply | Promise<BridgedReply> {
    const reply: BridgedReply = { accepted: 0, refused: {}, shown: 0 };
    const pending: Promise<unknown>[] = [];
    const activity = { follows: 0, shares: 0, entries: 0, likes: 0 };
    let lastAt = 0;
    let platform = "";
    for (const e of events) {
      lastAt = Math.max(lastAt, e.at);
      if (e.kind === "viewers") {
        this.#audiences.set(linkId, { platform: e.platform, count: e.count, at: e.at });
        continue;
      }
      platform = e.user.platform;
      const user = { id: e.user.id, name: e.user.name };
      const base = { t: "bridged" as const, platform, linkId, at: e.at };
      switch (e.kind) {
        case "chat":
        case "superchat": {
          if (e.kind === "superchat") {
            this.host.enqueue({ ...base, kind: "superchat", user, text: e.text, value: e.value });
            reply.shown++;
          }
          const actor: OutsideActor = {
            userId: `${platform}:${e.user.id}`.slice(0, 64),
            name: (e.user.name || "?").slice(0, 32),
            kind: "user",
            roles: [],
          };
          try {
            const r = this.host.intake(actor, e.text, { platform, linkId, userId: e.user.id });
            if (r instanceof Promise) pending.push(r);
            reply.accepted++;
          } catch (err) {
            const code = (err as { code?: string }).code ?? "refused";
            reply.refused[code] = (reply.refused[code] ?? 0) + 1;
          }
          break;
        }
        case "gift":
          this.host.enqueue({
            ...base,
            kind: "gift",
            user,
            giftName: e.giftName,
            count: e.count,
            value: e.value,
          });
          reply.shown++;
          break;
        case "membership":
          this.host.enqueue({
            ...base,
            kind: "membership",
            user,
            tier: e.tier,
            count: e.count,
            value: e.value,
          });
          reply.shown++;
          break;
        case "follow":
          activity.follows++;
          break;
        case "share":
          activity.shares++;
          break;
        case "enter":
          activity.entries++;
          break;
        case "like":
          activity.likes++;
          break;
      }
    }
    if (activity.follows + activity.shares + activity.entries + activity.likes > 0) {
      this.host.enqueue({
        t: "bridged",
        platform: platform || this.#audiences.get(linkId)?.platform || "outside",
        linkId,
        at: lastAt,
        kind: "activity",
        ...activity,
      });
      reply.shown++;
    }
    return pending.length > 0 ? Promise.all(pending).then(() => reply) : reply;
  }

  /** Outside audiences by platform (links of one platform summed). */
  audience(now: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, a] of this.#audiences) {
      if (now - a.at > AUDIENCE_TTL_MS) {
        this.#audiences.delete(id);
        continue;
      }
      out[a.platform] = (out[a.platform] ?? 0) + a.count;
    }
    return out;
  }
}
