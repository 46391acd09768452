/**
 * Bilibili's op-5 command bodies (`{cmd, data | info}`) mapped to bridge events. Field
 * positions follow blivedm's models (DANMU_MSG is a positional array: info[1] the text,
 * info[2][0..1] the user id and name). A command we do not map is counted, not an error; a
 * mapped command with missing or mistyped fields is dropped and counted as malformed.
 */
import type { BridgeEvent, OutsideUser, OutsideValue } from "../events.ts";

export const PLATFORM = "bilibili";

export type CommandOutcome =
  | { kind: "event"; event: BridgeEvent }
  | { kind: "unknown"; cmd: string }
  | { kind: "malformed"; cmd: string };

const GUARD_TIERS: Record<number, string> = { 1: "总督", 2: "提督", 3: "舰长" };
/** INTERACT_WORD msg_type: 1 entered, 2 followed, 3 shared, 4 special follow, 5 mutual. */
const INTERACT_KINDS: Record<number, "enter" | "follow" | "share"> = {
  1: "enter",
  2: "follow",
  3: "share",
  4: "follow",
  5: "follow",
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => typeof v === "string" ? v : undefined;
const int = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
const idOf = (v: unknown): string | undefined =>
  typeof v === "number" && Number.isSafeInteger(v) ? String(v) : str(v);

function user(id: unknown, name: unknown): OutsideUser | undefined {
  const uid = idOf(id);
  const uname = str(name);
  if (uid === undefined || uname === undefined) return undefined;
  return { platform: PLATFORM, id: uid, name: uname };
}

/** Gold seeds (1000 = 1 yuan) to CNY fen; silver seeds are free and worth nothing. */
function goldToFen(seeds: number): OutsideValue {
  return { currency: "CNY", minor: Math.floor(seeds / 10) };
}

/** Some servers suffix the command (`DANMU_MSG:4:0:2:2:2:0`); the part before `:` names it. */
function commandName(cmd: string): string {
  const colon = cmd.indexOf(":");
  return colon < 0 ? cmd : cmd.slice(0, colon);
}

export function mapCommand(body: unknown, now: number): CommandOutcome {
  if (!isObj(body) || typeof body.cmd !== "string") return { kind: "malformed", cmd: "" };
  const cmd = commandName(body.cmd);
  const event = mapKnown(cmd, body, now);
  if (event === null) return { kind: "unknown", cmd };
  if (event === undefined) return { kind: "malformed", cmd };
  return { kind: "event", event };
}

/** `null`: not a mapped command; `undefined`: mapped but malformed. */
function mapKnown(cmd: string, body: Obj, now: number): BridgeEvent | null | undefined {
  const data = isObj(body.data) ? body.data : undefined;
  switch (cmd) {
    case "DANMU_MSG": {
      const info = body.info;
      if (!Array.isArray(info) || !Array.isArray(info[2])) return undefined;
      const u = user(info[2][0], info[2][1]);
      const text = str(info[1]);
      return u && text !== undefined ? { kind: "chat", user: u, text, at: now } : undefined;
    }
    case "SEND_GIFT": {
      if (!data) return undefined;
      const u = user(data.uid, data.uname);
      const giftName = str(data.giftName);
      const count = int(data.num);
      const total = int(data.total_coin) ?? (int(data.price) ?? 0) * (count ?? 0);
      if (!u || giftName === undefined || count === undefined) return undefined;
      const value = data.coin_type === "gold" ? goldToFen(total) : { currency: "CNY", minor: 0 };
      return { kind: "gift", user: u, giftName, count, value, at: now };
    }
    case "SUPER_CHAT_MESSAGE": {
      if (!data) return undefined;
      const info = isObj(data.user_info) ? data.user_info : {};
      const u = user(data.uid, info.uname);
      const text = str(data.message);
      const yuan = int(data.price);
      if (!u || text === undefined || yuan === undefined) return undefined;
      return {
        kind: "superchat",
        user: u,
        text,
        value: { currency: "CNY", minor: yuan * 100 },
        at: now,
      };
    }
    case "GUARD_BUY": {
      if (!data) return undefined;
      const u = user(data.uid, data.username);
      const level = int(data.guard_level);
      const count = int(data.num);
      const price = int(data.price);
      if (!u || level === undefined || count === undefined || price === undefined) {
        return undefined;
      }
      const tier = GUARD_TIERS[level] ?? str(data.gift_name) ?? `guard ${level}`;
      return {
        kind: "membership",
        user: u,
        tier,
        count,
        value: goldToFen(price * count),
        at: now,
      };
    }
    case "INTERACT_WORD": {
      if (!data) return undefined;
      const u = user(data.uid, data.uname);
      const kind = INTERACT_KINDS[int(data.msg_type) ?? 0];
      if (!u || !kind) return undefined;
      return { kind, user: u, at: now };
    }
    case "LIKE_INFO_V3_CLICK": {
      if (!data) return undefined;
      const u = user(data.uid, data.uname);
      return u ? { kind: "like", user: u, at: now } : undefined;
    }
    case "WATCHED_CHANGE": {
      const count = data ? int(data.num) : undefined;
      return count === undefined
        ? undefined
        : { kind: "viewers", platform: PLATFORM, count, at: now };
    }
    default:
      return null;
  }
}
