/**
 * The declared field mapping of a comment relay: which JSON fields (dotted paths) of a relayed
 * message hold the text, the user and, optionally, the kind and a gift's name, count and value.
 * The defaults read the Douyin document's comment rows (`id, user, content, ts, platform`).
 */
import { z } from "zod";
import type { BridgeEvent, OutsideUser } from "../events.ts";

const Path = z.string().min(1).max(100).regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/);

export const RelayMapping = z.object({
  text: Path.default("content"),
  userId: Path.default("user"),
  userName: Path.default("user"),
  /** A field naming the message's kind; absent: every message is chat. */
  kind: Path.optional(),
  /** Values of `kind` → our kinds (e.g. `{"comment": "chat", "gift": "gift"}`). */
  kinds: z.record(z.string().max(40), z.enum(["chat", "gift", "follow", "enter", "like"]))
    .default({}),
  giftName: Path.default("gift_name"),
  count: Path.default("count"),
  /** Integer minor units of `currency`. */
  value: Path.default("value"),
  currency: z.string().min(3).max(8).default("CNY"),
}).strict();
export type RelayMapping = z.infer<typeof RelayMapping>;

function at(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const key of path.split(".")) {
    if (typeof cur !== "object" || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const text = (v: unknown) =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
const count = (v: unknown) =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined;

/** `null`: a kind we do not map (ignored); `undefined`: a mapped message missing fields. */
export function mapRelayed(
  msg: unknown,
  m: RelayMapping,
  platform: string,
  now: number,
): BridgeEvent | null | undefined {
  let kind: string = "chat";
  if (m.kind) {
    const raw = text(at(msg, m.kind));
    if (raw === undefined) return undefined;
    kind = m.kinds[raw] ?? (Object.keys(m.kinds).length === 0 ? raw : "");
  }
  if (!["chat", "gift", "follow", "enter", "like"].includes(kind)) return null;
  const id = text(at(msg, m.userId));
  const name = text(at(msg, m.userName));
  if (id === undefined || name === undefined) return undefined;
  const user: OutsideUser = { platform, id, name };
  switch (kind) {
    case "chat": {
      const t = text(at(msg, m.text));
      return t === undefined ? undefined : { kind: "chat", user, text: t, at: now };
    }
    case "gift": {
      const giftName = text(at(msg, m.giftName));
      const n = count(at(msg, m.count)) ?? 1;
      const minor = count(at(msg, m.value)) ?? 0;
      if (giftName === undefined) return undefined;
      return {
        kind: "gift",
        user,
        giftName,
        count: n,
        value: { currency: m.currency, minor },
        at: now,
      };
    }
    case "follow":
    case "enter":
    case "like":
      return { kind, user, at: now };
    default:
      return null;
  }
}
